from django.contrib import admin

from notifications.models import Notification
from relyfe.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
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
