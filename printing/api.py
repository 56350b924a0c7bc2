"""The print inbox through the API: practice software sends a document as if the professional printed it
(POST, multipart), and the professional's apps list the documents waiting in the inbox (GET)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.uploads import TOO_LARGE_CODES
from printing import selectors, services
from printing.models import JobState, PrintJob
from printing.services import JOB_NAME_MAX


class IsProfessional(BasePermission):
    message = _("The print inbox is for professionals.")

    def has_permission(self, request, view):
        return request.user.is_professional


class PrintJobUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The document: a PDF or a JPEG."))
    job_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=JOB_NAME_MAX,
        help_text=_("The name the professional sees in the inbox, as a printed document's name."),
    )

    def validate_file(self, uploaded) -> bytes:
        # Refused before it is read into memory: the multipart parser keeps a large upload on disk.
        if uploaded.size > settings.UPLOAD_MAX_BYTES:
            raise serializers.ValidationError(
                _("This file is larger than %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return uploaded.read()


def _refusal(error: serializers.ValidationError) -> serializers.ValidationError:
    """A refused document answers 413 when it was too large (or too costly to check), 400 otherwise."""
    codes = error.get_codes()
    file_codes = codes.get("file", []) if isinstance(codes, dict) else []
    if set(file_codes) & TOO_LARGE_CODES:
        error.status_code = 413
    return error


class ProposedPatientSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField(source="full_name")


class PrintJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    state = serializers.SerializerMethodField(help_text=_("`completed` once the whole document arrived."))
    proposed_patient = ProposedPatientSerializer(
        source="proposal.patient",
        read_only=True,
        allow_null=True,
        help_text=_("The patient ReLyfe proposes, when it recognised one the professional may add records for."),
    )
    proposal_reason = serializers.CharField(
        source="proposal.reason_text", read_only=True, allow_null=True, help_text=_("Why this patient.")
    )
    document_count = serializers.SerializerMethodField()
    inbox_url = serializers.SerializerMethodField(help_text=_("The page where the professional files it."))

    class Meta:
        model = PrintJob
        fields = [
            "id",
            "number",
            "name",
            "state",
            "created_at",
            "proposed_patient",
            "proposal_reason",
            "document_count",
            "inbox_url",
        ]
        read_only_fields = fields

    def get_state(self, job) -> str:
        return JobState(job.state).name.lower()

    def get_document_count(self, job) -> int:
        return len(job.documents.all())

    def get_inbox_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(reverse("printing:job", args=[job.public_id]))


class PrintJobsView(APIView):
    """The professional's print inbox: the documents waiting to be filed into a patient's file, newest
    first (GET), or a new one sent by software (POST, multipart: `file`, and optionally `job_name`)."""

    permission_classes = [IsAuthenticated, IsProfessional]
    parser_classes = [MultiPartParser]

    @extend_schema(responses=PrintJobSerializer(many=True))
    def get(self, request):
        jobs = selectors.inbox_jobs(user=request.user)
        return Response(PrintJobSerializer(jobs, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": PrintJobUploadSerializer},
        responses={
            201: PrintJobSerializer,
            400: OpenApiResponse(description=_("The file is not a PDF nor a JPEG, or is damaged.")),
            403: OpenApiResponse(description=_("Not a professional, or the printer does not accept documents.")),
            413: OpenApiResponse(description=_("The file is too large, or too costly to check.")),
        },
    )
    def post(self, request):
        serializer = PrintJobUploadSerializer(data=request.data)
        if not serializer.is_valid():
            raise _refusal(serializers.ValidationError(serializer.errors))
        values = serializer.validated_data
        try:
            job = services.print_job_receive(actor=request.user, name=values["job_name"], data=values["file"])
        except ValidationError as refused:
            detail = {
                field: [ErrorDetail(message, code=error.code) for error in errors for message in error.messages]
                for field, errors in refused.error_dict.items()
            }
            raise _refusal(serializers.ValidationError(detail)) from refused
        job.proposal = None  # proposed later, once the document is read
        return Response(PrintJobSerializer(job, context={"request": request}).data, status=status.HTTP_201_CREATED)
