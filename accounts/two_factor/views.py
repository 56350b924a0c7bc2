"""The second step of signing in, and the Security page: enrolment, recovery codes, removal."""

import base64
from urllib.parse import quote, urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import passkey_services, throttling
from accounts.models import SmsDevice
from accounts.phone_views import too_many_codes_message
from accounts.two_factor import flow, policy, services
from accounts.two_factor.forms import ConfirmAuthenticatorForm, PasswordAndCodeForm, SecondStepForm
from relyfe.abuse import client_address
from relyfe.web import safe_next

BANNER_DISMISSED_KEY = "accounts_second_factor_banner_dismissed"
ISSUER = "ReLyfe"


def _language_cookie(response, user):
    from accounts.views import set_language_cookie

    return set_language_cookie(response, user.language)


@never_cache
@require_http_methods(["GET", "POST"])
def second_step(request):
    """After the right password (or for a session signed in before its account had to pass a second factor):
    a code of the authenticator app, a recovery code, or for patients a code sent by text message."""
    user, expired = flow.pending(request)
    signed_in = request.user.is_authenticated
    if user is None and signed_in and not policy.is_strongly_authenticated(request):
        user = request.user
    if user is None or not policy.has_second_factor(user):
        if expired:
            messages.warning(request, _("Signing in took too long: log in again."))
        return redirect(reverse("accounts:login") if not signed_in else "home")
    sms_device = policy.sms_device_of(user)
    form = SecondStepForm(request.POST if "code" in request.POST else None, user=user)
    if request.method == "POST" and "send_sms" in request.POST and sms_device is not None:
        if throttling.phone_code_allowed(user.phone, client_address(request)):
            sms_device.generate_challenge()
            messages.info(request, _("We sent a code by text message to your phone."))
        else:
            messages.error(request, too_many_codes_message())
        return redirect("accounts:second_step")
    if request.method == "POST" and form.is_valid():
        next_url = flow.pending_next(request) or safe_next(request, "")
        flow.complete(request, user, form.device)
        if isinstance(form.device, StaticDevice):
            left = services.recovery_codes_left(user)
            messages.warning(
                request,
                _("You used a recovery code: %(left)d left. Make new ones on your Security page.") % {"left": left},
            )
        return _language_cookie(redirect(next_url or "home"), user)
    return render(
        request,
        "accounts/two_factor/second_step.html",
        {
            "form": form,
            "sms_device": sms_device,
            "pending_user": user,
            "methods": policy.methods_of(user),
            "next": safe_next(request, ""),
        },
    )


def _security_context(request) -> dict:
    user = request.user
    has_factor = policy.has_second_factor(user)
    return {
        "required": policy.second_factor_required(user),
        "has_factor": has_factor,
        "authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        "sms_device": SmsDevice.objects.filter(user=user, confirmed=True).first(),
        "sms_allowed": policy.sms_allowed(user),
        "recovery_codes_left": services.recovery_codes_left(user) if has_factor else 0,
        "methods": policy.methods_of(user),
        "passkeys": passkey_services.passkeys_of(user),
        "next": safe_next(request, ""),
    }


@login_required
@never_cache
@require_http_methods(["GET"])
def security(request):
    return render(request, "accounts/two_factor/security.html", _security_context(request))


def _otpauth_uri(user, device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"{ISSUER}:{user.email or user.phone or user.full_name}")
    query = urlencode({"secret": secret, "issuer": ISSUER, "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{label}?{query}"


def _grouped(secret: str) -> str:
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def authenticator_enrol(request):
    """The QR code and the secret of a new authenticator; the first code typed puts it in use."""
    user = request.user
    if policy.has_second_factor(user) and not policy.is_strongly_authenticated(request):
        return redirect("accounts:second_step")
    device = services.totp_device_unconfirmed(user=user)
    form = ConfirmAuthenticatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                user=user, device=device, code=form.cleaned_data["code"], address=client_address(request)
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            flow.complete(request, user, device)
            messages.success(request, _("Your authenticator app is set up: it will ask for a code at each sign-in."))
            if codes:
                return _show_recovery_codes(request, codes)
            return redirect(safe_next(request, reverse("accounts:security")))
    if device is None or request.method == "GET":
        device = services.totp_device_start(user=user)
    uri = _otpauth_uri(user, device)
    return render(
        request,
        "accounts/two_factor/authenticator.html",
        {
            "form": form,
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=5, border=2, title=_("QR code to scan")),
            "secret": _grouped(base64.b32encode(device.bin_key).decode().rstrip("=")),
            "required": policy.second_factor_required(user) and not policy.has_second_factor(user),
            "next": safe_next(request, ""),
        },
    )


def _show_recovery_codes(request, codes: list[str]):
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {"codes": [f"{code[:4]}-{code[4:]}" for code in codes], "next": safe_next(request, "")},
    )


@login_required
@never_cache
@require_http_methods(["POST"])
def recovery_codes_regenerate(request):
    if not policy.is_strongly_authenticated(request):
        return redirect("accounts:second_step")
    codes = services.recovery_codes_regenerate(user=request.user, address=client_address(request))
    return _show_recovery_codes(request, codes)


@login_required
@require_http_methods(["POST"])
def sms_enable(request):
    if not policy.is_strongly_authenticated(request) and policy.has_second_factor(request.user):
        return redirect("accounts:second_step")
    services.sms_device_enable(user=request.user, address=client_address(request))
    messages.success(request, _("Codes by text message are on: you can use them to sign in."))
    return redirect("accounts:security")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def factor_remove(request, kind):
    """Removing a factor asks for the password and a code, as every sensitive change does."""
    model = {"authenticator": TOTPDevice, "sms": SmsDevice}.get(kind)
    if model is None:
        raise Http404
    if not model.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:security")
    form = PasswordAndCodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.factor_remove(
            user=request.user, kind="totp" if kind == "authenticator" else "sms", address=client_address(request)
        )
        messages.success(request, _("The second factor is removed."))
        return redirect("accounts:security")
    return render(request, "accounts/two_factor/remove.html", {"form": form, "kind": kind})


@login_required
@require_http_methods(["POST"])
def banner_dismiss(request):
    request.session[BANNER_DISMISSED_KEY] = True
    return redirect(safe_next(request, reverse("home")))


def banner_shown(request) -> bool:
    """The home page of a patient without a second factor suggests one, until dismissed in this session."""
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_patient
        and not request.session.get(BANNER_DISMISSED_KEY)
        and not policy.has_second_factor(user)
    )
