import re
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from access.models import Permission, Scope
from accounts.validators import validate_rpps
from health_records.models import HealthRecord, RecordKind
from relyfe.identifiers import parse_phone
from sharing.models import AccessRequest, EmergencyProfile
from sharing.services.caregivers import Rights

SECTION_LABELS = {
    "blood_group": _("Blood group"),
    "allergies": _("Allergies"),
    "conditions": _("Chronic conditions"),
    "treatments": _("Other treatments and notes"),
    "emergency_contacts": _("Emergency contacts"),
    "treating_doctor": _("Treating doctor"),
    "medical_devices": _("Medical devices"),
    "advance_directives": _("Advance directives"),
    "organ_donation": _("Organ donation"),
    "note": _("Note for first responders"),
}


class RecordChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, record):
        return f"{record.title} — {record.clinical_date:%d/%m/%Y}"


class ScopeFieldsMixin:
    """Scope, records and kinds, with the patient's own active records to choose from."""

    def add_scope_fields(self, patient):
        self.fields["scope"] = forms.ChoiceField(
            label=_("What they see"), choices=Scope.choices, initial=Scope.ALL, widget=forms.RadioSelect
        )
        self.fields["records"] = RecordChoiceField(
            label=_("Records"),
            queryset=HealthRecord.objects.filter(patient=patient).active().order_by("-clinical_date"),
            required=False,
        )
        self.fields["kinds"] = forms.MultipleChoiceField(
            label=_("Kinds of records"), choices=RecordKind.choices, required=False, widget=forms.CheckboxSelectMultiple
        )

    def clean_scope_fields(self, cleaned_data):
        scope = cleaned_data.get("scope")
        if scope == Scope.RECORDS and not cleaned_data.get("records"):
            self.add_error("records", ValidationError(_("Choose at least one record."), code="required"))
        if scope == Scope.KINDS and not cleaned_data.get("kinds"):
            self.add_error("kinds", ValidationError(_("Choose at least one kind of record."), code="required"))


class GrantForm(ScopeFieldsMixin, forms.Form):
    professional = forms.UUIDField(widget=forms.HiddenInput)
    permission = forms.ChoiceField(
        label=_("What they may do"), choices=Permission.choices, initial=Permission.READ, widget=forms.RadioSelect
    )
    ends_on = forms.DateField(
        label=_("Until"),
        required=False,
        help_text=_("Leave empty for no end date. You can withdraw the access at any time."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # the only format a date input reads
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_scope_fields(patient)
        self.order_fields(["professional", "scope", "records", "kinds", "permission", "ends_on"])

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and ends_on <= timezone.localdate():
            raise ValidationError(_("The end date must be in the future."), code="past")
        return ends_on

    def clean(self):
        cleaned_data = super().clean()
        self.clean_scope_fields(cleaned_data)
        return cleaned_data

    @staticmethod
    def last_day(ends_at):
        """The day an access lasts through: the inverse of ends_at(), in the patient's time zone."""
        return timezone.localdate(ends_at - timedelta(microseconds=1)) if ends_at else None

    def ends_at(self):
        ends_on = self.cleaned_data.get("ends_on")
        if not ends_on:
            return None
        # Access lasts through the chosen day, in the patient's time zone.
        return timezone.make_aware(datetime.combine(ends_on + timedelta(days=1), time.min))


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=90,
        initial=7,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    max_opens = forms.IntegerField(
        label=_("Maximum number of opens"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    with_passcode = forms.BooleanField(
        label=_("Protect with a 6-digit passcode (you give it separately)"), required=False
    )
    allow_comments = forms.BooleanField(label=_("The recipient may leave a comment"), required=False)
    mask_faces = forms.BooleanField(
        label=_("Blur faces in photos"),
        required=False,
        initial=True,
        help_text=_("The recipient sees your photos with every face blurred; you keep the originals."),
    )
    label = forms.CharField(label=_("For whom (for your own list)"), max_length=120, required=False)
    recipient_email = forms.EmailField(label=_("Send the link by e-mail to"), required=False)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"] = RecordChoiceField(
            label=_("Records to share"),
            queryset=HealthRecord.objects.filter(patient=patient).active().order_by("-clinical_date"),
        )
        self.order_fields(["records"])


class PasscodeForm(forms.Form):
    passcode = forms.CharField(
        label=_("Passcode"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class VisitorForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    profession = forms.CharField(label=_("Your profession"), max_length=120, required=False)


class EmergencyProfileForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        label=_("Show on the emergency page"),
        choices=list(SECTION_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = EmergencyProfile
        fields = [
            "enabled",
            "blood_group",
            "allergies",
            "conditions",
            "treatments",
            "emergency_contacts",
            "treating_doctor",
            "medical_devices",
            "advance_directives",
            "organ_donation",
            "note",
            "show_current_treatments",
            "break_glass_enabled",
        ]
        labels = {"allergies": _("Other allergies (notes)")}
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "allergies",
                "conditions",
                "treatments",
                "emergency_contacts",
                "medical_devices",
                "advance_directives",
                "note",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("sections", self.instance.visible_sections)


REASON_MAX_LENGTH = 500
WEB_ADDRESS = re.compile(r"https?:|www\.|\w\.[a-z]{2,}(/|\b)", re.IGNORECASE)


class AccessRequestForm(forms.Form):
    """Every field is required unless it says "optional"; the RPPS number and the ways to answer are
    required depending on the others, and say so."""

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields.update(
            forms.fields_for_model(
                AccessRequest,
                fields=["name", "rpps", "organisation", "reason", "contact_email", "contact_phone"],
                widgets={"reason": forms.Textarea(attrs={"rows": 3})},
            )
        )
        # Radio buttons with nothing chosen: a visitor must say who they are, not keep a default.
        self.fields["role"] = forms.ChoiceField(
            label=capfirst(AccessRequest._meta.get_field("role").verbose_name),
            choices=AccessRequest.Role.choices,
            widget=forms.RadioSelect,
        )
        self.fields["rpps"].help_text = _("Required for health professionals.")
        # Anyone may write here, and the patient reads it: enough to explain, too short for a pamphlet.
        reason = self.fields["reason"]
        reason.max_length = REASON_MAX_LENGTH
        reason.validators.append(MaxLengthValidator(REASON_MAX_LENGTH))
        reason.widget.attrs["maxlength"] = str(REASON_MAX_LENGTH)
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
        self.order_fields(["name", "role", "rpps", "organisation", "reason", "contact_email", "contact_phone"])
        if member is not None:
            self.initial.setdefault("name", member.full_name)

    def clean_name(self):
        # The name goes into the patient's notification (in the app, by e-mail and push): a web address
        # there would be someone else's link in our message.
        name = " ".join(self.cleaned_data["name"].split())
        if WEB_ADDRESS.search(name):
            raise ValidationError(_("Give your name, without a web address."), code="web_address")
        return name

    def clean_rpps(self):
        rpps = (self.cleaned_data.get("rpps") or "").replace(" ", "")
        if rpps:
            validate_rpps(rpps)
        return rpps

    def clean_contact_phone(self):
        phone = self.cleaned_data.get("contact_phone")
        return parse_phone(phone) if phone else ""

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("role") == AccessRequest.Role.PROFESSIONAL and not cleaned_data.get("rpps"):
            self.add_error("rpps", ValidationError(_("Professionals give their RPPS number."), code="required"))
        has_contact = cleaned_data.get("contact_email") or cleaned_data.get("contact_phone")
        if not has_contact and self.member is None:
            raise ValidationError(_("Give an e-mail or a phone number so that the answer reaches you."), code="contact")
        return cleaned_data


DURATIONS = [
    ("1h", _("1 hour")),
    ("4h", _("4 hours")),
    ("24h", _("24 hours")),
    ("3d", _("3 days")),
    ("7d", _("7 days")),
    ("30d", _("30 days")),
]


class ApproveRequestForm(ScopeFieldsMixin, forms.Form):
    permission = forms.ChoiceField(
        label=_("What they may do"), choices=Permission.choices, initial=Permission.READ, widget=forms.RadioSelect
    )
    duration = forms.ChoiceField(label=_("For how long"), choices=DURATIONS, initial="24h")

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_scope_fields(patient)
        self.order_fields(["scope", "records", "kinds", "permission", "duration"])

    def clean(self):
        cleaned_data = super().clean()
        self.clean_scope_fields(cleaned_data)
        return cleaned_data

    def duration_value(self) -> timedelta:
        value = self.cleaned_data["duration"]
        amount, unit = int(value[:-1]), value[-1]
        return timedelta(hours=amount) if unit == "h" else timedelta(days=amount)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you need immediate access"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScanPhotoForm(forms.Form):
    # A plain file field: decode_qr checks the image itself, with the pixel limit.
    photo = forms.FileField(label=_("Photo of the code"))


class ProposalForm(forms.Form):
    professional = forms.UUIDField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the patient"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    scope = forms.ChoiceField(
        label=_("What they would see"),
        choices=[(Scope.ALL, Scope.ALL.label), (Scope.KINDS, Scope.KINDS.label)],
        initial=Scope.ALL,
        widget=forms.RadioSelect,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of records"), choices=RecordKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    permission = forms.ChoiceField(
        label=_("What they could do"), choices=Permission.choices, initial=Permission.READ, widget=forms.RadioSelect
    )

    def __init__(self, *args, kinds_seen=None, **kwargs):
        """`kinds_seen`: the proposer's own kinds when their grant is limited to them; only those are offered."""
        super().__init__(*args, **kwargs)
        if kinds_seen is not None:
            self.fields["scope"].choices = [(Scope.KINDS, Scope.KINDS.label)]
            self.fields["scope"].initial = Scope.KINDS
            self.fields["kinds"].choices = [(kind, label) for kind, label in RecordKind.choices if kind in kinds_seen]


class SharingSettingsForm(forms.Form):
    team_may_invite = forms.BooleanField(
        label=_("My care team may invite colleagues without asking me"), required=False
    )
    invite_max_permission = forms.ChoiceField(label=_("With at most"), choices=Permission.choices)


class CaregiverRightsForm(forms.Form):
    """The rights of a caregiver, as checkboxes; the delay matters only with the missed-dose alerts."""

    view_treatments = forms.BooleanField(label=_("See my treatments and doses"), required=False, initial=True)
    answer_doses = forms.BooleanField(label=_("Answer my doses (taken, skipped)"), required=False)
    missed_dose_alerts = forms.BooleanField(label=_("Be alerted when I do not answer a dose"), required=False)
    missed_dose_delay_minutes = forms.TypedChoiceField(
        label=_("Alert after"),
        coerce=int,
        initial=60,
        choices=[
            (15, _("15 minutes")),
            (30, _("30 minutes")),
            (60, _("1 hour")),
            (120, _("2 hours")),
            (240, _("4 hours")),
            (720, _("12 hours")),
        ],
    )
    manage_file = forms.BooleanField(
        label=_("Manage my whole file"),
        help_text=_(
            "Everything: they see all your records, add, change and archive them, and act on your treatments as "
            "you would. Only sharing your file stays yours."
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        rights = ("view_treatments", "answer_doses", "missed_dose_alerts", "manage_file")
        if not any(cleaned.get(right) for right in rights):
            raise ValidationError(_("Choose at least one thing your caregiver may do."), code="no_rights")
        return cleaned

    def rights(self) -> Rights:
        return Rights(**{name: self.cleaned_data[name] for name in CaregiverRightsForm.base_fields})


class CaregiverAddForm(CaregiverRightsForm):
    field_order = ["identifier"]
    identifier = forms.CharField(
        label=_("Their e-mail or mobile phone"),
        max_length=254,
        help_text=_("A member with this exact address is asked; anyone else receives an invitation."),
    )
