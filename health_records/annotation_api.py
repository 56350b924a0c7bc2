"""The drawings over a photo in the API: read, replace and remove the layer of one file."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from health_records import annotations


class ShapeSerializer(serializers.Serializer):
    """Documents a shape; the service checks them (`health_records.annotations.clean_shapes`)."""

    kind = serializers.ChoiceField(choices=["arrow", "circle", "ruler", "reference", "text"])
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text="In the photo's upright pixels, origin top left: arrow tail then head, circle centre then a "
        "point of its edge, ruler and reference both ends, text where it starts.",
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=annotations.MAX_LABEL_LENGTH)
    length_mm = serializers.FloatField(required=False, help_text="The reference's known length in millimetres.")


class AnnotationSerializer(serializers.Serializer):
    shapes = ShapeSerializer(many=True)
    width = serializers.IntegerField(read_only=True, help_text="The photo's upright width in pixels.")
    height = serializers.IntegerField(read_only=True, help_text="The photo's upright height in pixels.")
    mm_per_pixel = serializers.FloatField(read_only=True, allow_null=True)
    measures = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        read_only=True,
        help_text='What each shape reads, in order ("12 mm", "120 px" without a reference; null but for rulers).',
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AnnotationWriteSerializer(serializers.Serializer):
    shapes = serializers.JSONField(help_text="The list of shapes (see the response's shapes).")


def _body(record_file, annotation) -> dict:
    width, height = annotations.photo_size(record_file)
    shapes = annotation.shapes if annotation else []
    mm_per_pixel = annotation.mm_per_pixel if annotation else None
    return {
        "shapes": shapes,
        "width": width,
        "height": height,
        "mm_per_pixel": mm_per_pixel,
        "measures": [
            annotations.measure(shape, mm_per_pixel) if shape["kind"] in ("ruler", "reference") else None
            for shape in shapes
        ],
        "updated_at": annotation.updated_at if annotation else None,
    }


ERRORS = {
    400: OpenApiResponse(
        description='Shapes that are not valid; `code` says why: "not_a_list", "too_many_shapes", "not_a_shape", '
        '"unknown_field", "unknown_kind", "wrong_points", "not_a_number", "not_finite", "outside_image", '
        '"label_not_text", "label_too_long", "text_without_label", "reference_length", "reference_too_short", '
        '"two_references".'
    ),
    403: OpenApiResponse(description="The caller sees the photo but may not edit its record."),
    404: OpenApiResponse(description="A file the caller may not see, or not an image."),
}


class AnnotationView(APIView):
    """The layer drawn over a photo (file). Whoever sees the photo reads it; whoever may edit its record
    replaces or removes it. The photo itself is never changed."""

    @extend_schema(responses={200: AnnotationSerializer, 404: ERRORS[404]})
    def get(self, request, file_id):
        record_file, annotation, _access = annotations.annotated_photo_for_user(
            user=request.user, public_id=file_id, request=request
        )
        return Response(AnnotationSerializer(_body(record_file, annotation)).data)

    @extend_schema(request=AnnotationWriteSerializer, responses={200: AnnotationSerializer, **ERRORS})
    def put(self, request, file_id):
        record_file = annotations.photo_for_annotation(user=request.user, public_id=file_id)
        serializer = AnnotationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotations.annotation_save(
            actor=request.user, record_file=record_file, shapes=serializer.validated_data["shapes"], request=request
        )
        return Response(AnnotationSerializer(_body(record_file, annotation)).data)

    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]})
    def delete(self, request, file_id):
        record_file = annotations.photo_for_annotation(user=request.user, public_id=file_id)
        annotations.annotation_delete(actor=request.user, record_file=record_file, request=request)
        return Response(status=204)
