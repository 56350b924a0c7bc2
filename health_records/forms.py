import json
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents import photo_quality
from documents.uploads import UploadRefused, check_upload, refusal_status, upload_deadline
from health_records import selectors
from health_records.models import HealthRecord, RecordKind
from health_records.services import parse_tags, staged_upload_checked

ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


class ChecksPhotos:
    """A form whose photos of paper documents are checked on the phone before sending (too dark, blurred, no
    page: static/js/photo_check.js, included by health_records/_photo_check.html). Photos of the body are not
    pages: they are left alone."""

    photo_checked_kinds = " ".join(
        [
            RecordKind.PRESCRIPTION,
            RecordKind.LAB_RESULT,
            RecordKind.MEDICAL_REPORT,
            RecordKind.VACCINATION,
            RecordKind.HOSPITAL_STAY,
        ]
    )
    photo_problems = photo_quality.PROBLEMS

    @property
    def photo_check_settings(self) -> str:
        return json.dumps(photo_quality.browser_settings())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFilesField(forms.FileField):
    """Several files at once, each checked by its content; cleans to a list of CheckedUpload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        # The files that passed the checks, even when another one did not: a form sent back keeps them.
        self.passed = []

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > settings.UPLOAD_MAX_FILES:
            raise ValidationError(
                _("At most %(count)d files at once.") % {"count": settings.UPLOAD_MAX_FILES}, code="too_many_files"
            )
        checked, errors = [], []
        deadline = upload_deadline()
        for uploaded in files:
            try:
                checked.append(check_upload(uploaded, deadline=deadline))
            except UploadRefused as refusal:
                errors.append(
                    ValidationError(
                        "%(name)s: %(reason)s",
                        code=refusal.code,
                        params={"name": uploaded.name[:80], "reason": " ".join(refusal.messages)},
                    )
                )
        self.passed = checked
        if errors:
            raise ValidationError(errors)
        return checked


def upload_refusal_status(form) -> int:
    """The HTTP status of a form sent back: 413 when a file was too large (or too costly to check), 400 when a
    file was refused as invalid, 200 otherwise (a form error the user just corrects)."""
    if not form.is_bound:
        return 200
    errors = form.errors.as_data()
    file_fields = [name for name, field in form.fields.items() if isinstance(field, CheckedFilesField)]
    refused = [error for name in file_fields for error in errors.get(name, [])]
    return refusal_status(ValidationError(refused)) if refused else 200


def validate_clinical_date(value: date) -> None:
    # A day of margin: the patient's "today" may already be tomorrow in UTC.
    if value > timezone.now().date() + timedelta(days=1):
        raise ValidationError(_("The date cannot be in the future."), code="future")
    if value.year < 1900:
        raise ValidationError(_("Check the year."), code="too_old")


class HealthRecordForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=400,
        help_text=_("Separated by commas, for example: cardiology, knee."),
    )

    class Meta:
        model = HealthRecord
        fields = ["kind", "title", "clinical_date", "description"]
        widgets = {
            "clinical_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinical_date"].validators.append(validate_clinical_date)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean_tags(self):
        return parse_tags(self.cleaned_data.get("tags", ""))


BODY_SITES_LIST_ID = "body-site-suggestions"


class KeptUploadsField(forms.Field):
    """The public ids of files kept from a previous send of the form; the template writes the inputs."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        # One more than the limit is enough to say there are too many.
        return [str(item) for item in (value or [])][: settings.UPLOAD_MAX_FILES + 1]


class KeepsUploads:
    """For a form with CheckedFilesField fields and a KeptUploadsField `kept`: files kept from a previous
    send (StagedUpload objects of `owner`) count with the new ones, and clean to one list, "uploads"."""

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.kept_uploads = []

    @property
    def passed_uploads(self):
        """The new files that passed the checks, whether or not the form is valid."""
        fields = [field for field in self.fields.values() if isinstance(field, CheckedFilesField)]
        return [upload for field in fields for upload in field.passed]

    def clean(self):
        cleaned_data = super().clean()
        self.kept_uploads, missing = selectors.staged_uploads_of(owner=self.owner, public_ids=cleaned_data["kept"])
        if missing:
            self.add_error(None, _("A kept file is no longer available. Please choose it again."))
        if len(self.kept_uploads) + len(self.passed_uploads) > settings.UPLOAD_MAX_FILES:
            raise ValidationError(_("At most %(count)d files at once.") % {"count": settings.UPLOAD_MAX_FILES})
        if not self.errors:
            # Without errors, the files that passed the checks are all the new files.
            kept = [staged_upload_checked(staged) for staged in self.kept_uploads]
            cleaned_data["uploads"] = kept + self.passed_uploads
        return cleaned_data


class NewHealthRecordForm(ChecksPhotos, KeepsUploads, HealthRecordForm):
    body_site = forms.CharField(
        label=_("Body site"),
        required=False,
        max_length=120,
        help_text=_("For a photo: where on the body, to follow it over time (for example: left knee)."),
        widget=forms.TextInput(attrs={"list": BODY_SITES_LIST_ID, "autocomplete": "off"}),
    )
    files = CheckedFilesField(label=_("Files"))
    # A second input that opens the phone's camera; its pictures join the other files.
    camera = CheckedFilesField(
        label=_("Take a photo"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    kept = KeptUploadsField()
    mask_faces = forms.BooleanField(
        label=_("Blur faces for those who do not see the whole file"),
        required=False,
        help_text=_(
            "For photos: a share link or a professional who sees only some of your records gets a copy with "
            "every face blurred. You and those who see the whole file keep the original."
        ),
    )

    def __init__(self, *args, body_sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The sites the patient already used, offered in a <datalist> so that one site keeps one name.
        self.body_sites = list(body_sites)
        self.body_sites_list_id = BODY_SITES_LIST_ID

    def clean_body_site(self):
        return " ".join(self.cleaned_data.get("body_site", "").split())


class AddFilesForm(ChecksPhotos, KeepsUploads, forms.Form):
    # Not required by itself: files kept from the previous send may be all there is.
    files = CheckedFilesField(label=_("Files"))
    kept = KeptUploadsField()

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors and not cleaned_data["uploads"]:
            self.add_error("files", ValidationError(self.fields["files"].error_messages["required"], code="required"))
        return cleaned_data


class TimelineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *RecordKind.choices])
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    archived = forms.BooleanField(label=_("Archived records"), required=False)
