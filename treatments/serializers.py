"""The treatments API's serializers: what the views of `treatments.api` read and write."""

import datetime
import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from treatments import safety_checks, services
from treatments.models import EFFECTIVE_STATUS_CHOICES, Intake, Medication, ReminderSettings, Treatment, TreatmentStatus

CLOCK_TIME = re.compile(r"(\d{1,2})(?:[:h](\d{2})?)?")
MAX_DURATION_DAYS = 3650
# What ClockTimeField reads ("8", "8:30", "08:30", "8h30", "8h"; spaces around ignored), as a JSON Schema pattern.
CLOCK_TIME_PATTERN = r"^\s*([01]?[0-9]|2[0-3])([:hH]([0-5][0-9])?)?\s*$"
# What HourMinuteField reads: "HH:MM" or "HH:MM:SS"; it writes "HH:MM".
HOUR_MINUTE_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5]?[0-9])?$"


def _end_from_duration(attrs: dict, start: datetime.date | None) -> dict:
    """`duration_days` is another way to write the end date (the last day included), as in the forms."""
    days = attrs.pop("duration_days", None)
    if days and not attrs.get("end_date") and start is not None:
        attrs["end_date"] = start + datetime.timedelta(days=days - 1)
    return attrs


# Medications -------------------------------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "pattern": CLOCK_TIME_PATTERN, "example": "08:30", "description": "Written back as HH:MM."}
)
class ClockTimeField(serializers.CharField):
    """A time of day, "HH:MM" ("8:30" and "8h30" are read too), always written back as "HH:MM"."""

    default_error_messages = {"invalid": _("Write times as HH:MM.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        written = CLOCK_TIME.fullmatch(super().to_internal_value(data).strip().lower())
        try:
            return datetime.time(int(written[1]), int(written[2] or 0)).strftime("%H:%M")
        except (TypeError, ValueError) as error:  # no match, or out of range
            raise serializers.ValidationError(self.error_messages["invalid"], code="invalid") from error


@extend_schema_field({"type": "string", "pattern": HOUR_MINUTE_PATTERN, "example": "08:00"})
class HourMinuteField(serializers.TimeField):
    """A time of day read as "HH:MM" (or "HH:MM:SS") and written as "HH:MM"."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class SafetyWarningSerializer(serializers.Serializer):
    """A safety warning about a medication (treatments/safety/), as the patient and their team see it."""

    code = serializers.ChoiceField(
        choices=[
            "allergy",
            "duplicate_substance",
            "max_daily_dose",
            "interaction_contraindicated",
            "interaction_inadvisable",
        ]
    )
    key = serializers.CharField(help_text="Stable identity of the warning, what a confirmation answers.")
    blocking = serializers.BooleanField(help_text="A professional must confirm the medication with a reason.")
    severity = serializers.ChoiceField(choices=["high", "moderate"])
    message = serializers.CharField(help_text="A plain sentence in the request's language.")
    substances = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField(help_text="Where the rule comes from.")
    overridden = serializers.BooleanField(help_text="A professional confirmed the medication despite it.")


class SafetyConfirmationSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the professional goes on despite the warnings.")


class MedicationSerializer(serializers.ModelSerializer):
    """A medication of a treatment and when to take it. Written with the fields of `services.MEDICATION_FIELDS`
    (and `duration_days`, another way to give the end date); substance, CIS code, strength and form are
    completed from the drug reference when the name is one of its drugs."""

    treatment = serializers.UUIDField(source="treatment.public_id", read_only=True)
    times = serializers.ListField(child=ClockTimeField(), required=False, max_length=24)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        help_text="Days of the week (0 = Monday); empty for every day.",
    )
    duration_days = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_DAYS, required=False, write_only=True, help_text="Instead of end_date."
    )
    warnings = serializers.SerializerMethodField(
        help_text="The medication's safety warnings now; empty once it is stopped."
    )
    safety_confirmation = SafetyConfirmationSerializer(
        write_only=True,
        required=False,
        help_text="A professional confirms the blocking warnings (allergies) with a reason; without it they get "
        '400 "safety_confirmation_required" listing them. The patient is never asked for it.',
    )

    class Meta:
        model = Medication
        fields = [
            "public_id",
            "treatment",
            *services.MEDICATION_FIELDS,
            "duration_days",
            "warnings",
            "safety_confirmation",
            "stopped_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "stopped_at", "created_at", "updated_at"]
        extra_kwargs = {
            "dose": {"min_value": Decimal("0.01")},
            "start_date": {"required": False, "help_text": "The treatment's start when left out."},
            "end_date": {"help_text": "The treatment's end when left out."},
        }

    @extend_schema_field(SafetyWarningSerializer(many=True))
    def get_warnings(self, medication) -> list[dict]:
        # A page of many medications gives their warnings in the context, computed in one check.
        shown = self.context.get("safety")
        if shown is None:
            shown = safety_checks.shown_warnings(medication.treatment.patient, [medication])
        return [item.as_dict() for item in shown.get(medication.pk, [])]

    def validate_times(self, times):
        return sorted(set(times))

    def validate_weekdays(self, weekdays):
        return sorted(set(weekdays))

    def validate(self, attrs):
        treatment = self.instance.treatment if self.instance else self.context["treatment"]
        start = attrs.get("start_date") or (self.instance.start_date if self.instance else treatment.start_date)
        return _end_from_duration(attrs, start)


class MedicationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Medication
        fields = ["public_id", "name", "dose", "dose_unit"]
        read_only_fields = fields


# Treatments --------------------------------------------------------------------------------------------------------


class TreatmentSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    status = serializers.ChoiceField(
        source="effective_status",
        choices=EFFECTIVE_STATUS_CHOICES,
        read_only=True,
        help_text="Follows the dates: finished once the end date is past, upcoming before the start date; "
        "otherwise as set (active, paused, stopped or finished).",
    )
    prescriber = serializers.UUIDField(source="prescriber.public_id", read_only=True, allow_null=True)
    prescriber_display = serializers.CharField(read_only=True)
    prescription = serializers.UUIDField(source="prescription.public_id", read_only=True, allow_null=True)
    created_by = serializers.UUIDField(source="created_by.public_id", read_only=True)
    medications = MedicationSerializer(many=True, read_only=True)

    class Meta:
        model = Treatment
        fields = [
            "public_id",
            "patient",
            "title",
            "start_date",
            "end_date",
            "status",
            "prescriber",
            "prescriber_name",
            "prescriber_display",
            "prescription",
            "eprescription_id",
            "medications",
            "created_by",
            "created_at",
            "updated_at",
        ]
        # The e-prescription's identifier is read from its QR code, never typed.
        read_only_fields = ["public_id", "status", "eprescription_id", "created_at", "updated_at"]


class NewTreatmentSerializer(TreatmentSerializer):
    prescription = serializers.UUIDField(
        required=False, allow_null=True, write_only=True, help_text="The public id of the patient's prescription."
    )
    duration_days = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_DAYS, required=False, write_only=True, help_text="Instead of end_date."
    )

    class Meta(TreatmentSerializer.Meta):
        fields = [*TreatmentSerializer.Meta.fields, "duration_days"]

    def validate(self, attrs):
        return _end_from_duration(attrs, attrs.get("start_date"))


class AdherenceSerializer(serializers.Serializer):
    """See `treatments.selectors.adherence` for what "asked" means."""

    rate = serializers.IntegerField(
        allow_null=True, help_text="Percent of the doses asked about that were taken; null when none was asked."
    )
    taken = serializers.IntegerField()
    skipped = serializers.IntegerField()
    not_answered = serializers.IntegerField(help_text="Reminded, no reply: missing data, not a missed dose.")
    asked = serializers.IntegerField(help_text="Doses the patient was asked about: taken + skipped + not_answered.")
    not_tracked = serializers.IntegerField(help_text="Doses due nobody asked about (before ReLyfe, reminders off).")
    due = serializers.IntegerField(help_text="Every dose due so far: asked + not_tracked.")
    not_tracked_because = serializers.ChoiceField(
        choices=["before_tracking", "not_asked", "nothing_due"], allow_null=True, help_text="Null when rate is set."
    )
    tracked_since = serializers.DateTimeField(allow_null=True, help_text="When the first medication was entered.")


class TreatmentDetailSerializer(TreatmentSerializer):
    adherence = serializers.SerializerMethodField()

    class Meta(TreatmentSerializer.Meta):
        fields = [*TreatmentSerializer.Meta.fields, "adherence"]

    @extend_schema_field(AdherenceSerializer)
    def get_adherence(self, treatment):
        return AdherenceSerializer(self.context["adherence"]).data


class TreatmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TreatmentStatus.choices)


# The day's plan and doses ------------------------------------------------------------------------------------------


class PlanQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; today where the patient is by default.")


class PlanItemSerializer(serializers.Serializer):
    medication = MedicationBriefSerializer()
    status = serializers.ChoiceField(choices=Intake.Status.choices)
    answered_by = serializers.CharField(
        allow_null=True, help_text="Who answered, when it was not the patient (a caregiver); null otherwise."
    )


class PlanGroupSerializer(serializers.Serializer):
    moment = serializers.CharField(help_text='A moment of the day, or "HH:MM" for a medication taken at a time.')
    label = serializers.CharField()
    due_at = serializers.DateTimeField()
    items = PlanItemSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day, where the patient is.")
    can_answer = serializers.BooleanField(help_text="Whether the caller may answer these doses (POST /doses/).")
    groups = PlanGroupSerializer(many=True)


class DoseAnswerSerializer(serializers.Serializer):
    medication = serializers.UUIDField()
    local_date = serializers.DateField()
    moment = serializers.CharField(max_length=10)
    answer = serializers.ChoiceField(
        choices=[(status, status) for status in (Intake.Status.TAKEN, Intake.Status.SKIPPED, Intake.Status.SNOOZED)]
    )


class CaredForPatientSerializer(serializers.Serializer):
    """A patient the caller helps as a caregiver, and what the patient lets them do."""

    patient = serializers.UUIDField(source="patient.public_id")
    name = serializers.CharField(source="patient.full_name")
    can_view = serializers.BooleanField(help_text="Sees the treatments and the doses (GET /patients/<id>/plan/).")
    can_answer = serializers.BooleanField(help_text="Answers the doses (POST /doses/).")
    missed_dose_alerts = serializers.BooleanField(source="caregiver.missed_dose_alerts")
    missed_dose_delay_minutes = serializers.IntegerField(source="caregiver.missed_dose_delay_minutes")


class IntakeSerializer(serializers.ModelSerializer):
    medication = serializers.UUIDField(source="medication.public_id", read_only=True)

    class Meta:
        model = Intake
        fields = ["public_id", "medication", "local_date", "moment", "due_at", "status", "snoozed_until", "answered_at"]
        read_only_fields = fields


# Reminder settings and the drug reference --------------------------------------------------------------------------


class ReminderSettingsSerializer(serializers.ModelSerializer):
    morning_at = HourMinuteField(required=False)
    noon_at = HourMinuteField(required=False)
    evening_at = HourMinuteField(required=False)
    bedtime_at = HourMinuteField(required=False)
    # The bounds of the model's check constraint, so that a wrong value is an error on its field.
    snooze_minutes = serializers.IntegerField(min_value=5, max_value=240, required=False)

    class Meta:
        model = ReminderSettings
        fields = ["enabled", "morning_at", "noon_at", "evening_at", "bedtime_at", "snooze_minutes", "show_drug_names"]


class DrugSerializer(serializers.Serializer):
    cis = serializers.CharField(help_text="The speciality's code in the BDPM.")
    name = serializers.CharField()
    brand = serializers.CharField()
    strength = serializers.CharField()
    form = serializers.CharField()
    substances = serializers.CharField(help_text='Joined with " + ".')
