from django.contrib import admin

from audit.models import AccessEvent


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
