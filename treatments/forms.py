import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from treatments.models import WEEKDAYS, Allergy, DrugClass, Medication, ReminderSettings, Treatment


class TreatmentForm(forms.ModelForm):
    duration_days = forms.IntegerField(
        label=_("or duration (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Leave the end and the duration empty for a long-term treatment."),
    )

    class Meta:
        model = Treatment
        fields = ["title", "prescriber_name", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned_data = super().clean()
        start, days = cleaned_data.get("start_date"), cleaned_data.get("duration_days")
        if start and days and not cleaned_data.get("end_date"):
            cleaned_data["end_date"] = start + datetime.timedelta(days=days - 1)
        return cleaned_data


class ClockTimesField(forms.CharField):
    """ "08:30, 14:00" -> ["08:30", "14:00"]."""

    def to_python(self, value):
        times = []
        for part in (value or "").replace(";", ",").split(","):
            part = part.strip().lower().replace("h", ":")
            if not part:
                continue
            hours, _separator, minutes = part.partition(":")
            try:
                times.append(datetime.time(int(hours), int(minutes or 0)).strftime("%H:%M"))
            except ValueError as error:
                raise ValidationError(_("Write times as HH:MM, separated by commas."), code="time") from error
        return sorted(set(times))

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class MedicationForm(forms.ModelForm):
    times = ClockTimesField(label=_("or at these times"), required=False, help_text=_("For example 08:30, 14:00."))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Only on these days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every day."),
    )
    duration_days = forms.IntegerField(label=_("or for (days)"), min_value=1, max_value=3650, required=False)

    class Meta:
        model = Medication
        fields = [
            "name",
            "dose",
            "dose_unit",
            "morning",
            "noon",
            "evening",
            "bedtime",
            "times",
            "weekdays",
            "start_date",
            "end_date",
            "as_needed",
            "instructions",
            "renewals",
            "supply_days",
            "pack_size",
            "zone",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"list": "drug-suggestions", "autocomplete": "off"}),
            "dose": forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "inputmode": "decimal"}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, treatment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].required = False
        self.fields["renewals"].required = False
        if treatment is not None and not self.instance.pk:
            self.initial.setdefault("start_date", treatment.start_date)
            self.initial.setdefault("end_date", treatment.end_date)
        self.treatment = treatment

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("start_date"):
            cleaned_data["start_date"] = self.treatment.start_date if self.treatment else datetime.date.today()
        cleaned_data["renewals"] = cleaned_data.get("renewals") or 0
        days = cleaned_data.get("duration_days")
        if days and not cleaned_data.get("end_date"):
            cleaned_data["end_date"] = cleaned_data["start_date"] + datetime.timedelta(days=days - 1)
        return cleaned_data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ["enabled", "morning_at", "noon_at", "evening_at", "bedtime_at", "snooze_minutes", "show_drug_names"]
        widgets = {
            name: forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            for name in ["morning_at", "noon_at", "evening_at", "bedtime_at"]
        }


class IntakeAnswerForm(forms.Form):
    medication = forms.UUIDField()
    local_date = forms.DateField()
    moment = forms.CharField(max_length=10)
    answer = forms.ChoiceField(choices=[("taken", "taken"), ("skipped", "skipped"), ("snoozed", "snoozed")])


class AllergyForm(forms.Form):
    """What the person types is mapped to a substance of the drug lexicon by `allergy_add`; a class of drugs,
    when chosen, wins over it."""

    allergen = forms.CharField(
        label=_("Allergic to"),
        max_length=200,
        required=False,
        help_text=_("A drug or a substance, for example “amoxicilline” or “Augmentin”."),
    )
    drug_class = forms.ChoiceField(
        label=_("or a whole class of drugs"), choices=[("", "—"), *DrugClass.choices], required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Allergy.Kind.choices, initial=Allergy.Kind.ALLERGY)
    reaction = forms.CharField(
        label=_("Reaction"), max_length=300, required=False, help_text=_("For example “rash”, “swollen face”.")
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Allergy.Severity.choices, initial=Allergy.Severity.UNKNOWN
    )
    on_emergency_profile = forms.BooleanField(label=_("Show on my emergency profile"), required=False, initial=True)

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("allergen", "").strip() and not cleaned_data.get("drug_class"):
            raise ValidationError(_("Name a substance or choose a class of drugs."), code="allergen")
        return cleaned_data


class SafetyConfirmationForm(forms.Form):
    """A professional confirms a medication despite a blocking warning, and says why."""

    safety_reason = forms.CharField(
        label=_("Confirm despite the warning: your reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DispensingForm(forms.Form):
    """ "I got it at the pharmacy": the units are the boxes times the pack size unless entered."""

    dispensed_on = forms.DateField(label=_("Dispensed on"), widget=forms.DateInput(attrs={"type": "date"}))
    boxes = forms.IntegerField(label=_("Boxes"), min_value=1, max_value=99, initial=1)
    units = forms.DecimalField(
        label=_("Units (tablets…)"),
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty when the number of units per box is known."),
    )
    is_renewal = forms.BooleanField(label=_("It is a renewal"), required=False)


class RenewalAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("renewed", "renewed"), ("declined", "declined")])
