from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.two_factor import flow
from relyfe.abuse import wait_text

WRONG_CODE = _("This code is wrong or was already used. Type the code your app shows now, or a recovery code.")
LOCKED = _("Too many wrong codes on this account. For your security, try again in %(wait)s.")


def code_field(label=None, help_text=""):
    return forms.CharField(
        label=label or _("Your code"),
        max_length=64,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}),
    )


class CodeCheckMixin:
    """Checks `code` against the account's devices, with the lockout of wrong codes."""

    user = None
    device = None

    def check_code(self, code: str) -> None:
        try:
            self.device = flow.code_check(self.user, code)
        except flow.Locked as locked:
            raise ValidationError(LOCKED, code="locked", params={"wait": wait_text(locked.wait)}) from None
        if self.device is None:
            raise ValidationError(WRONG_CODE, code="invalid_code")


class SecondStepForm(CodeCheckMixin, forms.Form):
    code = code_field(
        help_text=_("The 6 digits of your authenticator app, a code received by text message, or a recovery code.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.check_code(code)
        return code


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordAndCodeForm(CodeCheckMixin, forms.Form):
    """A sensitive change: the password and a code of the second factor."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = code_field(label=_("Code from your app, or a recovery code"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        if wait := flow.wait_seconds(self.user):
            raise ValidationError(LOCKED, code="locked", params={"wait": wait_text(wait)})
        if "password" in cleaned and not self.user.check_password(cleaned["password"]):
            # Counted with the wrong codes: a left-open session does not let someone guess the password.
            flow.password_failure(self.user)
            raise ValidationError(_("The password is wrong."), code="wrong_password")
        if "code" in cleaned:
            self.check_code(cleaned["code"])
        return cleaned


class StaffResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How you made sure the request comes from the account's owner. Kept, and seen by staff."),
    )
