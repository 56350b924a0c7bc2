from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from faces.engine.base import FaceProblem
from faces.engine.images import read_upload
from relyfe.identifiers import normalize_email, parse_phone


class PhotoField(forms.FileField):
    """A photo taken with the phone's camera (or chosen), read in memory and never stored."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded:
            return uploaded
        try:
            return read_upload(uploaded)
        except FaceProblem as problem:
            raise forms.ValidationError(str(problem.message), code=problem.code) from problem


class SelfieField(PhotoField):
    widget = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"})


class IdentifyForm(forms.Form):
    photo = PhotoField(label=_("Photo of the patient's face"))


class OwnEnrolmentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the text above and I agree that ReLyfe keeps a template of my face to identify me."),
        required=True,
    )
    photo = SelfieField(label=_("A photo of my face"))


class PatientEnrolmentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I read the consent text to the patient and they agreed, explicitly, to face identification."),
        required=True,
    )
    photo = PhotoField(label=_("Photo of the patient's face"))


class QuickAccountForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    approximate_birth_year = forms.IntegerField(
        label=_("Birth year (approximate)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE)
    email = forms.CharField(
        label=_("E-mail, to send the invitation"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone, to send the code by text message"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("I read the consent text to the patient and they agreed, explicitly, to face identification."),
        required=True,
    )
    photo = PhotoField(label=_("Photo of the patient's face"))

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        return normalize_email(value) if value else None

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return parse_phone(value, mobile_only=True) if value else None


class AccessRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why you need access"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class DemoEnrolForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=200,
        help_text=_("The patient's e-mail, mobile phone or ReLyfe id, among the patients who gave you access."),
    )
    consent = PatientEnrolmentForm.base_fields["consent"]
    photo = PhotoField(label=_("Photo"))


class DemoCompareForm(forms.Form):
    photo = PhotoField(label=_("Photo"))
