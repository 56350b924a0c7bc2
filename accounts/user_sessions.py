"""Browser sessions and known devices: "Your sessions and devices", and the e-mail when a new device signs in.

Every sign-in (the password form, a second step, a passkey, an external identity provider, a sign-up
confirmed: all call django.contrib.auth.login) fires `user_logged_in`, which starts a `UserSession` row and
puts its public id in the session. `accounts.middleware.UserSessionMiddleware` then signs out, at its next
request, a session whose row was ended — by its owner from another browser, or by a password change — and
writes its last use at most once a minute.

A device is recognised by a long-lived random cookie (a browser) or by its name and User-Agent (an app that
asks for an API token); only their SHA-256 digest is kept, per account. A sign-in from a device the account
never used is told to its owner, except the very first one of an account.
"""

import hashlib
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import ApiToken, ApiTokenRevocation, KnownDevice, User, UserSession, UserSessionEnd
from accounts.user_agents import device_label
from notifications.models import Event
from notifications.services import notify
from relyfe.abuse import client_address

# Where the session keeps the public id of its row.
SESSION_KEY = "accounts_session_id"
DEVICE_COOKIE_NAME = "relyfe_device"
# Browsers keep a cookie at most 400 days; each sign-in sets it again for as long.
DEVICE_COOKIE_AGE = timedelta(days=365)
# secrets.token_urlsafe(32): anything else in the cookie is not ours, and a new one is given.
DEVICE_COOKIE_LENGTH = 43
# On the request, the cookie the response must set (a signal has no response to set it on).
DEVICE_COOKIE_TO_SET = "accounts_device_cookie"
# A browser clearing its cookies on each visit makes a new device each time: the least recently seen go.
KNOWN_DEVICES_PER_USER = 50
USER_AGENT_MAX_LENGTH = 300


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _address_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]


# --- Signals ------------------------------------------------------------------------------------------


def on_user_logged_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    user_session_start(request=request, user=user)
    browser_signed_in(request=request, user=user)


def on_user_logged_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    public_id = request.session.get(SESSION_KEY)
    if public_id:
        UserSession.objects.filter(public_id=public_id, user=user).end(reason=UserSessionEnd.SIGNED_OUT)


# --- Services -----------------------------------------------------------------------------------------


def user_session_start(*, request: HttpRequest, user: User) -> UserSession:
    """A row for the session that just signed in; its id goes into the session. Signing in again in the same
    browser ends the row of before (Django keeps the session's data when the same account signs in)."""
    previous = request.session.get(SESSION_KEY)
    address = _address_or_none(client_address(request))
    with transaction.atomic():
        if previous:
            UserSession.objects.filter(public_id=previous).end(reason=UserSessionEnd.SIGNED_IN_AGAIN)
        row = UserSession.objects.create(
            user=user, user_agent=_user_agent(request), created_address=address, last_seen_address=address
        )
    request.session[SESSION_KEY] = str(row.public_id)
    return row


def user_session_seen(*, session: UserSession, address: str) -> None:
    """Writes the session's last use, at most once a LAST_SEEN_INTERVAL. An ended row is left ended."""
    now = timezone.now()
    if now - session.last_seen_at < UserSession.LAST_SEEN_INTERVAL:
        return
    UserSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
        last_seen_at=now, last_seen_address=_address_or_none(address)
    )


def user_session_end(*, actor: User, session: UserSession) -> None:
    """The owner signs one of their browsers out: it is signed out at its next request."""
    if session.user_id != actor.pk:
        raise Http404
    UserSession.objects.filter(pk=session.pk).end(reason=UserSessionEnd.BY_USER)


def sign_out_everywhere_else(*, actor: User, current_session_id: str | None) -> tuple[int, int]:
    """Ends every other browser session of the owner and revokes every API token. Returns both counts."""
    with transaction.atomic():
        sessions = UserSession.objects.filter(user=actor).live().exclude(public_id=current_session_id)
        ended = UserSession.objects.filter(pk__in=list(sessions.values_list("pk", flat=True))).end(
            reason=UserSessionEnd.BY_USER
        )
        revoked = ApiToken.objects.filter(user=actor).revoke(reason=ApiTokenRevocation.BY_USER)
    return ended, revoked


def user_session_keep_after_password_change(*, user: User, current_session_id: str | None) -> None:
    """Saving a new password ended every session row of the account (User.save cannot tell which browser
    made the change); Django keeps the browser that changed it signed in (update_session_auth_hash), so its
    row is opened again. Call it in the transaction of the change, so that no request sees it ended."""
    if current_session_id:
        UserSession.objects.filter(
            user=user, public_id=current_session_id, ended_reason=UserSessionEnd.PASSWORD_CHANGED
        ).update(ended_at=None, ended_reason="")


def browser_signed_in(*, request: HttpRequest, user: User) -> None:
    """Recognises the browser by its cookie, or gives it one; the response sets the cookie again, for
    another DEVICE_COOKIE_AGE (accounts.middleware)."""
    cookie = request.COOKIES.get(DEVICE_COOKIE_NAME, "")
    if len(cookie) != DEVICE_COOKIE_LENGTH:
        cookie = secrets.token_urlsafe(32)
    setattr(request, DEVICE_COOKIE_TO_SET, cookie)
    known_device_seen(
        user=user,
        digest=_digest("browser\0" + cookie),
        user_agent=_user_agent(request),
        address=client_address(request),
    )


def app_signed_in(*, user: User, device_name: str, user_agent: str, address: str) -> None:
    """An app was given an API token: known by its name and User-Agent (it keeps no cookie)."""
    known_device_seen(
        user=user,
        digest=_digest(f"app\0{device_name}\0{user_agent}"),
        device_name=device_name,
        user_agent=user_agent,
        address=address,
    )


def known_device_seen(*, user: User, digest: str, user_agent: str, address: str, device_name: str = "") -> None:
    """Remembers the device; a device new to an account that had others is told to its owner, by the name
    the app gave it, else by its User-Agent."""
    now = timezone.now()
    with transaction.atomic():
        had_devices = KnownDevice.objects.filter(user=user).exists()
        known, created = KnownDevice.objects.get_or_create(user=user, digest=digest)
        if not created:
            KnownDevice.objects.filter(pk=known.pk).update(last_seen_at=now)
            return
        _forget_the_least_recently_seen(user)
        if had_devices:
            _notify_new_device(user=user, device_name=device_name, user_agent=user_agent, address=address, when=now)


def _forget_the_least_recently_seen(user: User) -> None:
    surplus = KnownDevice.objects.filter(user=user).order_by(F("last_seen_at").desc(), "-pk")[KNOWN_DEVICES_PER_USER:]
    KnownDevice.objects.filter(pk__in=list(surplus.values_list("pk", flat=True))).delete()


def _notify_new_device(*, user: User, device_name: str, user_agent: str, address: str, when) -> None:
    with translation.override(user.language), timezone.override(user.time_zone):
        message = _(
            "New sign-in to your account from %(device)s (address %(address)s) on %(time)s. Was it not you? "
            "Change your password and sign that device out in “Your sessions and devices”."
        ) % {
            "device": device_name or device_label(user_agent),
            "address": address or _("unknown"),
            "time": date_format(timezone.localtime(when), "j F Y, H:i"),
        }
    notify(recipient=user, event=Event.NEW_DEVICE, message=message, url=reverse("accounts:sessions"))


# --- Selectors ----------------------------------------------------------------------------------------


def user_sessions_of(user: User):
    """The user's browsers still signed in, the most recently used first."""
    return UserSession.objects.filter(user=user).live().order_by("-last_seen_at", "-pk")


def user_session_get_for_user(*, user: User, public_id) -> UserSession:
    """One of the user's own live sessions; another's, or an ended one, is not found."""
    session = user_sessions_of(user).filter(public_id=public_id).first()
    if session is None:
        raise Http404
    return session


def current_session_id(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def device_cookie_max_age() -> int:
    return int(DEVICE_COOKIE_AGE.total_seconds())


def device_cookie_secure() -> bool:
    return bool(settings.SESSION_COOKIE_SECURE)
