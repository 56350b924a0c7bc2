"""Staff read lab readings and observations here, read only; every page of them is one access event per record."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from access.models import AccessPath
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from labs.models import LabReading, Observation
from relyfe.admin import ReadOnlyAdmin


class RecordsListedMixin:
    """A changelist of values read from patients' records: each record a page shows is logged as listed."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            records = {row.record.pk: row.record for row in changelist.result_list}
            audit.record_many(
                actor=request.user,
                objects=records.values(),
                object_type=ObjectType.HEALTH_RECORD,
                action=AuditAction.LIST,
                access=AccessPath.STAFF,
                request=request,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.model.objects.select_related("record__patient").filter(pk=object_id).first()
        if row is not None:
            audit.record(
                actor=request.user,
                patient=row.record.patient,
                object_type=ObjectType.HEALTH_RECORD,
                object_id=row.record.public_id,
                action=AuditAction.VIEW,
                access=AccessPath.STAFF,
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(LabReading)
class LabReadingAdmin(RecordsListedMixin, ReadOnlyAdmin):
    """Whether lab reports are read: status, progress, engine, errors (the values are the review's, not shown)."""

    # Columns named by methods: the model's fields have no translated names of their own.
    list_display = [
        "reading_id",
        "reading_status",
        "reading_progress",
        "reading_engine",
        "runs",
        "created",
        "confirmed",
    ]
    list_filter = ["status", "engine"]
    search_fields = ["=public_id", "=record__public_id"]
    list_select_related = ["record__patient"]
    date_hierarchy = "created_at"
    fields = [
        "public_id",
        "record",
        "record_file",
        "status",
        "progress",
        "engine",
        "error",
        "attempts",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "confirmed_at",
        "confirmed_by",
    ]
    readonly_fields = fields

    @admin.display(description=_("ReLyfe id"), ordering="public_id")
    def reading_id(self, reading):
        return reading.public_id

    @admin.display(description=_("status"), ordering="status")
    def reading_status(self, reading):
        return reading.get_status_display()

    @admin.display(description=_("Progress"), ordering="progress")
    def reading_progress(self, reading):
        return f"{reading.progress} %"

    @admin.display(description=_("engine"), ordering="engine")
    def reading_engine(self, reading):
        return reading.engine

    @admin.display(description=_("attempts"), ordering="attempts")
    def runs(self, reading):
        return reading.attempts

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, reading):
        return reading.created_at

    @admin.display(description=_("confirmed"), ordering="confirmed_at")
    def confirmed(self, reading):
        return reading.confirmed_at


@admin.register(Observation)
class ObservationAdmin(RecordsListedMixin, ReadOnlyAdmin):
    list_display = ["label", "loinc", "value", "unit", "flag", "sampled_on", "patient", "created"]
    list_filter = ["loinc", "flag"]
    search_fields = ["=public_id", "=record__public_id", "patient__email"]
    list_select_related = ["record__patient", "patient"]
    date_hierarchy = "sampled_on"
    fields = [
        "public_id",
        "patient",
        "record",
        "reading",
        "loinc",
        "label",
        "comparator",
        "value",
        "unit",
        "unified_value",
        "reference_low",
        "reference_high",
        "flag",
        "sampled_on",
        "laboratory",
        "source_line",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, observation):
        return observation.created_at
