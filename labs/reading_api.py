"""The REST side of reading lab reports, for the mobile apps: a record's readings, one reading, its confirmation."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import DecimalValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from labs import services
from labs.forms import analyte_choices
from labs.models import LabReading, Observation
from labs.reading_selectors import lab_reading_for, lab_readings_of_record
from labs.serializers import ObservationSerializer


class LabReadingSerializer(serializers.ModelSerializer):
    record = serializers.UUIDField(source="record.public_id", read_only=True)
    file = serializers.UUIDField(source="record_file.public_id", read_only=True)
    proposal = serializers.JSONField(
        source="result",
        read_only=True,
        help_text="The values read, for a person to review: engine, laboratory, sampled_on, observations, warnings.",
    )

    class Meta:
        model = LabReading
        fields = ["public_id", "record", "file", "status", "progress", "engine", "error", "proposal", "confirmed_at"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class NumberField(serializers.Field):
    """A decimal as a string, with a comma or a dot ("6,8" or "6.8"); a JSON number is taken too."""

    default_error_messages = {"invalid": gettext_lazy("Enter a number, such as 6,8 or 6.8.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float) or len(str(data)) > 30:
            self.fail("invalid")
        try:
            number = services.parse_number(str(data))
            DecimalValidator(max_digits=14, decimal_places=4)(number)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return number

    def to_representation(self, value):
        return str(value)


class ConfirmedObservationSerializer(serializers.Serializer):
    loinc = serializers.ChoiceField(
        choices=analyte_choices(),
        required=False,
        allow_blank=True,
        default="",
        help_text="The analyte's LOINC code in ReLyfe's table; \"\" for another analyte, named by `label`.",
    )
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    comparator = serializers.ChoiceField(choices=Observation.Comparator.choices, required=False, default="")
    value = NumberField()
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    unit_as_written = serializers.BooleanField(
        default=False, help_text="Keep a unit the analyte is not known to be reported in (refused otherwise)."
    )
    reference_low = NumberField(required=False, allow_null=True, default=None)
    reference_high = NumberField(required=False, allow_null=True, default=None)
    flag = serializers.ChoiceField(
        choices=Observation.Flag.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text='"H", "L" or "" (within range); left out or null, it is derived from the range.',
    )
    source_line = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, data):
        errors = {}
        if not data["loinc"] and not data["label"].strip():
            errors["label"] = [_("Choose the analyte, or write its name.")]
        if data["loinc"] and not data["unit_as_written"] and not services.unit_is_known(data["loinc"], data["unit"]):
            errors["unit"] = [
                _("This analyte is reported in %(units)s.") % {"units": ", ".join(services.known_units(data["loinc"]))}
            ]
        low, high = data["reference_low"], data["reference_high"]
        if low is not None and high is not None and low > high:
            errors["reference_high"] = [_("The high end of the range is below its low end.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class LabConfirmSerializer(serializers.Serializer):
    sampled_on = serializers.DateField()
    laboratory = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    observations = ConfirmedObservationSerializer(many=True, allow_empty=False, max_length=services.MAX_OBSERVATIONS)


class RecordLabReadingsView(APIView):
    """The readings of a lab result record's files, oldest first."""

    @extend_schema(responses=LabReadingSerializer(many=True))
    def get(self, request, record_id):
        readings = lab_readings_of_record(user=request.user, public_id=record_id, request=request)
        return Response(LabReadingSerializer(readings, many=True).data)


class LabReadingView(APIView):
    """A reading's progress, then its proposal."""

    @extend_schema(responses=LabReadingSerializer)
    def get(self, request, reading_id):
        reading, _access = lab_reading_for(
            user=request.user, public_id=reading_id, action=Action.VIEW, request=request, audited=True
        )
        return Response(LabReadingSerializer(reading).data)


class LabReadingConfirmView(APIView):
    """Creates the observations from the values as the person corrected them; a reading is confirmed once."""

    @extend_schema(request=LabConfirmSerializer, responses={201: ObservationSerializer(many=True)})
    def post(self, request, reading_id):
        reading, _access = lab_reading_for(user=request.user, public_id=reading_id, action=Action.CREATE)
        serializer = LabConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.lab_reading_confirm(
            actor=request.user,
            reading=reading,
            sampled_on=data["sampled_on"],
            laboratory=data["laboratory"],
            observations=[_as_observation(each) for each in data["observations"]],
            request=request,
        )
        return Response(ObservationSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


def _as_observation(values: dict) -> dict:
    return {name: value for name, value in values.items() if name != "unit_as_written"}
