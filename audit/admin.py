from django.contrib import admin

from audit import services as audit
from audit.models import AccessEvent, AccessPath
from audit.models import Action as AuditAction


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The access log, read-only: it is append-only everywhere."""

    list_display = ["at", "actor_label", "action", "object_type", "access_path", "patient", "ip_address"]
    list_filter = ["action", "access_path", "object_type"]
    search_fields = ["actor_label", "patient__email", "patient__last_name", "object_id"]
    list_select_related = ["patient"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedChangelistMixin:
    """A changelist of patients' data: every row shown to staff is one access event, written at once."""

    audit_object_type: str

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            audit.record_many(
                actor=request.user,
                objects=changelist.result_list,
                object_type=self.audit_object_type,
                action=AuditAction.LIST,
                access_path=AccessPath.STAFF,
                request=request,
            )
        return response
