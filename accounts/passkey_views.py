"""The passkeys page (list, add, rename, remove), and the two ends of django-otp-webauthn's ceremonies that
are ours: keeping a new passkey (named, its owner told) and finishing a sign-in (the interface in the
user's language). The other ends (the challenges) are the package's own views; see accounts/passkey_urls.py.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp_webauthn.settings import app_settings
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import CompleteCredentialAuthenticationView, CompleteCredentialRegistrationView

from accounts import passkey_services, quick_unlock
from accounts.passkey_models import NAME_MAX_LENGTH
from accounts.two_factor import flow
from accounts.views import set_language_cookie


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)


class PasskeyRemoveForm(forms.Form):
    """Removing a way into the account asks for the password: a session left open is not enough."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


@login_required
def passkeys(request):
    return render(request, "accounts/passkeys/passkeys.html", {"passkeys": passkey_services.passkeys_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def passkey_rename(request, passkey_id):
    passkey = passkey_services.passkey_get_for_user(user=request.user, public_id=passkey_id)
    form = PasskeyNameForm(request.POST or None, initial={"name": passkey.name})
    if request.method == "POST" and form.is_valid():
        passkey_services.passkey_rename(actor=request.user, passkey=passkey, name=form.cleaned_data["name"])
        messages.success(request, _("The passkey is renamed “%(name)s”.") % {"name": passkey.name})
        return redirect("accounts:passkeys")
    return render(request, "accounts/passkeys/rename.html", {"passkey": passkey, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def passkey_remove(request, passkey_id):
    passkey = passkey_services.passkey_get_for_user(user=request.user, public_id=passkey_id)
    form = PasskeyRemoveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        passkey_services.passkey_remove(actor=request.user, passkey=passkey)
        # Without a passkey left, this browser no longer offers the lock screen.
        quick_unlock.remember(request, request.user)
        removed = _("The passkey “%(name)s” is removed: it no longer signs in.") % {"name": passkey.name}
        messages.success(request, removed)
        return redirect("accounts:passkeys")
    return render(request, "accounts/passkeys/remove.html", {"passkey": passkey, "form": form})


def ceremony_logger():
    name = app_settings.OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME
    return logging.getLogger(name) if name else None


class PasskeyRegistrationCompleteView(CompleteCredentialRegistrationView):
    """The package's view, keeping the passkey through our service, answering with its public id (integer
    keys never leave the server) and leaving a message for the page that reloads."""

    def post(self, *args, **kwargs):
        user = self.get_user()
        state = self.get_state()
        with rewrite_exceptions(logger=ceremony_logger()):
            passkey = passkey_services.passkey_register(
                actor=user, helper=self.get_helper(), state=state, data=self.request.data
            )
        # As the package does: an account whose first factor is this passkey is verified by registering it
        # (an account with another factor had to prove it before it could register one).
        if not self.request.user.is_verified():
            otp_login(self.request, passkey)
        # From now on, when the session runs out here, the passkey unlocks it (accounts.quick_unlock).
        quick_unlock.remember(self.request, user)
        messages.success(self.request, _("Your passkey “%(name)s” is added.") % {"name": passkey.name})
        return JsonResponse({"id": str(passkey.public_id)})


class PasskeySignInCompleteView(CompleteCredentialAuthenticationView):
    """The package's view (checks the signature, `auth.login`, `django_otp.login`), answering with the
    passkey's public id, and speaking the user's language from the first page after a sign-in."""

    def get_success_data(self, device):
        return {"id": str(device.public_id), "redirect_url": self.get_success_url()}

    def post(self, *args, **kwargs):
        signing_in = not self.request.user.is_authenticated
        response = super().post(*args, **kwargs)
        if self.request.user.is_authenticated:
            # A passkey used on the second step ends the sign-in the password began.
            self.request.session.pop(flow.PENDING_KEY, None)
            if signing_in:
                set_language_cookie(response, self.request.user.language)
        return response
