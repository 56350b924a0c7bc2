"""Staff read records here, and only here; every page and download writes its access event."""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from access.policy import Channel
from audit.admin import AuditedChangelistMixin
from audit.models import ObjectType
from health_records import selectors
from health_records.downloads import stored_file_response
from health_records.models import HealthRecord, RecordFile


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordFileInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RecordFile
    fields = ["original_name", "content_type", "size", "uploaded_at", "download"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("download"))
    def download(self, record_file):
        url = reverse("admin:health_records_recordfile_download", args=[record_file.public_id])
        return format_html('<a href="{}">{}</a>', url, _("Download"))


@admin.register(HealthRecord)
class HealthRecordAdmin(AuditedChangelistMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.HEALTH_RECORD
    list_display = ["title", "kind", "clinical_date", "patient", "author", "archived_at"]
    list_filter = ["kind", "archived_at"]
    search_fields = ["public_id", "patient__email", "patient__last_name__folded"]
    list_select_related = ["patient", "author"]
    date_hierarchy = "clinical_date"
    fields = ["public_id", "patient", "kind", "title", "clinical_date", "author", "description", "archived_at"]
    readonly_fields = fields
    inlines = [RecordFileInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = HealthRecord.objects.filter(pk=object_id).only("public_id").first()
        if record is not None:
            # Checks the policy for the admin channel and writes the `view` event.
            selectors.health_record_get_for_user(
                user=request.user, public_id=record.public_id, request=request, channel=Channel.ADMIN
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        return [
            path("files/<uuid:file_id>/download/", download, name="health_records_recordfile_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, file_id):
        record_file = selectors.record_file_get_for_user(
            user=request.user, public_id=file_id, request=request, channel=Channel.ADMIN
        )
        return stored_file_response(
            record_file.file, filename=record_file.original_name, content_type=record_file.content_type, inline=False
        )
