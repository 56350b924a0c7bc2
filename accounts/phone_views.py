"""Password recovery with a code texted to the phone, and the confirmation of a phone number.

The number someone typed to recover their password waits in their session between the two pages: it
never goes in a URL, and the pages read the same whether an account uses it or not.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import phone_services, throttling
from accounts.models import User
from accounts.phone_forms import PasswordResetCodeForm, PhoneVerificationForm
from accounts.templatetags.phone_tags import unbroken
from relyfe.abuse import client_address
from relyfe.identifiers import format_phone

RESET_PHONE_SESSION_KEY = "password_reset_phone"


def too_many_codes_message() -> str:
    return _("Too many codes were requested for this number or from your connection. Try again in an hour.")


def password_reset_code_start(request, phone: str):
    """After the reset page was given a phone number: text a code if an account may use it, then ask
    for it. Called by the reset view, which already answered a throttled request."""
    phone_services.password_reset_code_request(phone=phone)
    request.session[RESET_PHONE_SESSION_KEY] = phone
    return redirect("accounts:password_reset_phone")


@never_cache
@sensitive_post_parameters("code", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_phone(request):
    phone = request.session.get(RESET_PHONE_SESSION_KEY)
    if phone is None:
        return redirect("accounts:password_reset")
    # An unknown number gets the same form, checked against a user that does not exist.
    user = phone_services.recovery_user(phone) or User(phone=phone)
    form = PasswordResetCodeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_services.password_reset_with_phone_code(
                phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            del request.session[RESET_PHONE_SESSION_KEY]
            return redirect("accounts:password_reset_complete")
    return render(
        request,
        "accounts/password_reset_phone.html",
        {"form": form, "phone": format_phone(phone), "code_minutes": phone_services.code_lifetime_minutes()},
    )


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    user = request.user
    if not user.phone or user.phone_is_verified:
        return redirect("home")
    form = PhoneVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_services.phone_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("Your phone number is confirmed."))
            return redirect("home")
    return render(
        request,
        "accounts/phone_verify.html",
        {"form": form, "code_waiting": phone_services.phone_verification_pending(user=user)},
    )


@login_required
@require_POST
def phone_verify_send(request):
    user = request.user
    if not user.phone or user.phone_is_verified:
        return redirect("home")
    if throttling.phone_code_allowed(user.phone, client_address(request)):
        phone_services.phone_verification_request(user=user)
        messages.success(request, _("A code is on its way to %(phone)s.") % {"phone": unbroken(user.phone_display)})
    else:
        messages.error(request, too_many_codes_message())
    return redirect("accounts:phone_verify")
