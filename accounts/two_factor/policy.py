"""Who must sign in with a second factor, and whether a session did."""

from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device

from accounts.models import Role

# Set by a sign-in through an external strong identity provider (Pro Santé Connect): its name.
STRONG_AUTH_SESSION_KEY = "accounts_strong_auth"

ENROLMENT_REQUIRED = _(
    "Your professional account must be protected by two-factor authentication: set it up on the website."
)


def second_factor_required(user) -> bool:
    """Professionals and staff must have one; for patients it is optional (and encouraged)."""
    return bool(user.is_authenticated and user.role in (Role.PROFESSIONAL, Role.STAFF))


def has_second_factor(user) -> bool:
    return bool(user.is_authenticated and user_has_device(user))


def is_strongly_authenticated(request) -> bool:
    """The session passed a second factor, or came from a strong identity provider."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    return bool((verified is not None and verified()) or request.session.get(STRONG_AUTH_SESSION_KEY))


def sms_allowed(user) -> bool:
    """A code by text message is a second factor for patients only, with a confirmed phone."""
    return bool(user.is_patient and user.phone_is_verified)


def sms_device_of(user):
    from accounts.models import SmsDevice

    device = SmsDevice.objects.filter(user=user, confirmed=True).first()
    return device if device is not None and device.usable() else None


def methods_of(user) -> list[str]:
    """The ways this account can pass the second step: "totp", "recovery_code", "sms", and any other kind
    of device by its model's name (a passkey)."""
    methods = []
    for device in devices_for_user(user):
        kind = {"totpdevice": "totp", "staticdevice": "recovery_code", "smsdevice": "sms"}.get(
            device._meta.model_name, device._meta.model_name
        )
        if kind == "sms" and not device.usable():
            continue
        if kind not in methods:
            methods.append(kind)
    return methods


def has_code_factor(user) -> bool:
    """Whether the account has a second factor that gives codes (an authenticator, recovery codes, text messages):
    a sensitive action then asks for one. An account whose only second factor is a passkey passed it to sign in
    to the session it acts from."""
    return any(kind != "passkey" for kind in methods_of(user))
