from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.phone_services import CODE_DIGITS
from relyfe.identifiers import normalize_email, parse_phone


class IdentifierPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose one field also takes a mobile phone number in any usual form. With an
    e-mail address, Django's e-mail flow goes on unchanged; with a number, `phone` holds it in E.164."""

    email = forms.CharField(
        label=_("E-mail or mobile phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )

    phone = None

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        if "@" in value:
            return normalize_email(value)
        self.phone = parse_phone(value)
        return ""


class CodeField(forms.CharField):
    """The six digits of a texted code; spaces and dashes a phone may add when pasting are ignored."""

    def __init__(self, **kwargs):
        attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"}
        super().__init__(
            label=_("Code received by text message"),
            max_length=20,
            widget=forms.TextInput(attrs=attrs),
            **kwargs,
        )

    def clean(self, value):
        code = "".join(character for character in super().clean(value) if character not in " -")
        if len(code) != CODE_DIGITS or not code.isdigit():
            raise ValidationError(_("Enter the 6 digits of the code."), code="code_format")
        return code


class PasswordResetCodeForm(SetPasswordForm):
    """The code texted to the phone and the new password, checked by Django's password validators."""

    code = CodeField()

    field_order = ["code", "new_password1", "new_password2"]


class PhoneVerificationForm(forms.Form):
    code = CodeField()
