from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from documents.uploads import (
    ALLOWED_CONTENT_TYPES,
    STORED_TYPES,
    TOO_LARGE_CODES,
    UploadRefused,
    check_upload,
    upload_deadline,
)
from health_records import masking, selectors, services
from health_records.downloads import shown_file_response
from health_records.forms import validate_clinical_date
from health_records.models import HealthRecord, RecordFile, RecordKind
from relyfe.errors import DomainError


class RecordFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RecordFile
        fields = ["public_id", "original_name", "content_type", "size", "width", "height", "page_count", "download_url"]
        read_only_fields = fields

    def get_download_url(self, record_file) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:file-download", args=[record_file.public_id]))


class TagNamesField(serializers.ListField):
    """Tags are written and read as a list of names."""

    child = serializers.CharField(max_length=40)

    def to_representation(self, tags):
        return [tag.name for tag in tags.all()]


class HealthRecordSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    author = serializers.UUIDField(source="author.public_id", read_only=True)
    author_name = serializers.CharField(source="author.full_name", read_only=True)
    tags = TagNamesField(required=False, max_length=services.MAX_TAGS)
    files = RecordFileSerializer(many=True, read_only=True)
    clinical_date = serializers.DateField(validators=[validate_clinical_date])
    body_site = serializers.CharField(read_only=True)
    alignment = serializers.SerializerMethodField(
        help_text="For a photo comparison: how its two photos were lined up, two landmarks on each in its own "
        'pixels, {"left": [[x, y], [x, y]], "right": [[x, y], [x, y]]} ({} when only centred); null otherwise.'
    )

    class Meta:
        model = HealthRecord
        fields = [
            "public_id",
            "patient",
            "kind",
            "title",
            "clinical_date",
            "description",
            "body_site",
            "tags",
            "author",
            "author_name",
            "files",
            "alignment",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at", "archived_at"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_alignment(self, record):
        return record.alignment if record.kind == RecordKind.COMPARISON else None

    def validate_tags(self, names):
        return services.parse_tags(",".join(names))


class NewHealthRecordSerializer(HealthRecordSerializer):
    body_site = serializers.CharField(max_length=120, required=False, allow_blank=True)
    uploads = serializers.ListField(
        child=serializers.FileField(), required=False, write_only=True, max_length=settings.UPLOAD_MAX_FILES
    )

    class Meta(HealthRecordSerializer.Meta):
        fields = [*HealthRecordSerializer.Meta.fields, "uploads"]

    def validate_uploads(self, files):
        return check_uploads(files)


def check_uploads(files):
    """The checked uploads; a refused one is an error of the field that names the file."""
    checked = []
    deadline = upload_deadline()
    for uploaded in files:
        try:
            checked.append(check_upload(uploaded, deadline=deadline))
        except UploadRefused as refusal:
            raise serializers.ValidationError(
                f"{uploaded.name[:80]}: {' '.join(refusal.messages)}", code=refusal.code
            ) from refusal
    return checked


def validated_with_uploads(serializer):
    """The serializer's data; a refused file is a 413 when it was too large (or too costly to check), a 400
    otherwise, in the API's one error shape."""
    if serializer.is_valid():
        return serializer.validated_data
    error = serializers.ValidationError(serializer.errors)
    codes = error.get_codes()
    upload_codes = codes.get("uploads", []) if isinstance(codes, dict) else []
    if set(_flattened(upload_codes)) & TOO_LARGE_CODES:
        error.status_code = 413
    raise error


def _flattened(codes) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _flattened(value)]
    if isinstance(codes, list):
        return [code for value in codes for code in _flattened(value)]
    return [codes]


class AddFilesSerializer(serializers.Serializer):
    uploads = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, max_length=settings.UPLOAD_MAX_FILES
    )

    def validate_uploads(self, files):
        return check_uploads(files)


class RecordsQuerySerializer(serializers.Serializer):
    """The filters of a patient's records, as the timeline page has them; a wrong value is a 400."""

    kind = serializers.ChoiceField(choices=RecordKind.choices, required=False, allow_blank=True)
    tag = serializers.CharField(max_length=40, required=False, allow_blank=True)
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Search in titles, descriptions and file names."
    )
    archived = serializers.BooleanField(required=False, default=False, help_text="The archived records instead.")


# What a record's file is downloaded as: the type it was stored as (a HEIC photo is kept as a JPEG).
DOWNLOAD_TYPES = sorted({STORED_TYPES.get(content_type, content_type) for content_type in ALLOWED_CONTENT_TYPES})


@extend_schema_view(get=extend_schema(parameters=[RecordsQuerySerializer]))
class PatientRecordsView(ListAPIView):
    """The patient's records, newest first (GET), or a new record with its files (POST, multipart)."""

    serializer_class = HealthRecordSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        patient, access = selectors.patient_get_for_user(user=self.request.user, public_id=self.kwargs["patient_id"])
        filters = RecordsQuerySerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        criteria = filters.validated_data
        return selectors.timeline_records(
            user=self.request.user,
            patient=patient,
            access=access,
            kind=criteria.get("kind", ""),
            tag=criteria.get("tag", ""),
            query=criteria.get("q", ""),
            archived=criteria.get("archived", False),
            request=self.request,
        )

    @extend_schema(request={"multipart/form-data": NewHealthRecordSerializer}, responses={201: HealthRecordSerializer})
    def post(self, request, patient_id):
        patient, _access = selectors.patient_get_for_user(user=request.user, public_id=patient_id, action=Action.CREATE)
        serializer = NewHealthRecordSerializer(data=request.data, context={"request": request})
        values = validated_with_uploads(serializer)
        record = services.health_record_create_with_site(
            actor=request.user,
            patient=patient,
            kind=values["kind"],
            title=values["title"],
            clinical_date=values["clinical_date"],
            description=values.get("description", ""),
            tags=values.get("tags", []),
            uploads=values.get("uploads", []),
            body_site=values.get("body_site", ""),
            request=request,
        )
        return Response(HealthRecordSerializer(record, context={"request": request}).data, status=201)


class RecordDetailView(APIView):
    """A record with its files (GET), or changes to its fields and tags (PATCH)."""

    @extend_schema(responses=HealthRecordSerializer)
    def get(self, request, record_id):
        record, _access = selectors.health_record_get_for_user(user=request.user, public_id=record_id, request=request)
        return Response(HealthRecordSerializer(record, context={"request": request}).data)

    @extend_schema(request=HealthRecordSerializer, responses=HealthRecordSerializer)
    def patch(self, request, record_id):
        record, _access = selectors.health_record_for_action(
            user=request.user, public_id=record_id, action=Action.UPDATE
        )
        serializer = HealthRecordSerializer(record, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        tags = values.pop("tags", None)
        record = services.health_record_update(
            actor=request.user, record=record, fields=values, tags=tags, request=request
        )
        record.refresh_from_db()
        return Response(HealthRecordSerializer(record, context={"request": request}).data)


class RecordFilesView(APIView):
    """Adds files to a record (multipart, field `uploads`, repeated)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": AddFilesSerializer}, responses={201: RecordFileSerializer(many=True)}
    )
    def post(self, request, record_id):
        record, _access = selectors.health_record_for_action(
            user=request.user, public_id=record_id, action=Action.UPDATE
        )
        serializer = AddFilesSerializer(data=request.data)
        uploads = validated_with_uploads(serializer)["uploads"]
        files = services.record_files_add(actor=request.user, record=record, uploads=uploads, request=request)
        return Response(RecordFileSerializer(files, many=True, context={"request": request}).data, status=201)


class RecordArchiveView(APIView):
    @extend_schema(request=None, responses=HealthRecordSerializer)
    def post(self, request, record_id):
        record, _access = selectors.health_record_for_action(
            user=request.user, public_id=record_id, action=Action.ARCHIVE
        )
        record = services.health_record_archive(actor=request.user, record=record, request=request)
        return Response(HealthRecordSerializer(record, context={"request": request}).data)


class RecordRestoreView(APIView):
    @extend_schema(request=None, responses=HealthRecordSerializer)
    def post(self, request, record_id):
        record, _access = selectors.health_record_for_action(
            user=request.user, public_id=record_id, action=Action.RESTORE
        )
        record = services.health_record_restore(actor=request.user, record=record, request=request)
        return Response(HealthRecordSerializer(record, context={"request": request}).data)


class FileDownloadView(APIView):
    @extend_schema(
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in DOWNLOAD_TYPES},
            302: OpenApiResponse(description="With files kept on S3: a short-lived link to the file."),
        }
    )
    def get(self, request, file_id):
        shown = selectors.record_file_shown_to_user(user=request.user, public_id=file_id, request=request)
        if shown.version in (selectors.PhotoVersion.BEING_MADE, selectors.PhotoVersion.NOT_MADE):
            # Never the original to whom is to see it blurred: the app asks again later.
            raise masked_copy_missing(shown)
        return shown_file_response(shown, inline=False)


def masked_copy_missing(shown) -> DomainError:
    """409 while the photo's copy with its faces blurred is being made (asked now if it never was), or when
    it could not be made."""
    if shown.version == selectors.PhotoVersion.BEING_MADE:
        masking.record_files_mask([shown.record_file])
        return DomainError(
            "masked_copy_being_made",
            _("The faces of this photo are being blurred. Try again in a minute."),
            status=409,
        )
    return DomainError(
        "masked_copy_not_made", _("The copy of this photo with its faces blurred could not be made."), status=409
    )
