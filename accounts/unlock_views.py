"""Quick re-entry (accounts.quick_unlock): the lock screen's passkey ceremony and its "Not you?".

The ceremony is django-otp-webauthn's authentication, with two differences from the login page's passkey
button: the browser is offered the remembered account's passkeys only (and must verify its user: the
fingerprint, face or PIN), and a passkey of any other account is refused. Its state has its own key in the
session, so that the login page's ceremony cannot complete this one nor the reverse. Failures count, and a
locked account waits, as for a wrong password (accounts.throttling).
"""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp_webauthn import exceptions
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import BaseWebAuthnView, CompleteCredentialAuthenticationView

from accounts import quick_unlock, throttling
from accounts.models import Passkey, User
from accounts.passkey_views import ceremony_logger
from accounts.views import locked_message, set_language_cookie
from relyfe.abuse import client_address
from relyfe.web import safe_next

STATE_KEY = "accounts_unlock_state"


class NobodyToUnlock(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "nobody_to_unlock"
    default_detail = gettext_lazy("This device no longer remembers you. Sign in with your password.")


class AnotherPersonsPasskey(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "another_persons_passkey"
    default_detail = gettext_lazy(
        "This passkey belongs to another account. Unlock with your own passkey, or sign in with your password."
    )


class Locked(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_code = "locked"


class UnlockMixin:
    def remembered(self) -> User:
        """The account this browser remembers, when it may try to unlock now."""
        user = quick_unlock.remembered_user(self.request)
        signed_in_as_another = self.request.user.is_authenticated and self.request.user.pk != getattr(user, "pk", None)
        if user is None or signed_in_as_another:
            raise NobodyToUnlock()
        if wait := throttling.user_wait_seconds(user):
            raise Locked(detail=locked_message(wait))
        return user

    def get_helper(self):
        return Passkey.get_webauthn_helper(request=self.request)


@method_decorator(never_cache, name="dispatch")
class UnlockBeginView(UnlockMixin, BaseWebAuthnView):
    """The challenge, for the remembered account's passkeys only, asking the authenticator to verify its user."""

    def post(self, *args, **kwargs):
        user = self.remembered()
        options, state = self.get_helper().authenticate_begin(user=user, require_user_verification=True)
        self.request.session[STATE_KEY] = {**state, "user": str(user.public_id)}
        return JsonResponse(options)


@method_decorator(never_cache, name="dispatch")
class UnlockCompleteView(UnlockMixin, CompleteCredentialAuthenticationView):
    """Checks the signature with the remembered account's passkey, signs that account in (`auth.login`, so
    `user_logged_in` starts the session's row as any sign-in does) and verifies the session (django_otp)."""

    def check_can_authenticate(self):
        """`remembered` decides who may try (the package's check is about the login page's passkey button)."""

    def get_state(self):
        # Taken out of the session before anything else, saved at once: a state is never used twice.
        state = self.request.session.pop(STATE_KEY, None)
        self.request.session.save()
        if not state:
            raise exceptions.InvalidState()
        return state

    def get_redirect_url(self):
        return safe_next(self.request, "")

    def get_success_data(self, device):
        return {"id": str(device.public_id), "redirect_url": self.get_success_url()}

    def post(self, *args, **kwargs):
        user = self.remembered()
        state = self.get_state()
        if state.get("user") != str(user.public_id):
            raise exceptions.InvalidState()
        try:
            with rewrite_exceptions(logger=ceremony_logger()):
                device = self.get_helper().authenticate_complete(user=user, state=state, data=self.request.data)
        except exceptions.CredentialUserMismatch:
            throttling.record_user_failure(user, client_address(self.request))
            raise AnotherPersonsPasskey() from None
        except exceptions.OTPWebAuthnApiError:
            throttling.record_user_failure(user, client_address(self.request))
            raise
        self.check_device_usable(device)
        self.complete_auth(device)
        return set_language_cookie(JsonResponse(self.get_success_data(device)), user.language)


@require_POST
def unlock_forget(request):
    """The lock screen's "Not you? Sign in with your password": this browser forgets the remembered account,
    and the login page shows its form."""
    quick_unlock.forget(request)
    login = reverse("accounts:login")
    target = safe_next(request, "")
    return redirect(f"{login}?{urlencode({'next': target})}" if target else login)
