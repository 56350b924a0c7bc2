"""API tokens, one per signed-in device: issued by the sign-in endpoint, checked on every API request,
renewed while used, revoked by their owner, by a password change and by staff.

Built on DRF rather than django-rest-knox: knox deletes a token to revoke it (we keep it, with why and
when, for the list of devices), has no place for the device, browser and addresses without a custom model
of our own anyway, and would be one more dependency for some hundred lines.

A token is 12 hexadecimal characters, which find its row (`prefix`), followed by 43 random URL-safe
characters: 256 bits from `secrets`. Only its SHA-256 digest is stored; a slow password hash is not needed
for a random value of that length, and the digest is compared in constant time.
"""

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import user_sessions
from accounts.models import ApiToken, ApiTokenRevocation, User
from accounts.tasks import notify_api_tokens_revoked as notify_api_tokens_revoked_task
from relyfe import outbox
from relyfe.abuse import client_address

KEYWORD = "Token"
PREFIX_LENGTH = 12
# A used token's expiry moves forward, and its last use is written, at most this often: not a write
# per request.
RENEWAL_INTERVAL = timedelta(hours=1)
DEVICE_NAME_MAX_LENGTH = 100
# Each sign-in makes a row: past this many devices signed in, the least recently used is signed out, so that
# a script signing in in a loop does not fill the table.
LIVE_TOKENS_PER_USER = 50
USER_AGENT_MAX_LENGTH = 300


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _address_or_none(address: str) -> str | None:
    """The client address as the database stores it, or None when it is not an IP address."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


def device_name_from(requested: str, user_agent: str) -> str:
    """The name the app gave its device, else its User-Agent, cut to fit."""
    name = " ".join((requested or user_agent or "").split())
    return name[:DEVICE_NAME_MAX_LENGTH]


# --- Services -----------------------------------------------------------------------------------------


def api_token_issue(*, user: User, device_name: str, user_agent: str, address: str) -> tuple[ApiToken, str]:
    """A new token for one device. Returns the row and the token itself, which is not kept anywhere:
    it goes to the device once."""
    key = secrets.token_hex(PREFIX_LENGTH // 2) + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        prefix=key[:PREFIX_LENGTH],
        digest=_digest(key),
        device_name=device_name[:DEVICE_NAME_MAX_LENGTH],
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
        created_at=now,
        created_address=_address_or_none(address),
        expires_at=now + lifetime(),
    )
    token.full_clean()
    with transaction.atomic():
        token.save()
        _sign_out_the_least_recently_used(user)
        user_sessions.app_signed_in(user=user, device_name=token.device_name, user_agent=user_agent, address=address)
    return token, key


def _sign_out_the_least_recently_used(user: User) -> None:
    live = ApiToken.objects.filter(user=user).live()
    surplus = live.order_by(Coalesce("last_used_at", "created_at").desc(), "-pk")[LIVE_TOKENS_PER_USER:]
    ApiToken.objects.filter(pk__in=list(surplus.values_list("pk", flat=True))).revoke(
        reason=ApiTokenRevocation.TOO_MANY
    )


def api_token_revoke(*, actor: User, token: ApiToken, reason: str = ApiTokenRevocation.BY_USER) -> None:
    """The owner revokes one of their tokens (or signs out with it)."""
    if token.user_id != actor.pk:
        raise Http404
    ApiToken.objects.filter(pk=token.pk).revoke(reason=reason)


def api_tokens_revoke_all(*, actor: User) -> int:
    """The owner signs every device out."""
    return ApiToken.objects.filter(user=actor).revoke(reason=ApiTokenRevocation.BY_USER)


def api_tokens_revoke_by_staff(*, actor: User, user: User) -> int:
    """Staff sign every device of an account out (a lost phone, a stolen token): written in the account's
    administration history, and the owner is told by e-mail."""
    if not actor.is_staff:
        raise PermissionDenied
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user).revoke(reason=ApiTokenRevocation.BY_STAFF, by=actor)
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=_("API tokens revoked: %(count)d.") % {"count": count},
            single_object=True,
        )
        if user.email:
            outbox.enqueue(notify_api_tokens_revoked_task, user.pk)
    return count


def api_tokens_revoked_notify(*, user_id: int) -> None:
    """Tells the owner that staff signed their apps out. Safe to run twice (a second, identical e-mail)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return
    with override(user.language):
        subject = _("Your ReLyfe apps were signed out")
        body = _(
            "Hello %(name)s,\n\nThe ReLyfe team signed out every app and device connected to your account. "
            "Sign in again in the app to go on using it.\n\n"
            "You can see your devices on the page of your sessions: %(url)s\n\n— ReLyfe"
        ) % {"name": user.first_name, "url": settings.SITE_URL.rstrip("/") + reverse("accounts:sessions")}
    send_mail(subject, body, None, [user.email])


# --- Selectors ----------------------------------------------------------------------------------------


def api_tokens_of(user: User):
    """The user's devices still signed in, the most recently signed in first."""
    return ApiToken.objects.filter(user=user).live().order_by("-created_at")


def api_token_get_for_user(*, user: User, public_id) -> ApiToken:
    """One of the user's own live tokens; another's, or a revoked one, is not found."""
    token = api_tokens_of(user).filter(public_id=public_id).first()
    if token is None:
        raise Http404
    return token


# --- Authentication -----------------------------------------------------------------------------------


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`: the device's token, live (not expired, not revoked) and of an
    active account."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self._check(key, client_address(request))

    def _check(self, key: str, address: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(prefix=key[:PREFIX_LENGTH]).first()
        if token is None or not hmac.compare_digest(token.digest, _digest(key)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked: sign in again."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired: sign in again."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.last_used_at is None or now - token.last_used_at >= RENEWAL_INTERVAL:
            token.last_used_at, token.last_used_address = now, _address_or_none(address)
            token.expires_at = now + lifetime()
            # Filtered on not revoked: a revocation at the same moment is not undone.
            ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                last_used_at=token.last_used_at, last_used_address=token.last_used_address, expires_at=token.expires_at
            )
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the API schema (drf-spectacular finds it by the class it describes)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, the token `POST /api/v1/auth/token/` gave this device.",
        }
