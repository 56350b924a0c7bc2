"""The API of renewals and stock: a medication's dispensings, asking the prescriber to renew a treatment, and
the prescriber's requests and answers. Reads through `supply_selectors`, writes through `supply_services`."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from treatments import selectors, supply_selectors, supply_services
from treatments.models import Dispensing, RenewalRequest


class DispensingSerializer(serializers.ModelSerializer):
    """A dispensing: `units` are the boxes times the medication's pack size when left out."""

    medication = serializers.UUIDField(source="medication.public_id", read_only=True)

    class Meta:
        model = Dispensing
        fields = ["public_id", "medication", "dispensed_on", "boxes", "units", "is_renewal", "recorded_at"]
        read_only_fields = ["public_id", "medication", "recorded_at"]
        extra_kwargs = {"boxes": {"min_value": 1, "max_value": 99}}


class RenewalRequestSerializer(serializers.ModelSerializer):
    """A renewal request. `message` is the text for a prescriber who is not a member (status "prepared")."""

    treatment = serializers.UUIDField(source="treatment.public_id", read_only=True)

    class Meta:
        model = RenewalRequest
        fields = ["public_id", "treatment", "status", "message", "requested_at", "answered_at"]
        read_only_fields = fields


class ReceivedRenewalRequestSerializer(serializers.ModelSerializer):
    """A request as the prescriber sees it: who asks, and the treatment only when their access covers it."""

    patient = serializers.SerializerMethodField()
    treatment = serializers.SerializerMethodField()

    class Meta:
        model = RenewalRequest
        fields = ["public_id", "patient", "treatment", "status", "requested_at", "answered_at"]
        read_only_fields = fields

    def get_patient(self, renewal_request) -> dict:
        patient = renewal_request.treatment.patient
        return {"public_id": str(patient.public_id), "full_name": patient.full_name}

    def get_treatment(self, renewal_request) -> dict | None:
        if not renewal_request.opens_treatment:
            return None
        treatment = renewal_request.treatment
        return {"public_id": str(treatment.public_id), "title": treatment.title}


class RenewalAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["renewed", "declined"])


class MedicationDispensingsView(APIView):
    """A medication's dispensings, newest first (GET), or one more, as the patient got it at the pharmacy (POST)."""

    @extend_schema(responses=DispensingSerializer(many=True))
    def get(self, request, medication_id):
        _medication, dispensings = supply_selectors.dispensings_of(
            user=request.user, medication_id=medication_id, request=request
        )
        return Response(DispensingSerializer(dispensings, many=True).data)

    @extend_schema(request=DispensingSerializer, responses={201: DispensingSerializer})
    def post(self, request, medication_id):
        medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
        serializer = DispensingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispensing = supply_services.dispensing_record(
            actor=request.user, medication=medication, request=request, **serializer.validated_data
        )
        return Response(DispensingSerializer(dispensing).data, status=201)


class TreatmentRenewalRequestsView(APIView):
    """Asks the prescriber to renew the treatment: sent to a member, or a prepared message for one who is not."""

    @extend_schema(request=None, responses={201: RenewalRequestSerializer})
    def post(self, request, treatment_id):
        treatment = supply_selectors.treatment_for_renewal(user=request.user, public_id=treatment_id)
        renewal_request = supply_services.renewal_request_create(
            actor=request.user, treatment=treatment, request=request
        )
        return Response(RenewalRequestSerializer(renewal_request).data, status=201)


class RenewalRequestsView(APIView):
    """The renewal requests addressed to the signed-in prescriber, open ones first."""

    @extend_schema(responses=ReceivedRenewalRequestSerializer(many=True))
    def get(self, request):
        requests = supply_selectors.renewal_requests_to(user=request.user)
        return Response(ReceivedRenewalRequestSerializer(requests, many=True).data)


class RenewalRequestAnswerView(APIView):
    """The prescriber renewed the treatment, or declines: the patient is told."""

    @extend_schema(request=RenewalAnswerSerializer, responses=RenewalRequestSerializer)
    def post(self, request, request_id):
        renewal_request = supply_selectors.renewal_request_to(user=request.user, public_id=request_id)
        serializer = RenewalAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal_request = supply_services.renewal_request_answer(
            actor=request.user,
            renewal_request=renewal_request,
            renewed=serializer.validated_data["answer"] == "renewed",
            request=request,
        )
        return Response(RenewalRequestSerializer(renewal_request).data)
