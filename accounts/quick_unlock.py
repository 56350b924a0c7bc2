"""Quick re-entry: a browser where someone with a passkey signed in remembers them, so that when their
session runs out (SESSION_IDLE_SECONDS without a request) the login page is a lock screen — "Welcome back",
and their passkey unlocks the app — rather than the whole form.

The browser keeps a signed cookie naming the account by its public id only (no e-mail, nothing about
health), for COOKIE_AGE. Any sign-out forgets it (the explicit one, another browser ending this session, a
password change): only a session that ran out leaves the lock screen, so that a phone passed around after a
sign-out shows no name. Removing one's last passkey, "Not you?", a tampered cookie or an account no longer
active forget it too. The unlock itself (accounts.passkey_views.UnlockBeginView and UnlockCompleteView) is
django-otp-webauthn's authentication ceremony limited to the remembered account's passkeys, counted and
locked out like a password sign-in (accounts.throttling).

A signal has no response to set a cookie on: the request says what the response must do, and
accounts.middleware.UserSessionMiddleware does it (`apply`).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.models import Passkey, User

COOKIE_NAME = "relyfe_unlock"
COOKIE_AGE = timedelta(days=30)
SALT = "accounts.quick_unlock"
# On the request: the account the response must remember, or FORGET.
TO_APPLY = "accounts_quick_unlock"
FORGET = "forget"


def _has_a_passkey(user: User) -> bool:
    return Passkey.objects.filter(user=user, confirmed=True).exists()


# --- What the response must do -------------------------------------------------------------------------


def remember(request: HttpRequest, user: User) -> None:
    """After a sign-in or a new passkey: remembers the account if it has a passkey; otherwise forgets whoever
    this browser remembered (someone else may have used it before)."""
    setattr(request, TO_APPLY, user if _has_a_passkey(user) else FORGET)


def forget(request: HttpRequest) -> None:
    setattr(request, TO_APPLY, FORGET)


def apply(request: HttpRequest, response: HttpResponse) -> None:
    to_apply = getattr(request, TO_APPLY, None)
    if to_apply == FORGET:
        if COOKIE_NAME in request.COOKIES:
            response.delete_cookie(COOKIE_NAME, samesite="Lax")
    elif to_apply is not None:
        response.set_signed_cookie(
            COOKIE_NAME,
            str(to_apply.public_id),
            salt=SALT,
            max_age=int(COOKIE_AGE.total_seconds()),
            secure=bool(settings.SESSION_COOKIE_SECURE),
            httponly=True,
            samesite="Lax",
        )


# --- Signals -------------------------------------------------------------------------------------------


def on_user_logged_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if request is not None:
        remember(request, user)


def on_user_logged_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if request is not None:
        forget(request)


# --- Selectors -----------------------------------------------------------------------------------------


def remembered_user(request: HttpRequest) -> User | None:
    """The account this browser remembers for a quick re-entry: signed by us, not older than COOKIE_AGE, still
    active and still with a passkey; None otherwise (then the login page is the usual form)."""
    public_id = request.get_signed_cookie(COOKIE_NAME, default=None, salt=SALT, max_age=int(COOKIE_AGE.total_seconds()))
    if not public_id:
        return None
    user = User.objects.filter(public_id=public_id, is_active=True).first() if _is_uuid(public_id) else None
    if user is None or not _has_a_passkey(user):
        return None
    return user


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
