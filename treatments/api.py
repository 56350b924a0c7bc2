"""The treatments API: the operations of the treatment pages, as JSON. Reads go through the selectors and
writes through the services, which ask the access policy: what the user may not see is a 404."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from health_records.selectors import health_record_for_action, patient_get_for_user
from treatments import lexicon, selectors, services
from treatments.models import (
    EFFECTIVE_STATUS_CHOICES,
    Intake,
    Medication,
    ReminderSettings,
    Treatment,
    TreatmentStatus,
    over_on,
)

DRUG_SEARCH_LIMIT = 10
CLOCK_TIME = re.compile(r"(\d{1,2})(?:[:h](\d{2})?)?")
MAX_DURATION_DAYS = 3650


def _as_api_error(error: DjangoValidationError):
    return serializers.ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


def _end_from_duration(attrs: dict, start: datetime.date | None) -> dict:
    """`duration_days` is another way to write the end date (the last day included), as in the forms."""
    days = attrs.pop("duration_days", None)
    if days and not attrs.get("end_date") and start is not None:
        attrs["end_date"] = start + datetime.timedelta(days=days - 1)
    return attrs


# Medications -------------------------------------------------------------------------------------------------------


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

    class Meta:
        model = Medication
        fields = [
            "public_id",
            "treatment",
            *services.MEDICATION_FIELDS,
            "duration_days",
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
            "medications",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "status", "created_at", "updated_at"]


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
    date = serializers.DateField(required=False)


class PlanItemSerializer(serializers.Serializer):
    medication = MedicationBriefSerializer()
    status = serializers.ChoiceField(choices=Intake.Status.choices)


class PlanGroupSerializer(serializers.Serializer):
    moment = serializers.CharField(help_text='A moment of the day, or "HH:MM" for a medication taken at a time.')
    label = serializers.CharField()
    due_at = serializers.DateTimeField()
    items = PlanItemSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day, where the patient is.")
    groups = PlanGroupSerializer(many=True)


class DoseAnswerSerializer(serializers.Serializer):
    medication = serializers.UUIDField()
    local_date = serializers.DateField()
    moment = serializers.CharField(max_length=10)
    answer = serializers.ChoiceField(
        choices=[(status, status) for status in (Intake.Status.TAKEN, Intake.Status.SKIPPED, Intake.Status.SNOOZED)]
    )


class IntakeSerializer(serializers.ModelSerializer):
    medication = serializers.UUIDField(source="medication.public_id", read_only=True)

    class Meta:
        model = Intake
        fields = ["public_id", "medication", "local_date", "moment", "due_at", "status", "snoozed_until", "answered_at"]
        read_only_fields = fields


# Reminder settings and the drug reference --------------------------------------------------------------------------


class ReminderSettingsSerializer(serializers.ModelSerializer):
    morning_at = serializers.TimeField(format="%H:%M", required=False)
    noon_at = serializers.TimeField(format="%H:%M", required=False)
    evening_at = serializers.TimeField(format="%H:%M", required=False)
    bedtime_at = serializers.TimeField(format="%H:%M", required=False)
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


# Views -------------------------------------------------------------------------------------------------------------


class PatientTreatmentsView(ListAPIView):
    """The patient's treatments with their medications, current ones (active or paused) first (GET), or a new
    treatment (POST)."""

    serializer_class = TreatmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Treatment.objects.none()
        patient, _access, treatments = selectors.treatments_of_patient(
            user=self.request.user, patient_id=self.kwargs["patient_id"], request=self.request
        )
        return (
            treatments.select_related("patient", "created_by")
            .alias(
                past=Case(
                    When(over_on(selectors.patient_today(patient)), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("past", "-start_date", "-id")
        )

    @extend_schema(request=NewTreatmentSerializer, responses={201: TreatmentSerializer})
    def post(self, request, patient_id):
        patient, _access = patient_get_for_user(user=request.user, public_id=patient_id, action=Action.CREATE)
        serializer = NewTreatmentSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        prescription = None
        if values.get("prescription"):
            prescription, _record_access = health_record_for_action(
                user=request.user, public_id=values["prescription"], action=Action.VIEW
            )
        if not selectors.may_add_treatment(request.user, patient, prescription=prescription):
            raise Http404
        try:
            treatment = services.treatment_create(
                actor=request.user,
                patient=patient,
                title=values["title"],
                start_date=values["start_date"],
                end_date=values.get("end_date"),
                prescription=prescription,
                prescriber_name=values.get("prescriber_name", ""),
                request=request,
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(TreatmentSerializer(treatment, context={"request": request}).data, status=201)


class TreatmentDetailView(APIView):
    """A treatment with its medications and how well it is taken (GET), or its status changed (PATCH):
    pause, resume, stop or finish."""

    @extend_schema(responses=TreatmentDetailSerializer)
    def get(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, request=request)
        adherence = selectors.adherence(treatment=treatment, today=selectors.patient_today(treatment.patient))
        context = {"request": request, "adherence": adherence}
        return Response(TreatmentDetailSerializer(treatment, context=context).data)

    @extend_schema(request=TreatmentStatusSerializer, responses=TreatmentSerializer)
    def patch(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(
            user=request.user, public_id=treatment_id, action=Action.UPDATE
        )
        serializer = TreatmentStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            treatment = services.treatment_set_status(
                actor=request.user, treatment=treatment, status=serializer.validated_data["status"], request=request
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(TreatmentSerializer(treatment, context={"request": request}).data)


class TreatmentMedicationsView(APIView):
    """Adds a medication to a treatment that is not over."""

    @extend_schema(request=MedicationSerializer, responses={201: MedicationSerializer})
    def post(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(
            user=request.user, public_id=treatment_id, action=Action.CREATE
        )
        serializer = MedicationSerializer(data=request.data, context={"request": request, "treatment": treatment})
        serializer.is_valid(raise_exception=True)
        try:
            medication = services.medication_add(
                actor=request.user, treatment=treatment, values=dict(serializer.validated_data), request=request
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(MedicationSerializer(medication, context={"request": request}).data, status=201)


class MedicationDetailView(APIView):
    """Changes a medication; the change applies from the next dose."""

    @extend_schema(request=MedicationSerializer, responses=MedicationSerializer)
    def patch(self, request, medication_id):
        medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
        serializer = MedicationSerializer(medication, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            medication = services.medication_update(
                actor=request.user, medication=medication, values=dict(serializer.validated_data), request=request
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(MedicationSerializer(medication, context={"request": request}).data)


class MedicationStopView(APIView):
    """Stops a medication from now on (stopping it again changes nothing)."""

    @extend_schema(request=None, responses=MedicationSerializer)
    def post(self, request, medication_id):
        medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
        medication = services.medication_stop(actor=request.user, medication=medication, request=request)
        return Response(MedicationSerializer(medication, context={"request": request}).data)


class PatientPlanView(APIView):
    """The doses of a day grouped by moment in time order, with the patient's answers."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date", datetime.date, description="YYYY-MM-DD; today where the patient is by default.")
        ],
        responses=PlanSerializer,
    )
    def get(self, request, patient_id):
        patient, _access, treatments = selectors.treatments_of_patient(
            user=request.user, patient_id=patient_id, request=request
        )
        query = PlanQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or selectors.patient_today(patient)
        groups = [
            {
                **group,
                "items": [
                    {"medication": item["medication"], "status": item["intake"].status if item["intake"] else "due"}
                    for item in group["items"]
                ],
            }
            for group in selectors.day_plan(patient=patient, day=day, treatments=treatments)
        ]
        return Response(PlanSerializer({"date": day, "groups": groups}, context={"request": request}).data)


class DosesView(APIView):
    """The patient marks a dose taken, skipped or to be reminded later (only the patient themself)."""

    @extend_schema(request=DoseAnswerSerializer, responses=IntakeSerializer)
    def post(self, request):
        serializer = DoseAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        medication = selectors.medication_for_user(
            user=request.user, public_id=values["medication"], action=Action.UPDATE
        )
        slot = selectors.slot_of(medication=medication, day=values["local_date"], moment=values["moment"])
        if slot is None:
            raise Http404
        try:
            intake = services.intake_answer(
                actor=request.user,
                medication=medication,
                local_date=values["local_date"],
                moment=values["moment"],
                due_at=slot.due_at,
                answer=values["answer"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404 from denied
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(IntakeSerializer(intake, context={"request": request}).data)


class ReminderSettingsView(APIView):
    """The signed-in patient's moments of the day, snooze and reminders (patients only)."""

    def _settings(self, request) -> ReminderSettings:
        if not request.user.is_patient:
            raise Http404
        return selectors.reminder_settings_of(patient=request.user)

    @extend_schema(responses=ReminderSettingsSerializer)
    def get(self, request):
        return Response(ReminderSettingsSerializer(self._settings(request)).data)

    @extend_schema(request=ReminderSettingsSerializer, responses=ReminderSettingsSerializer)
    def patch(self, request):
        serializer = ReminderSettingsSerializer(self._settings(request), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            reminder_settings = services.reminder_settings_update(
                actor=request.user, values=dict(serializer.validated_data), request=request
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(ReminderSettingsSerializer(reminder_settings).data)


class DrugsView(APIView):
    """The drug reference: drugs whose name or substance starts with each word of `q`, accents ignored."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Brand or substance, at least a few letters.")],
        responses=DrugSerializer(many=True),
    )
    def get(self, request):
        drugs = lexicon.search(request.query_params.get("q", ""), limit=DRUG_SEARCH_LIMIT)
        return Response(DrugSerializer(drugs, many=True).data)
