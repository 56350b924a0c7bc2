"""Photo follow-up in the API: the gallery by body site, and saving a comparison of two photos."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from health_records import selectors, services
from health_records.api import HealthRecordSerializer, RecordFileSerializer


class PhotoSerializer(RecordFileSerializer):
    record = serializers.UUIDField(source="record.public_id", read_only=True)
    title = serializers.CharField(source="record.title", read_only=True)
    clinical_date = serializers.DateField(source="record.clinical_date", read_only=True)
    body_site = serializers.CharField(source="record.body_site", read_only=True)

    class Meta(RecordFileSerializer.Meta):
        fields = [*RecordFileSerializer.Meta.fields, "record", "title", "clinical_date", "body_site"]
        read_only_fields = fields


class PhotoGroupSerializer(serializers.Serializer):
    body_site = serializers.CharField()
    photos = PhotoSerializer(many=True)


class LandmarksField(serializers.ListField):
    """Two points on one photo, each [x, y] in its own upright pixels."""

    child = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)

    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)


class AlignmentSerializer(serializers.Serializer):
    left = LandmarksField(help_text="Two landmarks on the left photo, [[x, y], [x, y]] in its pixels.")
    right = LandmarksField(help_text="The same two landmarks on the right photo, in the same order.")


class ComparisonSerializer(serializers.Serializer):
    left = serializers.UUIDField(help_text="The public id of the photo (file) shown on the left.")
    right = serializers.UUIDField(help_text="The public id of the photo (file) shown on the right.")
    alignment = AlignmentSerializer(
        required=False,
        help_text="Landmarks lining the right photo up on the left one (scale, rotation, shift); without them "
        "both photos are only scaled alike and centred. Each point must be on its photo, the two points of a "
        "photo apart from each other.",
    )


class PhotoGalleryView(APIView):
    """The patient's photos grouped by body site, each group oldest first (photos without a site last)."""

    @extend_schema(responses=PhotoGroupSerializer(many=True))
    def get(self, request, patient_id):
        patient, access = selectors.patient_get_for_user(user=request.user, public_id=patient_id)
        photos = selectors.patient_photos(user=request.user, patient=patient, access=access, request=request)
        groups = [{"body_site": site, "photos": files} for site, files in selectors.photos_by_site(photos)]
        return Response(PhotoGroupSerializer(groups, many=True, context={"request": request}).data)


class ComparisonSaveView(APIView):
    """Saves two photos side by side, lined up, as a comparison record of the patient (kind "comparison",
    kept apart from the photo series)."""

    @extend_schema(
        request=ComparisonSerializer,
        responses={
            201: HealthRecordSerializer,
            400: OpenApiResponse(description="Landmarks off a photo, too close together, or not two per photo."),
            404: OpenApiResponse(description="A photo the caller may not see, or a record that is not a photo."),
        },
    )
    def post(self, request):
        serializer = ComparisonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        left, right = selectors.photo_files_for_comparison(
            user=request.user, left_id=serializer.validated_data["left"], right_id=serializer.validated_data["right"]
        )
        record = services.comparison_save(
            actor=request.user,
            left=left,
            right=right,
            alignment=serializer.validated_data.get("alignment"),
            request=request,
        )
        return Response(HealthRecordSerializer(record, context={"request": request}).data, status=201)
