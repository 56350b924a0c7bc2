import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_rpps(value: str) -> None:
    """An RPPS number is 11 digits. Its Luhn key is checked separately: see rpps_checksum_is_valid."""
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError(_("An RPPS number has exactly 11 digits."), code="rpps_shape")


def rpps_checksum_is_valid(value: str) -> bool:
    """The Luhn key of an RPPS number. Some real numbers fail it, so a failure is only a warning."""
    total = 0
    for position, digit in enumerate(int(character) for character in reversed(value)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="time_zone")
