from django.contrib import admin

from relyfe.models import OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these rows and change none: what the application writes (an access log, a notification, a
    token's digest) is kept as it was written."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Staff see what the broker has not taken, and why: read only (the dispatcher and sweeper act)."""

    list_display = ["key", "task", "state", "attempts", "next_try_at", "last_error"]
    list_filter = ["state", "task"]
    search_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
