"""Professionals and staff reach nothing until their session passed the second factor: without a device they
are sent to set one up, with one to the second step. Only the pages that get them there stay open (and
signing out, the language switch, health checks). The admin is covered too, and its own login page (which
would sign staff in on a password alone) sends to the site's."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.two_factor import policy

ALWAYS_OPEN = frozenset(
    {
        "accounts:logout",
        "accounts:second_step",
        "set_language",
        "healthz",
        "service_worker",
        "api:token",
        "api:token-second-factor",
        # A passkey passes the second step too (its ceremony signs in and verifies the session).
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }
)
# A professional without a second factor may set up an authenticator app or register a passkey.
OPEN_FOR_ENROLMENT = frozenset(
    {
        "accounts:security",
        "accounts:authenticator_enrol",
        "accounts:passkeys",
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
    }
)


def _with_next(url: str, request) -> str:
    return f"{url}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else url


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if view_name == "admin:login":
            next_url = request.GET.get("next") or reverse("admin:index")
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
        user = request.user
        if not policy.second_factor_required(user) or policy.is_strongly_authenticated(request):
            return None
        if view_name in ALWAYS_OPEN:
            return None
        has_factor = policy.has_second_factor(user)
        if not has_factor and view_name in OPEN_FOR_ENROLMENT:
            return None
        if request.path.startswith("/api/"):
            code = "second_factor_required" if has_factor else "second_factor_enrolment_required"
            detail = _("Sign in with your second factor first.") if has_factor else policy.ENROLMENT_REQUIRED
            return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=403)
        if has_factor:
            return redirect(_with_next(reverse("accounts:second_step"), request))
        return redirect(_with_next(reverse("accounts:security"), request))
