"""The second step of signing in.

After the right password, an account with a second factor is not signed in yet: the session keeps who
passed the first step, and when, for PENDING_SECONDS. The second step checks a code against the account's
devices; wrong codes are counted per account with relyfe.abuse like wrong passwords (a few free, then
growing waits), so that six digits cannot be guessed. Only then is django.contrib.auth.login called (and
`user_logged_in` fired), with the device remembered in the session by django_otp.login.
"""

import time

from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django_otp import devices_for_user
from django_otp import login as otp_login

from accounts.models import User
from relyfe import abuse

PENDING_KEY = "accounts_second_factor_pending"
PENDING_SECONDS = 5 * 60


class Locked(Exception):
    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def lockout() -> abuse.Lockout:
    longest = int(settings.LOGIN_LOCKOUT.total_seconds())
    return abuse.Lockout(
        scope="second-factor:account",
        free=settings.LOGIN_FAILURES_PER_ACCOUNT,
        first_delay_seconds=int(settings.LOGIN_FIRST_DELAY.total_seconds()),
        longest_seconds=longest,
        memory_seconds=max(24 * 60 * 60, longest),
    )


def normalized(code: str) -> str:
    """Codes as people type them: "123 456", "abcd-efgh", capitals."""
    return "".join(code.split()).replace("-", "").lower()


def code_check(user: User, code: str):
    """The device that accepts `code` (authenticator, recovery code — used up —, text message, or any other
    django-otp device), or None; raises Locked while the account must wait after too many wrong codes."""
    key = str(user.pk)
    if wait := abuse.wait_seconds(lockout(), key):
        raise Locked(wait)
    token = normalized(code)
    device = None
    if token:
        with transaction.atomic():
            device = next((d for d in devices_for_user(user, for_verify=True) if d.verify_token(token)), None)
    if device is None:
        if wait := abuse.failure(lockout(), key):
            raise Locked(wait)
        return None
    abuse.clear(lockout(), key)
    return device


def wait_seconds(user: User) -> int:
    return abuse.wait_seconds(lockout(), str(user.pk))


def password_failure(user: User) -> None:
    abuse.failure(lockout(), str(user.pk))


def pending_start(request, user: User, *, backend: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "backend": backend, "next": next_url}


def pending(request) -> tuple[User | None, bool]:
    """The account waiting for its second step in this session, and whether the wait ran out (then it is
    forgotten)."""
    state = request.session.get(PENDING_KEY)
    if not state:
        return None, False
    if time.time() - state["at"] > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None, True
    return User.objects.filter(pk=state["user"], is_active=True).first(), False


def pending_next(request) -> str:
    return (request.session.get(PENDING_KEY) or {}).get("next", "")


def complete(request, user: User, device) -> None:
    """Signs the user in (when the first step was this session's) and marks the session verified."""
    state = request.session.pop(PENDING_KEY, None)
    if not request.user.is_authenticated or request.user.pk != user.pk:
        auth.login(request, user, backend=state["backend"] if state else settings.AUTHENTICATION_BACKENDS[0])
    otp_login(request, device)
