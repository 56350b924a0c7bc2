from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are made by the features that send them, never by hand."""

    list_display = ["created_at", "recipient", "event", "in_app", "read_at", "emailed_at", "pushed_at"]
    list_filter = ["event", "in_app"]
    search_fields = ["public_id", "recipient__email", "recipient__last_name__folded"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = [
        "public_id",
        "recipient",
        "event",
        "message",
        "url",
        "actions",
        "actor",
        "in_app",
        "created_at",
        "read_at",
        "emailed_at",
        "pushed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
