"""Care-team proposals through the API: a professional proposes a colleague, the patient answers."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access import policy
from access.models import Permission, Scope
from accounts.models import Role, User
from health_records.selectors import patient_get_for_user
from sharing import selectors, services
from sharing.models import CareTeamProposal


class ProposalSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    proposed_by = serializers.UUIDField(source="proposed_by.public_id", read_only=True)
    professional = serializers.UUIDField(source="professional.public_id", read_only=True)

    class Meta:
        model = CareTeamProposal
        fields = [
            "public_id",
            "patient",
            "proposed_by",
            "professional",
            "message",
            "scope",
            "kinds",
            "permission",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class NewProposalSerializer(serializers.Serializer):
    professional = serializers.UUIDField()
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=[Scope.ALL, Scope.KINDS], default=Scope.ALL)
    kinds = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list)
    permission = serializers.ChoiceField(choices=Permission.values, default=Permission.READ)


class AnswerSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class PatientProposalsView(APIView):
    """The patient's pending proposals (GET, the patient), or a new one (POST, a professional of the team)."""

    @extend_schema(responses=ProposalSerializer(many=True))
    def get(self, request, patient_id):
        patient, access = patient_get_for_user(user=request.user, public_id=patient_id)
        if access.path != "owner":
            raise Http404
        return Response(ProposalSerializer(selectors.proposals_for_patient(user=patient), many=True).data)

    @extend_schema(request=NewProposalSerializer, responses={201: ProposalSerializer})
    def post(self, request, patient_id):
        patient, access = patient_get_for_user(user=request.user, public_id=patient_id)
        if not policy.may_propose_colleagues(access):
            raise Http404
        serializer = NewProposalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        professional = User.objects.filter(public_id=data.pop("professional"), role=Role.PROFESSIONAL).first()
        if professional is None:
            raise serializers.ValidationError({"professional": _("Unknown professional.")})
        proposal = services.care_team_propose(
            actor=request.user, patient=patient, professional=professional, request=request, **data
        )
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalAnswerView(APIView):
    """The patient approves (a grant) or refuses a proposal."""

    @extend_schema(request=AnswerSerializer, responses=ProposalSerializer)
    def post(self, request, proposal_id):
        proposal = selectors.proposal_of_patient(user=request.user, public_id=proposal_id)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.care_team_proposal_answer(
            actor=request.user, proposal=proposal, approve=serializer.validated_data["approve"], request=request
        )
        return Response(ProposalSerializer(proposal).data)
