"""Staff moderate comments here: they read them (each page writes its access events) and hide those
that have no place in a file. Nothing is edited nor deleted."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access.models import AccessPath
from audit import services as audit
from audit.admin import AuditedChangelistMixin
from audit.models import Action as AuditAction
from audit.models import ObjectType
from comments import services
from comments.models import Comment
from health_records.admin import ReadOnlyAdminMixin


@admin.register(Comment)
class CommentAdmin(AuditedChangelistMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.COMMENT
    list_display = ["author_label", "patient", "visibility", "created_at", "deleted_at", "hidden_at"]
    list_filter = ["visibility", "hidden_at", "deleted_at"]
    search_fields = ["public_id", "patient__email", "author_label__folded"]
    list_select_related = ["patient"]
    fields = ["public_id", "record", "parent", "visibility", "author_label", "text", "created_at", "edited_at"]
    readonly_fields = [*fields, "hidden_at", "hidden_by", "deleted_at"]
    actions = ["hide"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = Comment.objects.filter(pk=object_id).select_related("patient").first()
        if comment is not None:
            audit.record(
                actor=request.user,
                patient=comment.patient,
                object_type=ObjectType.COMMENT,
                object_id=comment.public_id,
                action=AuditAction.VIEW,
                access=AccessPath.STAFF,
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Hide the chosen comments (moderation)"))
    def hide(self, request, queryset):
        for comment in queryset.select_related("patient"):
            services.comment_hide(actor=request.user, comment=comment, request=request)
        count = queryset.count()
        self.message_user(
            request, ngettext("%d comment hidden.", "%d comments hidden.", count) % count, messages.SUCCESS
        )
