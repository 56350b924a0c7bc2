"""The virtual printers and their jobs, for support: read-only, and without health data.

A job's name is what the computer called the printed document ("Ordonnance Marie Dupont.pdf"): it often
names the patient, so it stays out of the administration, as do the documents, the proposed patient and the
record a job was filed into. Staff see what support needs (whose printer, which job number, when, in what
state) and nothing that would need an access event of a patient, which an unfiled job does not even have.
The secret's hash is never shown.
"""

from django.contrib import admin
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from printing.models import PrintDocument, Printer, PrintJob


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Printer)
class PrinterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "owner", "created_at", "secret_rotated_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["slug", "owner__email", "owner__last_name__folded"]
    list_select_related = ["owner"]
    fields = ["public_id", "slug", "name", "owner", "created_at", "secret_rotated_at", "is_active"]
    readonly_fields = fields


class PrintDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PrintDocument
    fields = ["content_type", "size", "received_at"]
    readonly_fields = fields
    extra = 0


@admin.register(PrintJob)
class PrintJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["printer", "number", "source", "state", "created_at", "assigned_at", "dismissed_at", "size"]
    list_filter = ["state", "source"]
    search_fields = ["printer__slug", "printer__owner__email"]
    list_select_related = ["printer__owner"]
    date_hierarchy = "created_at"
    fields = [
        "public_id",
        "printer",
        "number",
        "source",
        "user_name",
        "state",
        "state_message",
        "accepting_documents",
        "created_at",
        "completed_at",
        "assigned_at",
        "dismissed_at",
    ]
    readonly_fields = fields
    inlines = [PrintDocumentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(documents_size=Sum("documents__size"))

    @admin.display(description=_("size"), ordering="documents_size")
    def size(self, job):
        return filesizeformat(job.documents_size) if job.documents_size else "—"
