from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from comments import selectors, services
from comments.models import TEXT_MAX_LENGTH, Comment, Visibility


class CommentSerializer(serializers.ModelSerializer):
    record = serializers.UUIDField(source="record.public_id", read_only=True)
    record_file = serializers.UUIDField(source="record_file.public_id", read_only=True, allow_null=True)
    parent = serializers.UUIDField(source="parent.public_id", read_only=True, allow_null=True)
    author = serializers.UUIDField(source="author.public_id", read_only=True, allow_null=True)
    author_name = serializers.CharField(source="author_label", read_only=True)
    # Empty once the comment is deleted or hidden: the flags below say which.
    text = serializers.CharField(source="shown_text", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "public_id",
            "record",
            "record_file",
            "parent",
            "visibility",
            "author",
            "author_name",
            "text",
            "is_edited",
            "is_deleted",
            "is_hidden",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields


class NewCommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.EVERYONE)
    record_file = serializers.UUIDField(required=False, allow_null=True)
    parent = serializers.UUIDField(required=False, allow_null=True)


class EditCommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class RecordCommentsView(ListAPIView):
    """The comments of a record that the caller may see, replies included, oldest first (GET); a new
    comment or reply (POST)."""

    serializer_class = CommentSerializer

    def get_queryset(self):
        record, access = selectors.record_for_comments(user=self.request.user, public_id=self.kwargs["record_id"])
        return selectors.record_comments(user=self.request.user, record=record, access=access, request=self.request)

    @extend_schema(request=NewCommentSerializer, responses={201: CommentSerializer})
    def post(self, request, record_id):
        record, _access = selectors.record_for_comments(user=request.user, public_id=record_id, action=Action.COMMENT)
        serializer = NewCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        parent_id, record_file_id = values.get("parent"), values.get("record_file")
        parent = selectors.comment_get_for_user(user=request.user, public_id=parent_id)[0] if parent_id else None
        record_file = record.files.filter(public_id=record_file_id).first() if record_file_id else None
        if record_file_id and record_file is None:
            raise serializers.ValidationError({"record_file": [_("This file is not part of the record.")]})
        comment = services.comment_create(
            actor=request.user,
            record=record,
            text=values["text"],
            visibility=values["visibility"],
            record_file=record_file,
            parent=parent,
            request=request,
        )
        return Response(CommentSerializer(comment).data, status=201)


class CommentDetailView(APIView):
    """A comment (GET), its new text within 15 minutes of writing it (PATCH), its deletion (DELETE)."""

    @extend_schema(responses=CommentSerializer)
    def get(self, request, comment_id):
        comment, _access = selectors.comment_get_for_user(
            user=request.user, public_id=comment_id, request=request, audited=True
        )
        return Response(CommentSerializer(comment).data)

    @extend_schema(request=EditCommentSerializer, responses=CommentSerializer)
    def patch(self, request, comment_id):
        comment, _access = selectors.comment_get_for_user(
            user=request.user, public_id=comment_id, action=Action.COMMENT
        )
        serializer = EditCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_update(
            actor=request.user, comment=comment, text=serializer.validated_data["text"], request=request
        )
        return Response(CommentSerializer(comment).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, comment_id):
        comment, _access = selectors.comment_get_for_user(user=request.user, public_id=comment_id)
        services.comment_delete(actor=request.user, comment=comment, request=request)
        return Response(status=204)
