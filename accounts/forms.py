import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import throttling
from accounts.models import PatientProfile, ProfessionalProfile, User
from relyfe.abuse import wait_text
from relyfe.identifiers import normalize_email, parse_phone

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail or mobile phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The identifier or the password is wrong."),
        "locked": _("Too many failed attempts on this account. For your security, try again in %(wait)s."),
    }

    def clean(self):
        identifier = self.cleaned_data.get("username") or ""
        if wait := throttling.wait_seconds(identifier):
            raise self.locked_error(wait)
        try:
            return super().clean()
        except ValidationError as invalid_login:
            if wait := throttling.wait_seconds(identifier):
                raise self.locked_error(wait) from invalid_login
            raise

    def locked_error(self, wait: int):
        return ValidationError(self.error_messages["locked"], code="locked", params={"wait": wait_text(wait)})


class IdentifiersFormMixin:
    """E-mail and mobile phone: at least one, each in canonical form and not used by someone else."""

    def clean_email(self):
        value = self.cleaned_data.get("email")
        if not value:
            return None
        email = normalize_email(value)
        if User.objects.filter(email=email).exclude(pk=getattr(self.instance_user, "pk", None)).exists():
            raise ValidationError(_("An account already uses this e-mail address."), code="duplicate")
        return email

    def clean_phone(self):
        value = self.cleaned_data.get("phone")
        if not value:
            return None
        phone = parse_phone(value, mobile_only=True)
        if User.objects.filter(phone=phone).exclude(pk=getattr(self.instance_user, "pk", None)).exists():
            raise ValidationError(_("An account already uses this phone number."), code="duplicate")
        return phone

    def check_an_identifier_is_given(self, cleaned_data):
        if not cleaned_data.get("email") and not cleaned_data.get("phone") and not self.has_identifier_errors():
            raise ValidationError(
                _("Give an e-mail address or a mobile phone number: you will sign in with it."), code="no_identifier"
            )

    def has_identifier_errors(self):
        return "email" in self.errors or "phone" in self.errors


class NewSignInForm(IdentifiersFormMixin, forms.Form):
    """How someone will sign in: e-mail and/or mobile phone, and a new password typed twice. Signing up
    and taking over an account a professional created both ask for them."""

    instance_user = None

    email = forms.EmailField(
        label=_("E-mail address"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        help_text=_("For example 06 12 34 56 78 or +33 6 12 34 56 78."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def check_new_password(self, cleaned_data, *, candidate: User) -> None:
        """The two passwords agree, and the validators accept them for `candidate` (not saved)."""
        password1, password2 = cleaned_data.get("password1"), cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError(_("The two passwords differ."), code="password_mismatch"))
        elif password1:
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)


class SignUpForm(NewSignInForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="Europe/Paris")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE)

    field_order = ["first_name", "last_name", "email", "phone", "password1", "password2"]

    # Whether an account already uses the e-mail or the phone is not the form's to say: sign-up answers the
    # same either way (accounts.sign_up_services).
    def clean_email(self):
        value = self.cleaned_data.get("email")
        return normalize_email(value) if value else None

    def clean_phone(self):
        value = self.cleaned_data.get("phone")
        return parse_phone(value, mobile_only=True) if value else None

    def clean(self):
        cleaned_data = super().clean()
        self.check_an_identifier_is_given(cleaned_data)
        candidate = User(
            email=cleaned_data.get("email"),
            first_name=cleaned_data.get("first_name", ""),
            last_name=cleaned_data.get("last_name", ""),
        )
        self.check_new_password(cleaned_data, candidate=candidate)
        return cleaned_data

    def account_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "email": data["email"],
            "phone": data["phone"],
            "password": data["password1"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "time_zone": data["time_zone"],
            "language": data["language"],
        }


class PatientSignUpForm(SignUpForm):
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=PatientProfile._meta.get_field("sex").choices, initial="unspecified"
    )


class ProfessionalSignUpForm(SignUpForm):
    profession = forms.ChoiceField(
        label=_("Profession"), choices=ProfessionalProfile._meta.get_field("profession").choices
    )
    specialty = forms.CharField(label=_("Specialty"), max_length=120, required=False)
    rpps = forms.CharField(
        label=_("RPPS number"),
        max_length=11,
        min_length=11,
        required=False,
        help_text=_("The 11 digits of your RPPS number."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{11}"}),
    )
    practice_address = forms.CharField(label=_("Practice address"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    practice_phone = forms.CharField(label=_("Practice phone"), max_length=32, required=False)

    def clean_rpps(self):
        return clean_rpps_value(self.cleaned_data.get("rpps"), instance=None)

    def clean_practice_phone(self):
        value = self.cleaned_data.get("practice_phone")
        return parse_phone(value) if value else ""


def clean_rpps_value(value, *, instance):
    value = (value or "").replace(" ", "")
    if not value:
        return None
    ProfessionalProfile._meta.get_field("rpps").run_validators(value)
    duplicates = ProfessionalProfile.objects.filter(rpps=value).exclude(pk=getattr(instance, "pk", None))
    if duplicates.exists():
        raise ValidationError(_("A professional account already uses this RPPS number."), code="duplicate")
    return value


class AccountForm(IdentifiersFormMixin, forms.ModelForm):
    """The part of the profile every role shares."""

    phone = forms.CharField(
        label=_("Mobile phone"), required=False, max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "time_zone", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance_user = self.instance
        if self.instance.phone and not self.is_bound:
            self.initial["phone"] = self.instance.phone_display

    def clean(self):
        cleaned_data = super().clean()
        self.check_an_identifier_is_given(cleaned_data)
        return cleaned_data


class PatientDetailsForm(forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = ["birth_date", "sex"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ProfessionalDetailsForm(forms.ModelForm):
    class Meta:
        model = ProfessionalProfile
        fields = [
            "profession",
            "specialty",
            "rpps",
            "practice_address",
            "city",
            "practice_phone",
            "listed",
            "specialty_public",
            "city_public",
            "practice_address_public",
            "practice_phone_public",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.practice_phone and not self.is_bound:
            self.initial["practice_phone"] = self.instance.practice_phone_display

    def clean_rpps(self):
        return clean_rpps_value(self.cleaned_data.get("rpps"), instance=self.instance)

    def clean_practice_phone(self):
        value = self.cleaned_data.get("practice_phone")
        return parse_phone(value) if value else ""
