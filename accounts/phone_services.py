"""Codes sent by text message: choosing a new password with one's phone, and confirming a phone number.

The web request asks for a code (`phone_code_request`) and the worker draws and sends it
(`phone_code_send`); checking a code counts an attempt even when it is wrong, in its own transaction.
"""

import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from accounts import throttling
from accounts.models import PhoneCode, PhoneCodePurpose, User
from accounts.tasks import notify_password_changed as notify_password_changed_task
from accounts.tasks import send_phone_code as send_phone_code_task
from notifications.sms import send_sms
from relyfe import outbox

CODE_DIGITS = 6


def _code_hash(phone_code: PhoneCode, code: str) -> str:
    # A plain hash of one code in a million is reversed at once: keyed with SECRET_KEY (and the row),
    # the database alone does not give the code away.
    return salted_hmac("accounts.PhoneCode", f"{phone_code.pk}:{code}", algorithm="sha256").hexdigest()


def _live_codes(*, user: User, purpose: str):
    return PhoneCode.objects.filter(
        user=user,
        purpose=purpose,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        attempts__lt=settings.PHONE_CODE_MAX_ATTEMPTS,
    )


@transaction.atomic
def phone_code_request(*, user: User, purpose: str) -> PhoneCode:
    """Has the worker text a new code to the user's phone; the codes asked before stop working, so
    that only the last message received counts."""
    now = timezone.now()
    _live_codes(user=user, purpose=purpose).update(expires_at=now)
    phone_code = PhoneCode(user=user, purpose=purpose, phone=user.phone, expires_at=now + settings.PHONE_CODE_LIFETIME)
    phone_code.full_clean()
    phone_code.save()
    outbox.enqueue(send_phone_code_task, phone_code.pk)
    return phone_code


def phone_code_send(*, phone_code_id: int) -> None:
    """Draws the code, keeps its hash and sends it, in one transaction: if the provider refuses, no
    hash is kept and a retry draws another. A code already sent, used or dead is left alone."""
    with transaction.atomic():
        phone_code = (
            PhoneCode.objects.select_for_update()
            .select_related("user")
            .filter(pk=phone_code_id, sent_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if phone_code is None:
            return
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        phone_code.code_hash = _code_hash(phone_code, code)
        phone_code.sent_at = timezone.now()
        phone_code.save(update_fields=["code_hash", "sent_at"])
        send_sms(to=phone_code.phone, body=_code_message(phone_code, code))


def code_lifetime_minutes() -> int:
    return round(settings.PHONE_CODE_LIFETIME.total_seconds() / 60)


def _code_message(phone_code: PhoneCode, code: str) -> str:
    minutes = code_lifetime_minutes()
    with override(phone_code.user.language):
        if phone_code.purpose == PhoneCodePurpose.PASSWORD_RESET:
            what = _("ReLyfe: %(code)s is your code to choose a new password.")
        elif phone_code.purpose == PhoneCodePurpose.SECOND_FACTOR:
            what = _("ReLyfe: %(code)s is your code to sign in.")
        else:
            what = _("ReLyfe: %(code)s is your code to confirm your phone number.")
        expiry = ngettext(
            "It works for %(minutes)s minute. Never give it to anyone.",
            "It works for %(minutes)s minutes. Never give it to anyone.",
            minutes,
        )
        return f"{what % {'code': code}} {expiry % {'minutes': minutes}}"


def phone_code_check(*, user: User, purpose: str, phone: str, code: str) -> bool:
    """Whether `code` is the user's live code for `purpose`, sent to `phone`; a right code is used up.
    Every try counts, and the code dies after PHONE_CODE_MAX_ATTEMPTS: its own transaction keeps the
    count when the caller's fails."""
    with transaction.atomic():
        phone_code = (
            _live_codes(user=user, purpose=purpose)
            .select_for_update()
            .filter(sent_at__isnull=False, phone=phone)
            .order_by("-created_at")
            .first()
        )
        if phone_code is None:
            return False
        phone_code.attempts += 1
        right = constant_time_compare(phone_code.code_hash, _code_hash(phone_code, code))
        if right:
            phone_code.used_at = timezone.now()
        phone_code.save(update_fields=["attempts", "used_at"])
    return right


def recovery_user(phone: str) -> User | None:
    """Who may choose a new password with a code texted to `phone`: the active account with this
    number once confirmed; or not yet confirmed when the account has no e-mail, because then the phone
    is its only way back in (and the code proves that the user holds it)."""
    return (
        User.objects.filter(phone=phone, is_active=True, claim_pending=False)
        .filter(Q(phone_verified_at__isnull=False) | Q(email__isnull=True))
        .first()
    )


def password_reset_code_request(*, phone: str) -> None:
    """Texts a code to `phone` if an account may be recovered with it; does nothing otherwise, and the
    caller answers the same either way."""
    user = recovery_user(phone)
    if user is not None:
        phone_code_request(user=user, purpose=PhoneCodePurpose.PASSWORD_RESET)


def invalid_code_error() -> ValidationError:
    return ValidationError(
        _("This code is wrong or no longer works. Check the last text message, or ask for a new code."),
        code="invalid_code",
    )


def password_reset_with_phone_code(*, phone: str, code: str, password: str) -> User:
    """Sets a new password for the account of `phone` when `code` is right. Changing the password
    changes the session hash, so the account's other sessions end as with Django's own reset."""
    user = recovery_user(phone)
    if user is None or not phone_code_check(user=user, purpose=PhoneCodePurpose.PASSWORD_RESET, phone=phone, code=code):
        raise invalid_code_error()
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        fields = ["password"]
        if user.phone_verified_at is None:
            # The code reached this phone: it is the user's.
            user.phone_verified_at = timezone.now()
            fields.append("phone_verified_at")
        user.save(update_fields=fields)
        outbox.enqueue(notify_password_changed_task, user.pk)
    # Someone locked out by failed sign-ins, who proved they hold the phone, signs in with the new password.
    throttling.reset_account(phone)
    return user


def password_changed_notify(*, user_id: int) -> None:
    """Texts the user that their password was changed with a code: once per code used, so that the task
    run twice (a message delivered twice) sends one text. The code's row stays locked while sending; a
    provider that refuses leaves it untold for the retry."""
    with transaction.atomic():
        used_code = (
            PhoneCode.objects.select_for_update()
            .select_related("user")
            .filter(
                user_id=user_id,
                purpose=PhoneCodePurpose.PASSWORD_RESET,
                used_at__isnull=False,
                change_notified_at__isnull=True,
            )
            .order_by("-used_at")
            .first()
        )
        if used_code is None:
            return
        used_code.change_notified_at = timezone.now()
        used_code.save(update_fields=["change_notified_at"])
        user = used_code.user
        if not user.phone:
            return
        with override(user.language):
            body = _(
                "ReLyfe: your password was just changed with a code sent to this phone. If it was not you, "
                "choose a new one now: %(url)s"
            ) % {"url": settings.SITE_URL.rstrip("/") + reverse("accounts:password_reset")}
        send_sms(to=user.phone, body=body)


def phone_verification_pending(*, user: User) -> bool:
    """Whether a code to confirm the user's phone is on its way or waiting to be typed."""
    return _live_codes(user=user, purpose=PhoneCodePurpose.VERIFICATION).filter(phone=user.phone).exists()


def phone_verification_request(*, user: User) -> PhoneCode:
    return phone_code_request(user=user, purpose=PhoneCodePurpose.VERIFICATION)


def phone_verify(*, user: User, code: str) -> None:
    """Confirms the user's phone number with the code texted to it."""
    if not phone_code_check(user=user, purpose=PhoneCodePurpose.VERIFICATION, phone=user.phone, code=code):
        raise invalid_code_error()
    user.phone_verified_at = timezone.now()
    user.save(update_fields=["phone_verified_at"])
