"""The lab results API's serializers: what the views of `labs.api` read and write."""

from rest_framework import serializers

from labs.models import Observation


def _decimal(**kwargs) -> serializers.DecimalField:
    # As the report wrote it: "6.1", not the stored "6.1000".
    return serializers.DecimalField(max_digits=14, decimal_places=4, normalize_output=True, read_only=True, **kwargs)


class ObservationQuerySerializer(serializers.Serializer):
    analyte = serializers.CharField(
        required=False, max_length=10, help_text="A LOINC code (4548-4): only that analyte's values."
    )
    since = serializers.DateField(required=False, help_text="YYYY-MM-DD: values sampled on or after that day.")
    until = serializers.DateField(required=False, help_text="YYYY-MM-DD: values sampled on or before that day.")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": "Give a day on or after `since`."}, code="invalid")
        return attrs


class ObservationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    record = serializers.UUIDField(source="record.public_id", read_only=True, help_text="The record it was read from.")
    value = _decimal(help_text="The value as the report gives it, in `unit`.")
    unified_value = _decimal(
        allow_null=True, help_text="The value in the analyte's own unit; null when `unit` does not convert to it."
    )
    reference_low = _decimal(allow_null=True)
    reference_high = _decimal(allow_null=True, help_text="The reference range, in `unit`.")

    class Meta:
        model = Observation
        fields = [
            "id",
            "record",
            "loinc",
            "label",
            "comparator",
            "value",
            "unit",
            "unified_value",
            "reference_low",
            "reference_high",
            "flag",
            "sampled_on",
            "laboratory",
        ]
        read_only_fields = fields


class LatestValueSerializer(serializers.Serializer):
    sampled_on = serializers.DateField()
    comparator = serializers.CharField()
    value = _decimal()
    unit = serializers.CharField()
    unified_value = _decimal(allow_null=True)
    flag = serializers.CharField(help_text='"H" (high), "L" (low) or "" (within range, or no range).')


class AnalyteSummarySerializer(serializers.Serializer):
    loinc = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")
    unit = serializers.CharField(help_text="The analyte's own unit, that of `unified_value`.")
    count = serializers.IntegerField(help_text="How many values the caller sees.")
    latest = LatestValueSerializer(help_text="The most recent value.")
