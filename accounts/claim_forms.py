from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import NewSignInForm
from accounts.models import User
from relyfe import abuse


def wrong_codes_lockout() -> abuse.Lockout:
    """Wrong claim codes are counted against the client address only: a code that matches nothing names no
    account. The right code always works: twelve characters from 32 cannot be guessed at this pace, and a
    family behind one address with someone guessing must still claim its account."""
    longest = int(settings.LOGIN_LOCKOUT.total_seconds())
    return abuse.Lockout(
        scope="claim-codes:address",
        free=settings.CLAIM_FAILURES_PER_ADDRESS,
        first_delay_seconds=int(settings.LOGIN_FIRST_DELAY.total_seconds()),
        longest_seconds=longest,
        memory_seconds=max(24 * 60 * 60, longest),
    )


class ClaimForm(NewSignInForm):
    """The patient takes over the account a professional created for them: the code they were given,
    how they will sign in, and their password."""

    code = forms.CharField(
        label=_("Your code"),
        max_length=32,
        help_text=_("The 12 letters and digits on the sheet or in the message, for example ABCD-EFGH-JKLM."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    # The code first: recognising it tells the other fields what the account already has, and a field's
    # help text is read when the field is first cleaned.
    field_order = ["code", "email", "phone", "password1", "password2"]

    error_messages = {
        "invalid_code": _("This code is not valid, or it has expired. Ask the professional for a new one."),
        "locked": _("Too many wrong codes. For your security, try again in %(wait)s."),
    }

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("You will sign in with it, or with your mobile phone: give at least one.")
        self.fields["email"].widget.attrs["autocapitalize"] = "none"
        self.fields["password1"].label = _("Choose a password")
        self.request = request
        # The account being claimed, known once the code is recognised.
        self.instance_user = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        claim = services.account_claim_find(code)
        if claim is None:
            address = abuse.client_address(self.request)
            if wait := abuse.wait_seconds(wrong_codes_lockout(), address):
                raise self.locked_error(wait)
            if wait := abuse.failure(wrong_codes_lockout(), address):
                raise self.locked_error(wait)
            raise ValidationError(self.error_messages["invalid_code"], code="invalid_code")
        self.instance_user = claim.user
        self.hint_recorded_identifiers(claim.user)
        return code

    def hint_recorded_identifiers(self, user: User):
        """The patient may keep the e-mail or phone the professional recorded: the form says which,
        when it is shown again. Help texts are shown as HTML, hence the escaping."""
        if user.email:
            self.fields["email"].help_text = _(
                "Your account already has the address %(email)s: leave this empty to keep it."
            ) % {"email": escape(user.email)}
        if user.phone:
            self.fields["phone"].help_text = _(
                "Your account already has the number %(phone)s: leave this empty to keep it."
            ) % {"phone": escape(user.phone_display)}

    def clean(self):
        cleaned_data = super().clean()
        user = self.instance_user
        if user is not None and not (user.email or user.phone):
            self.check_an_identifier_is_given(cleaned_data)
        candidate = User(
            email=cleaned_data.get("email") or getattr(user, "email", None),
            first_name=getattr(user, "first_name", ""),
            last_name=getattr(user, "last_name", ""),
        )
        self.check_new_password(cleaned_data, candidate=candidate)
        return cleaned_data

    def locked_error(self, wait: int):
        return ValidationError(self.error_messages["locked"], code="locked", params={"wait": abuse.wait_text(wait)})
