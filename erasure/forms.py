from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.two_factor import policy


class DeleteAccountForm(forms.Form):
    """The password, and a code of the second factor when the account has one: the service checks both, once
    (a code is good for one use)."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("A code from your authenticator app, or a recovery code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    understood = forms.BooleanField(label=_("I understand that my account and my data will be erased."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not policy.has_code_factor(user):
            del self.fields["code"]


class StaffErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the patient asked (letter, call, e-mail and its date). Not their name nor their address."),
    )
