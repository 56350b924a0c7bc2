"""Staff see consents, enrolled faces and the search log, read-only. They change one thing: on the
patient's request, they erase the patient's face data, through the same service as a withdrawal.
Embeddings are never shown."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from access.models import AccessPath
from audit import services as audit
from audit.admin import AuditedChangelistMixin
from audit.models import Action as AuditAction
from audit.models import ObjectType
from faces import services
from faces.models import FaceConsent, FaceSearch, FaceSearchCandidate, FaceTemplate
from health_records.admin import ReadOnlyAdminMixin


class AuditedChangeViewMixin:
    """The page of one object holding a patient's data is one `view` event for that patient."""

    audit_object_type: str

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_permission(request, obj):
            audit.record(
                actor=request.user,
                patient=obj.patient,
                object_type=self.audit_object_type,
                object_id=obj.public_id,
                action=AuditAction.VIEW,
                access=AccessPath.STAFF,
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(FaceTemplate)
class FaceTemplateAdmin(AuditedChangelistMixin, AuditedChangeViewMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.FACE_TEMPLATE
    list_display = ["patient", "backend", "enrolled_by", "enrolled_at"]
    list_filter = ["backend"]
    search_fields = ["patient__public_id", "patient__email", "patient__last_name__folded"]
    list_select_related = ["patient", "enrolled_by"]
    date_hierarchy = "enrolled_at"
    # Listed explicitly so that the embedding never reaches a page.
    fields = ["public_id", "patient", "consent", "backend", "face_id", "enrolled_by", "enrolled_at"]
    readonly_fields = fields


@admin.register(FaceConsent)
class FaceConsentAdmin(AuditedChangelistMixin, AuditedChangeViewMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.FACE_CONSENT
    list_display = ["patient", "method", "text_version", "given_at", "withdrawn_at", "recorded_by"]
    list_filter = ["method", "text_version", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["patient__public_id", "patient__email", "patient__last_name__folded"]
    list_select_related = ["patient", "recorded_by"]
    date_hierarchy = "given_at"
    fields = [
        "public_id",
        "patient",
        "method",
        "text_version",
        "given_at",
        "recorded_by",
        "withdrawn_at",
        "withdrawn_by",
    ]
    readonly_fields = fields
    actions = ["erase_face_data"]

    @admin.action(description=_("Erase face data on the patient's request"))
    def erase_face_data(self, request, queryset):
        consents = queryset.active().select_related("patient")
        count = 0
        for consent in consents:
            services.face_consent_withdraw(actor=request.user, patient=consent.patient, request=request)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Face data of %(count)d patient erased; their consent is marked withdrawn.",
                "Face data of %(count)d patients erased; their consents are marked withdrawn.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class FaceSearchCandidateInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FaceSearchCandidate
    fields = ["rank", "patient", "similarity"]
    readonly_fields = fields
    extra = 0


@admin.register(FaceSearch)
class FaceSearchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The search log. Its list names only the professionals who searched; the page of one search shows
    the patients found, so opening it is one `view` event for each of them."""

    list_display = ["searcher", "at", "backend", "threshold", "outcome", "problem", "candidate_count"]
    list_filter = ["outcome", "backend"]
    search_fields = ["searcher__email", "searcher__last_name__folded", "public_id"]
    list_select_related = ["searcher"]
    date_hierarchy = "at"
    fields = ["public_id", "searcher", "at", "backend", "threshold", "outcome", "problem"]
    readonly_fields = fields
    inlines = [FaceSearchCandidateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(candidate_count=Count("candidates"))

    @admin.display(description=_("patients found"), ordering="candidate_count")
    def candidate_count(self, search):
        return search.candidate_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        search = self.get_object(request, object_id)
        if search is not None and self.has_view_permission(request, search):
            for candidate in search.candidates.select_related("patient"):
                audit.record(
                    actor=request.user,
                    patient=candidate.patient,
                    object_type=ObjectType.FACE_SEARCH,
                    object_id=search.public_id,
                    action=AuditAction.VIEW,
                    access=AccessPath.STAFF,
                    request=request,
                )
        return super().change_view(request, object_id, form_url, extra_context)
