"""Caregivers through the API: the patient's (list, add, change, end) and the ones the user helps (list,
accept, stop)."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access.models import Caregiver
from sharing import selectors, services
from sharing.services.caregivers import IDENTIFIER_MAX_LENGTH, MAX_DELAY_MINUTES, MIN_DELAY_MINUTES, Rights

RIGHT_FIELDS = ["view_treatments", "answer_doses", "missed_dose_alerts", "manage_file", "missed_dose_delay_minutes"]


def status_of(caregiver: Caregiver) -> str:
    if caregiver.revoked_at is not None:
        return "ended"
    if caregiver.accepted_at is not None:
        return "active"
    if caregiver.caregiver_id is None and caregiver.invitation_expires_at <= timezone.now():
        return "expired"
    return "pending"


class PersonSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class CaregiverSerializer(serializers.ModelSerializer):
    caregiver = PersonSerializer(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Caregiver
        fields = [
            "public_id",
            "caregiver",
            "invited_email",
            "invited_phone",
            *RIGHT_FIELDS,
            "guardian",
            "status",
            "created_at",
            "invitation_expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_status(self, caregiver) -> str:
        return status_of(caregiver)


class CaringForSerializer(serializers.ModelSerializer):
    patient = PersonSerializer(read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Caregiver
        fields = ["public_id", "patient", *RIGHT_FIELDS, "guardian", "status", "accepted_at"]
        read_only_fields = fields

    def get_status(self, caregiver) -> str:
        return status_of(caregiver)


class RightsSerializer(serializers.Serializer):
    view_treatments = serializers.BooleanField(default=True)
    answer_doses = serializers.BooleanField(default=False)
    missed_dose_alerts = serializers.BooleanField(default=False)
    manage_file = serializers.BooleanField(default=False)
    missed_dose_delay_minutes = serializers.IntegerField(
        min_value=MIN_DELAY_MINUTES, max_value=MAX_DELAY_MINUTES, default=60
    )


class NewCaregiverSerializer(RightsSerializer):
    identifier = serializers.CharField(
        max_length=IDENTIFIER_MAX_LENGTH, help_text="The e-mail address or mobile phone of the person asked."
    )


class CaregiversView(APIView):
    """The patient's caregivers, asked, in force and ended (GET), or a new one asked or invited (POST)."""

    @extend_schema(responses=CaregiverSerializer(many=True))
    def get(self, request):
        rows = selectors.caregivers_of(user=request.user)
        return Response(CaregiverSerializer([*rows["pending"], *rows["active"], *rows["past"]], many=True).data)

    @extend_schema(request=NewCaregiverSerializer, responses={201: CaregiverSerializer})
    def post(self, request):
        selectors.caregivers_of(user=request.user)  # a patient's own: 404 for anyone else
        serializer = NewCaregiverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identifier = data.pop("identifier")
        caregiver, _token = services.caregiver_add(
            actor=request.user, patient=request.user, identifier=identifier, rights=Rights(**data), request=request
        )
        return Response(CaregiverSerializer(caregiver).data, status=status.HTTP_201_CREATED)


class CaregiverView(APIView):
    """Change a caregiver's rights (PATCH: the row is replaced, its new id returned) or end it (DELETE)."""

    @extend_schema(request=RightsSerializer, responses=CaregiverSerializer)
    def patch(self, request, caregiver_id):
        caregiver = selectors.caregiver_of_patient(user=request.user, public_id=caregiver_id)
        if caregiver.revoked_at is not None or caregiver.guardian:
            raise Http404
        current = {name: getattr(caregiver, name) for name in RIGHT_FIELDS}
        serializer = RightsSerializer(data={**current, **request.data})
        serializer.is_valid(raise_exception=True)
        caregiver = services.caregiver_rights_change(
            actor=request.user, caregiver=caregiver, rights=Rights(**serializer.validated_data), request=request
        )
        return Response(CaregiverSerializer(caregiver).data)

    @extend_schema(request=None, responses=CaregiverSerializer)
    def delete(self, request, caregiver_id):
        caregiver = selectors.caregiver_of_patient(user=request.user, public_id=caregiver_id)
        caregiver = services.caregiver_revoke(actor=request.user, caregiver=caregiver, request=request)
        return Response(CaregiverSerializer(caregiver).data)


class CaringForView(APIView):
    """The people the user helps, or was asked to help."""

    @extend_schema(responses=CaringForSerializer(many=True))
    def get(self, request):
        return Response(CaringForSerializer(selectors.caring_for(user=request.user), many=True).data)


class CaringForAcceptView(APIView):
    """The member asked accepts to help."""

    @extend_schema(request=None, responses=CaringForSerializer)
    def post(self, request, caregiver_id):
        caregiver = selectors.caregiver_asking(user=request.user, public_id=caregiver_id)
        caregiver = services.caregiver_accept(actor=request.user, caregiver=caregiver, request=request)
        return Response(CaringForSerializer(caregiver).data)


class CaringForStopView(APIView):
    """The member declines being asked, or stops helping."""

    @extend_schema(request=None, responses=CaringForSerializer)
    def post(self, request, caregiver_id):
        caregiver = selectors.caregiver_asking(user=request.user, public_id=caregiver_id)
        caregiver = services.caregiver_stop(actor=request.user, caregiver=caregiver, request=request)
        return Response(CaringForSerializer(caregiver).data)
