"""Second-factor helpers of the tests: an authenticator set up for a user, and the code it shows now."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator_for(user, *, key: str | None = None) -> TOTPDevice:
    fields = {"key": key} if key else {}
    return TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True, **fields)


def code_of(device: TOTPDevice) -> str:
    """The code the app shows, for a time step the device has not accepted yet (a code works once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    drift = max(0, device.last_t + 1 - totp.t()) if device.last_t >= 0 else 0
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, drift).token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_of(device))
    return f"{(right + 500_000) % 1_000_000:06d}"
