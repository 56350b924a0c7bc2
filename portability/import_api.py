"""The REST side of the import, for the mobile apps: upload a Bundle, follow its reading, confirm it."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portability import import_services
from portability.import_models import ImportJob
from portability.import_views import job_for


class ImportJobSerializer(serializers.ModelSerializer):
    proposal = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["public_id", "status", "progress", "original_name", "size", "error", "proposal", "counts"]
        read_only_fields = fields

    def get_proposal(self, job) -> dict:
        # The proposal is only final once read; a confirmed one says what was created (`counts`).
        return job.proposal if job.status == ImportJob.Status.READY else {}


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportConfirmSerializer(serializers.Serializer):
    edits = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        default=dict,
        help_text='The review\'s choices by proposal key, e.g. {"r0": {"selected": false}, "t0m0": {"noon": true}}.',
    )

    def validate_edits(self, edits: dict) -> dict:
        allowed = import_services.RECORD_EDITS | import_services.TREATMENT_EDITS | import_services.MEDICATION_EDITS
        for key, values in edits.items():
            unknown = set(values) - allowed
            if unknown:
                raise serializers.ValidationError(f"{key}: {', '.join(sorted(unknown))}")
        return edits


class ImportsView(APIView):
    """Uploads a FHIR Bundle (JSON, or a ZIP of bundle.json + files/) to be read; the patient's own file only."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="Not a file to import (its reason in detail)"),
            404: OpenApiResponse(description="Not a patient"),
        },
    )
    def post(self, request):
        if not request.user.is_patient:
            raise Http404
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = import_services.import_job_create(
            actor=request.user, uploaded=serializer.validated_data["file"], request=request
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobView(APIView):
    """The job's progress, then its proposal (what would be created), then what was created."""

    @extend_schema(responses={200: ImportJobSerializer, 404: OpenApiResponse(description="Not found")})
    def get(self, request, job_id):
        return Response(ImportJobSerializer(job_for(request.user, job_id)).data)


class ImportConfirmView(APIView):
    """Creates what the proposal holds, with the review's choices; confirming twice creates nothing more."""

    @extend_schema(
        request=ImportConfirmSerializer,
        responses={
            201: ImportJobSerializer,
            400: OpenApiResponse(description="Not ready, or a change the services refuse"),
            404: OpenApiResponse(description="Not found"),
        },
    )
    def post(self, request, job_id):
        job = job_for(request.user, job_id)
        serializer = ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        import_services.import_job_confirm(
            actor=request.user, job=job, edits=serializer.validated_data["edits"], request=request
        )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)
