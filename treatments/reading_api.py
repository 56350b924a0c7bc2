"""The REST side of reading prescriptions, for the mobile apps: start, follow, confirm."""

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from health_records.selectors import health_record_for_action
from treatments import readings, selectors
from treatments.models import Moment, PrescriptionReading, PrescriptionZone
from treatments.reading_views import _reading_for
from treatments.serializers import SafetyConfirmationSerializer


class SameEprescriptionSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField(
        help_text="True: a treatment was made from this copy (confirming again is refused with 400 "
        '"eprescription_confirmed"). False: another upload\'s reading, not confirmed.'
    )
    date = serializers.DateTimeField(
        allow_null=True, help_text="When the copy was recorded; null when the viewer may not see it."
    )
    treatment = serializers.UUIDField(
        source="treatment.public_id", allow_null=True, help_text="Given only when the viewer may see it."
    )
    record = serializers.UUIDField(
        source="record.public_id", allow_null=True, help_text="Given only when the viewer may see it."
    )


class ReadingSerializer(serializers.ModelSerializer):
    record = serializers.UUIDField(source="record.public_id", read_only=True)
    file = serializers.UUIDField(source="record_file.public_id", read_only=True)
    treatment = serializers.UUIDField(source="treatment.public_id", read_only=True, allow_null=True)
    proposal = serializers.JSONField(source="result", read_only=True)
    eprescription_id = serializers.CharField(
        read_only=True, help_text="The e-prescription's identifier, read from its QR code; empty when it has none."
    )
    same_eprescription = serializers.SerializerMethodField(
        help_text="Other copies of the same e-prescription (the same identifier) in the patient's file."
    )

    class Meta:
        model = PrescriptionReading
        fields = [
            "public_id",
            "record",
            "file",
            "status",
            "progress",
            "engine",
            "error",
            "proposal",
            "eprescription_id",
            "same_eprescription",
            "treatment",
        ]
        read_only_fields = fields

    @extend_schema_field(SameEprescriptionSerializer(many=True))
    def get_same_eprescription(self, reading) -> list[dict]:
        copies = selectors.same_eprescription(user=self.context["request"].user, reading=reading)
        return SameEprescriptionSerializer(
            [
                {
                    "confirmed": copy.confirmed,
                    "date": copy.date if copy.treatment or copy.record else None,
                    "treatment": copy.treatment,
                    "record": copy.record,
                }
                for copy in copies
            ],
            many=True,
        ).data


class ConfirmedMedicationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    dose = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"))
    unit = serializers.CharField(max_length=40, default="comprimé")
    periods = serializers.ListField(child=serializers.ChoiceField(choices=Moment.values), default=list)
    duration_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)
    renewals = serializers.IntegerField(
        min_value=0, max_value=12, default=0, help_text="À renouveler N fois: duration_days is then one dispensing."
    )
    as_needed = serializers.BooleanField(default=False)
    instructions = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    zone = serializers.ChoiceField(
        choices=PrescriptionZone.choices,
        required=False,
        default=PrescriptionZone.NONE,
        help_text='On a two-zone prescription: "ald" (long-term condition) or "other"; "" otherwise.',
    )


class ConfirmSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    prescriber_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    medications = ConfirmedMedicationSerializer(many=True, allow_empty=False, max_length=30)
    safety_confirmation = SafetyConfirmationSerializer(
        required=False,
        help_text="A professional confirms the blocking warnings (allergies) of the medications with a reason; "
        'without it they get 400 "safety_confirmation_required" listing them. The patient is never asked for it.',
    )


class RecordReadingsView(APIView):
    """Starts reading a prescription record's files (again, for a failed one); answers with the readings."""

    @extend_schema(request=None, responses={202: ReadingSerializer(many=True)})
    def post(self, request, record_id):
        record, _access = health_record_for_action(user=request.user, public_id=record_id, action=Action.CREATE)
        started = readings.readings_start(record=record)
        for reading in started:
            if reading.status == PrescriptionReading.Status.FAILED:
                readings.reading_restart(actor=request.user, reading=reading)
        if not started:
            raise serializers.ValidationError(
                {"record": _("Only the PDF, JPEG, PNG or WebP files of a prescription can be read.")}
            )
        return Response(
            ReadingSerializer(started, many=True, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class ReadingView(APIView):
    """The reading's progress, then its proposal."""

    @extend_schema(responses=ReadingSerializer)
    def get(self, request, reading_id):
        reading = _reading_for(request.user, reading_id, Action.VIEW)
        return Response(ReadingSerializer(reading, context={"request": request}).data)


class ReadingConfirmView(APIView):
    """Creates the treatment from the medications as the person corrected them."""

    @extend_schema(
        request=ConfirmSerializer,
        responses={201: ReadingSerializer},
        description='400 "eprescription_confirmed" when the same e-prescription (the identifier of its QR code) '
        "is already a treatment of the patient's from another upload; the body's `treatment` names it when the "
        "caller may see it.",
    )
    def post(self, request, reading_id):
        reading = _reading_for(request.user, reading_id, Action.CREATE)
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        medications = [_as_medication(line) for line in serializer.validated_data["medications"]]
        if not selectors.may_add_treatment(request.user, reading.record.patient, prescription=reading.record):
            raise Http404
        readings.reading_confirm(
            actor=request.user,
            reading=reading,
            title=serializer.validated_data["title"],
            start_date=serializer.validated_data["start_date"],
            prescriber_name=serializer.validated_data["prescriber_name"],
            medications=medications,
            safety_reason=(serializer.validated_data.get("safety_confirmation") or {}).get("reason", ""),
            request=request,
        )
        reading.refresh_from_db()
        return Response(ReadingSerializer(reading, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _as_medication(line: dict) -> dict:
    return {
        "name": line["name"],
        "dose": line["dose"],
        "dose_unit": line["unit"],
        **{moment: moment in line["periods"] for moment in Moment.values},
        "duration_days": line.get("duration_days"),
        "renewals": line["renewals"],
        "as_needed": line["as_needed"],
        "instructions": line["instructions"],
        "zone": line["zone"],
    }
