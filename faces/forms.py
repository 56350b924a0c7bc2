import copy

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from faces import confirmation
from faces.engine.base import FaceProblem
from faces.engine.images import read_upload
from faces.models import ConfirmationFactor
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


class EnrolmentPhotos:
    """Two or three photos find a patient better than one (other light, another angle): the first is required,
    the other two optional. Three inputs rather than one that takes several files, because a phone's camera
    takes one photo per input."""

    PHOTO_FIELDS = ("photo", "photo_2", "photo_3")

    def photos(self) -> list[tuple[str, bytes]]:
        """(field name, bytes) of each photo given, in order: the service numbers them so."""
        return [(name, self.cleaned_data[name]) for name in self.PHOTO_FIELDS if self.cleaned_data.get(name)]

    def add_photo_problems(self, problems) -> None:
        """Each refused photo's reason under its own input (`problems`: the service's numbers and problems)."""
        names = [name for name, _image in self.photos()]
        for number, problem in problems:
            self.add_error(names[number - 1], str(problem.message))


class OwnEnrolmentForm(EnrolmentPhotos, forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the text above and I agree that ReLyfe keeps a template of my face to identify me."),
        required=True,
    )
    photo = SelfieField(label=_("A photo of my face"))
    photo_2 = SelfieField(label=_("A second photo (optional)"), required=False)
    photo_3 = SelfieField(label=_("A third photo (optional)"), required=False)


class PatientEnrolmentForm(EnrolmentPhotos, forms.Form):
    consent = forms.BooleanField(
        label=_("I read the consent text to the patient and they agreed, explicitly, to face identification."),
        required=True,
    )
    photo = PhotoField(label=_("Photo of the patient's face"))
    photo_2 = PhotoField(label=_("A second photo, in other light or from a slight angle (optional)"), required=False)
    photo_3 = PhotoField(label=_("A third photo (optional)"), required=False)


class ConfirmationFactorForm(forms.Form):
    """The patient's choice of what a professional asks them for before a face match names them."""

    confirm_with = forms.ChoiceField(
        label=_("How a professional confirms it is me"), widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        offered = confirmation.factors_offered(patient)
        self.fields["confirm_with"].choices = [(factor.value, factor.label) for factor in offered]


class CandidateConfirmationForm(forms.Form):
    """What the professional asks the patient for, or reads on their card, before a match is named."""

    QUESTIONS = {
        ConfirmationFactor.BIRTH_DATE: (
            _("The patient's birth date"),
            forms.DateInput(attrs={"type": "date", "autocomplete": "off"}),
        ),
        ConfirmationFactor.PHONE_DIGITS: (
            _("The last four digits of the patient's mobile phone"),
            forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "maxlength": "4", "autocomplete": "off"}
            ),
        ),
        ConfirmationFactor.HEART_CODE: (
            _("The address the patient's Heart-Code opens (scan it with your phone, then paste it)"),
            forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
        ),
    }

    answer = forms.CharField(max_length=300)

    def __init__(self, *args, factor: ConfirmationFactor, **kwargs):
        super().__init__(*args, **kwargs)
        label, widget = self.QUESTIONS[factor]
        self.fields["answer"].label = label
        self.fields["answer"].widget = copy.deepcopy(widget)


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
