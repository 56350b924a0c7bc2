"""Writes of the second factor: enrolling an authenticator app, recovery codes, text-message codes for
patients, removing a factor, and the staff reset. Each change writes a SecondFactorEvent and tells the
owner (by e-mail, or by text message when the account has no e-mail)."""

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecondFactorChange, SecondFactorEvent, SmsDevice, User
from accounts.tasks import notify_second_factor_changed as notify_second_factor_changed_task
from accounts.two_factor import policy
from notifications.sms import send_sms
from relyfe import outbox
from relyfe.errors import Refused

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "Authenticator"
RECOVERY_NAME = "Recovery codes"


def _record(*, user: User, actor: User, change: str, address: str | None, reason: str = "") -> SecondFactorEvent:
    event = SecondFactorEvent(user=user, actor=actor, change=change, reason=reason, address=address or None)
    event.full_clean()
    event.save()
    outbox.enqueue(notify_second_factor_changed_task, event.pk)
    return event


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new authenticator secret, not in use until a first code confirms it; one started before and never
    confirmed is dropped."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def totp_device_unconfirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_device_confirm(*, user: User, device: TOTPDevice, code: str, address: str | None) -> list[str]:
    """Puts the authenticator in use when `code` is the current one; returns new recovery codes when the
    account had none (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    token = "".join(code.split())
    if not token.isdigit() or not device.verify_token(token):
        raise ValidationError(_("This code is wrong: type the 6 digits your app shows now."), code="invalid_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _record(user=user, actor=user, change=SecondFactorChange.AUTHENTICATOR_ADDED, address=address)
        if StaticDevice.objects.filter(user=user, confirmed=True).exists():
            return []
        return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_regenerate(*, user: User, address: str | None) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not _has_main_factor(user):
        raise Refused("no_second_factor", _("Add an authenticator app first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        _record(user=user, actor=user, change=SecondFactorChange.RECOVERY_CODES_MADE, address=address)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _has_main_factor(user: User) -> bool:
    """A factor other than recovery codes (which only stand in for a lost one)."""
    return any(not isinstance(device, StaticDevice) for device in devices_for_user(user))


def sms_device_enable(*, user: User, address: str | None) -> SmsDevice:
    """Codes by text message as a second factor: patients with a confirmed phone only."""
    if not user.is_patient:
        raise Refused("sms_not_allowed", _("Text-message codes are not strong enough for professional accounts."))
    if not policy.sms_allowed(user):
        raise Refused("phone_not_confirmed", _("Confirm your phone number first."))
    with transaction.atomic():
        SmsDevice.objects.filter(user=user).delete()
        device = SmsDevice.objects.create(user=user, name="SMS", phone=user.phone, confirmed=True)
        _record(user=user, actor=user, change=SecondFactorChange.SMS_ADDED, address=address)
    return device


def factor_remove(*, user: User, kind: str, address: str | None) -> None:
    """Removes the authenticator ("totp") or the text-message codes ("sms"); the recovery codes go with the
    last of them. The caller checked the password and a code."""
    model, change = {
        "totp": (TOTPDevice, SecondFactorChange.AUTHENTICATOR_REMOVED),
        "sms": (SmsDevice, SecondFactorChange.SMS_REMOVED),
    }[kind]
    with transaction.atomic():
        if not model.objects.filter(user=user).exists():
            return
        model.objects.filter(user=user).delete()
        if not _has_main_factor(user):
            StaticDevice.objects.filter(user=user).delete()
        _record(user=user, actor=user, change=change, address=address)


def second_factor_reset_by_staff(*, actor: User, user: User, reason: str, address: str | None) -> int:
    """Staff remove every second factor of an account (a lost phone and lost recovery codes), with the
    reason: recorded, written in the account's administration history, and the owner is told. A
    professional must enrol again at the next sign-in. Returns how many devices were removed."""
    if not actor.is_staff:
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the second factor is reset.")}, code="required")
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        _record(user=user, actor=actor, change=SecondFactorChange.RESET_BY_STAFF, address=address, reason=reason)
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=_("Second factor reset: %(reason)s") % {"reason": reason},
            single_object=True,
        )
    return len(devices)


def second_factor_change_notify(*, event_id: int) -> None:
    """Tells the owner of the change, once per event (the task may run twice)."""
    with transaction.atomic():
        event = (
            SecondFactorEvent.objects.select_for_update()
            .select_related("user")
            .filter(pk=event_id, notified_at__isnull=True)
            .first()
        )
        if event is None:
            return
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
        user = event.user
        url = settings.SITE_URL.rstrip("/") + reverse("accounts:security")
        with override(user.language):
            what = str(event.get_change_display())
            if event.change == SecondFactorChange.RESET_BY_STAFF:
                body = _(
                    "Hello %(name)s,\n\nThe ReLyfe team removed the second factor of your account at your "
                    "request. At your next sign-in, set up an authenticator app again.\n\nIf you did not ask "
                    "for it, contact us at once.\n\n%(url)s\n\n— ReLyfe"
                ) % {"name": user.first_name, "url": url}
            else:
                body = _(
                    "Hello %(name)s,\n\nThe security of your ReLyfe account changed: %(what)s.\n\nIf it was "
                    "not you, change your password now and check your second factor: %(url)s\n\n— ReLyfe"
                ) % {"name": user.first_name, "what": what, "url": url}
            subject = _("ReLyfe: the second factor of your account changed")
            if user.email:
                send_mail(subject, body, None, [user.email])
            elif user.phone_is_verified:
                send_sms(
                    to=user.phone,
                    body=_("ReLyfe: %(what)s on your account. Not you? %(url)s") % {"what": what, "url": url},
                )
