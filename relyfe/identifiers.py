"""Sign-in identifiers: an e-mail address or a mobile phone number, each in one canonical form.

Pure normalisation (no model): it sits in the foundation so that every layer may read an identifier the
way accounts does, such as the access log's person filter in audit, below accounts."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_email(value: str) -> str:
    """Lower-cases the whole address: nobody expects Alice@ and alice@ to be two accounts."""
    email = value.strip().lower()
    validate_email(email)
    return email


def parse_phone(value: str, *, mobile_only: bool = False) -> str:
    """Returns the number in E.164; national forms are read in PHONE_DEFAULT_REGION."""
    try:
        number = phonenumbers.parse(value.strip(), settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("Enter a valid phone number, such as 06 12 34 56 78 or +33 6 12 34 56 78.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number does not exist. Check the digits."))
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(_("Enter a mobile phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """The number as people in its country write it, for display."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == settings.PHONE_DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def canonical_identifier(value: str) -> tuple[str, str] | None:
    """("email", address) or ("phone", E.164) for what someone typed to sign in, None if neither."""
    value = (value or "").strip()
    try:
        if "@" in value:
            return "email", normalize_email(value)
        return "phone", parse_phone(value)
    except ValidationError:
        return None
