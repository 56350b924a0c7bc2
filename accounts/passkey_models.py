"""Passkeys and security keys (WebAuthn credentials), stored by django-otp-webauthn through these models
(OTP_WEBAUTHN_CREDENTIAL_MODEL): each is a django-otp device, so that a passkey counts as a second factor
wherever the project asks `django_otp.user_has_device`. Ours rather than the package's own model for the
`public_id` the passkey pages put in their URLs (integer keys never leave the server).

Imported at the end of accounts/models.py: django_otp_webauthn.models looks the user model up when it is
imported, so it can only be imported once `User` exists.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn.models import AbstractWebAuthnAttestation, AbstractWebAuthnCredential

NAME_MAX_LENGTH = 64  # django-otp's Device.name


class Passkey(AbstractWebAuthnCredential):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(AbstractWebAuthnCredential.Meta):
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")


class PasskeyAttestation(AbstractWebAuthnAttestation):
    """What the authenticator said about itself when the passkey was registered, kept as the package keeps it."""

    credential = models.OneToOneField(
        Passkey, on_delete=models.CASCADE, related_name="attestation", verbose_name=_("passkey"), editable=False
    )
