"""The second factor that confirms who a face search found. A face is not proof: before a match is named (always
for a possible match, and for a strong one when the professional has no access yet), the professional asks the
patient, or reads their card, for the factor the patient chose on their faces page: their birth date, the last
four digits of their mobile phone, or their Heart-Code.

Wrong answers are counted twice: on the candidate (FACES_CONFIRMATION_ATTEMPTS wrong ones lock it for good,
the right one included), and against the professional across searches (relyfe.abuse's progressive waits), so
that a new search does not buy new guesses. Answers are never logged nor stored.
"""

import hmac
import re
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from faces.models import ConfirmationFactor, FaceConsent
from relyfe import abuse
from relyfe.errors import DomainError
from sharing import tokens
from sharing.models import EmergencyProfile

BIRTH_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
PHONE_DIGITS = 4
# The Heart-Code's token is the last part of its address, /e/<token>/: the professional pastes either.
HEARTCODE_PATH = re.compile(r"/e/([A-Za-z0-9_-]+)")


def lockout() -> abuse.Lockout:
    """Wrong factors of one professional, whatever the search: the candidate's own limit is free, then each
    further wrong answer makes the next one wait twice as long."""
    return abuse.Lockout(
        scope="face-confirmation:professional",
        free=settings.FACES_CONFIRMATION_ATTEMPTS,
        first_delay_seconds=30,
        longest_seconds=60 * 60,
        memory_seconds=24 * 60 * 60,
    )


class WrongFactor(DomainError):
    """The answer does not confirm the match: worded the same whatever was wrong, so it tells nothing of the
    patient (whether they have a phone, a birth date on file, which digit was off)."""

    code = "wrong_factor"
    status = 400
    default_detail = _("This does not confirm who the patient is: nothing is shown.")

    def __init__(self, attempts_left: int):
        super().__init__()
        self.attempts_left = attempts_left


class ConfirmationLocked(DomainError):
    code = "confirmation_locked"
    status = 403
    default_detail = _(
        "Too many wrong answers: this match stays anonymous. Identify the patient another way: their Heart-Code, "
        "or their name and birth date."
    )


class ConfirmationThrottled(DomainError):
    code = "throttled"
    status = 429

    def __init__(self, wait: int):
        super().__init__(detail=_("Too many wrong answers. Try again in %(wait)s.") % {"wait": abuse.wait_text(wait)})
        self.wait = wait


def has_heart_code(patient: User) -> bool:
    return EmergencyProfile.objects.filter(patient=patient, enabled=True).exists()


def factors_offered(patient: User) -> list[ConfirmationFactor]:
    """What the patient may choose: the phone only with a phone number, the Heart-Code only with one in use."""
    offered = [ConfirmationFactor.BIRTH_DATE]
    if patient.phone:
        offered.append(ConfirmationFactor.PHONE_DIGITS)
    if has_heart_code(patient):
        offered.append(ConfirmationFactor.HEART_CODE)
    return offered


def factor_of(consent: FaceConsent | None) -> ConfirmationFactor:
    """The factor a professional asks for: the patient's choice, or the birth date when the number they chose
    is gone from their account."""
    if consent is None:
        return ConfirmationFactor.BIRTH_DATE
    factor = ConfirmationFactor(consent.confirm_with)
    if factor == ConfirmationFactor.PHONE_DIGITS and not consent.patient.phone:
        return ConfirmationFactor.BIRTH_DATE
    return factor


def answer_matches(patient: User, factor: ConfirmationFactor, answer: str) -> bool:
    """Whether `answer` is the patient's `factor`. A value the account lacks matches nothing."""
    answer = (answer or "").strip()
    if factor == ConfirmationFactor.BIRTH_DATE:
        profile = getattr(patient, "patient_profile", None)
        given = _date(answer)
        return bool(profile and profile.birth_date and given) and given == profile.birth_date
    if factor == ConfirmationFactor.PHONE_DIGITS:
        digits = re.sub(r"\D", "", answer)
        expected = (patient.phone or "")[-PHONE_DIGITS:]
        return (
            len(digits) == PHONE_DIGITS
            and len(expected) == PHONE_DIGITS
            and hmac.compare_digest(digits.encode(), expected.encode())
        )
    profile = EmergencyProfile.objects.filter(patient=patient).first()
    token = _heartcode_token(answer)
    return bool(profile and token) and tokens.derived_token_is_valid(tokens.HEARTCODE, profile.token_nonce, token)


def _date(value: str) -> date | None:
    for date_format in BIRTH_DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


def _heartcode_token(value: str) -> str:
    found = HEARTCODE_PATH.search(value)
    return found.group(1) if found else value
