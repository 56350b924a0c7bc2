"""Passkeys and security keys: registering, naming and removing them, and the user's own list.

The WebAuthn ceremonies themselves (challenges, signature checks, sign counts) are django-otp-webauthn's,
on py_webauthn: a well-kept implementation of the specification rather than one of our own. A passkey is a
django-otp device (accounts.passkey_models.Passkey), so it is a second factor wherever the project asks
`django_otp.user_has_device`; signing in with one calls `auth.login` and `django_otp.login` (the session is
verified). This module adds what is ours: the passkey's name, the owner told of every passkey added or
removed, and the owner-only reads and writes of the passkey pages.
"""

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop
from django_otp_webauthn.helpers import WebAuthnHelper  # type: ignore[import-untyped]

from accounts.models import Passkey, User
from accounts.passkey_models import NAME_MAX_LENGTH
from notifications.models import Event
from notifications.services import notify_translated

# --- The ceremonies' helper (OTP_WEBAUTHN_HELPER_CLASS) --------------------------------------------------


class PasskeyHelper(WebAuthnHelper):
    """django-otp-webauthn's helper, with the account's identifier and name as ReLyfe has them (an account
    may have a phone number and no e-mail), and a first name for each new passkey."""

    def get_credential_name(self, user: User) -> str:
        return user.email or user.phone_display or str(user.public_id)

    def get_credential_display_name(self, user: User) -> str:
        return user.full_name or self.get_credential_name(user)

    def create_credential(self, user, response, parsed_credential, original_data):
        passkey = super().create_credential(user, response, parsed_credential, original_data)
        passkey.name = default_name(user)
        return passkey


def default_name(user: User) -> str:
    """ "Passkey of 3 December 2026", in the owner's language, until they give it a name of their own."""
    with translation.override(user.language):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        return (gettext("Passkey of %(date)s") % {"date": today})[:NAME_MAX_LENGTH]


# --- Services -------------------------------------------------------------------------------------------


def passkey_register(*, actor: User, helper: WebAuthnHelper, state: dict, data: dict) -> Passkey:
    """Checks the authenticator's answer to the registration challenge (`state`, kept in the session) and
    keeps the new passkey; the owner is told, on every channel, in case it was not them."""
    with transaction.atomic():
        passkey = helper.register_complete(user=actor, state=state, data=data)
        _tell_owner(
            passkey.user,
            gettext_noop(
                "A passkey was added to your account: “%(name)s”. If it was not you, remove it and change "
                "your password."
            ),
            passkey.name,
        )
    return passkey


def passkey_rename(*, actor: User, passkey: Passkey, name: str) -> Passkey:
    if passkey.user_id != actor.pk:
        raise Http404
    passkey.name = name.strip()[:NAME_MAX_LENGTH]
    passkey.full_clean(exclude=["user"])
    passkey.save(update_fields=["name"])
    return passkey


def passkey_remove(*, actor: User, passkey: Passkey) -> None:
    """The passkey no longer signs in (its authenticator may keep it: the site no longer knows it)."""
    if passkey.user_id != actor.pk:
        raise Http404
    with transaction.atomic():
        passkey.delete()
        _tell_owner(
            actor,
            gettext_noop(
                "A passkey was removed from your account: “%(name)s”. If it was not you, change your password."
            ),
            passkey.name,
        )


def _tell_owner(user: User, text: str, name: str) -> None:
    notify_translated(
        recipient=user,
        event=Event.ACCOUNT_SECURITY,
        text=text,
        params={"name": name},
        url=reverse("accounts:passkeys"),
    )


# --- Selectors ------------------------------------------------------------------------------------------


def passkeys_of(user: User) -> QuerySet[Passkey]:
    """The user's passkeys, the most recently used first (never used ones last, the newest first)."""
    return Passkey.objects.filter(user=user).order_by(F("last_used_at").desc(nulls_last=True), "-created_at")


def passkey_get_for_user(*, user: User, public_id) -> Passkey:
    """One of the user's own passkeys; another's is not found."""
    passkey = passkeys_of(user).filter(public_id=public_id).first()
    if passkey is None:
        raise Http404
    return passkey
