"""The pages of the OpenID Connect sign-in (accounts/oidc.py): the start, the provider's callback, and the page
of a refused sign-in. All answer 404 while settings.OIDC_ENABLED is off."""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.oidc import PRO_SANTE_CONNECT, STRONG_AUTH_SESSION_KEY, SignInRefused
from accounts.views import set_language_cookie

logger = logging.getLogger(__name__)

REFUSAL_SESSION_KEY = "accounts_oidc_refusal"


def require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404


class SignInStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge kept in the session."""

    def get(self, request):
        require_enabled()
        return super().get(request)


class SignInCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back. Every failure lands on the login page with a message: the
    provider's refusal, a state this session never asked for, a token that fails its checks, a provider that
    does not answer."""

    def get(self, request):
        require_enabled()
        try:
            return super().get(request)
        except SignInRefused as refusal:
            request.session[REFUSAL_SESSION_KEY] = refusal.reason
            return redirect("accounts:oidc_refused")
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as error:
            # The class only: a provider's error body has no place in the logs.
            logger.warning("OpenID Connect sign-in failed: %s", error.__class__.__name__)
            return self.login_failure()

    def login_success(self):
        # django.contrib.auth.login: user_logged_in fires as for any sign-in. The library skips it when this user
        # is already signed in (a step up from a password session): the session is strengthened, so it gets a
        # new key either way.
        response = super().login_success()
        self.request.session.cycle_key()
        self.request.session[STRONG_AUTH_SESSION_KEY] = PRO_SANTE_CONNECT
        self.request.session.pop("oidc_login_next", None)
        return set_language_cookie(response, self.user.language)

    def login_failure(self):
        provider = settings.OIDC_PROVIDER_LABEL
        if self.request.GET.get("error") == "access_denied":
            message = _("The sign-in with %(provider)s was cancelled.") % {"provider": provider}
        else:
            message = _(
                "The sign-in with %(provider)s did not succeed. Try again, or log in with your e-mail or phone."
            ) % {"provider": provider}
        messages.error(self.request, message)
        return redirect(settings.LOGIN_URL)


@never_cache
def sign_in_refused(request):
    require_enabled()
    reason = request.session.get(REFUSAL_SESSION_KEY)
    if reason is None:
        return redirect(settings.LOGIN_URL)
    context = {"reason": reason, "provider": settings.OIDC_PROVIDER_LABEL}
    return render(request, "accounts/oidc_refused.html", context)
