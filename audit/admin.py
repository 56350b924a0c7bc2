import uuid

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from access.models import AccessPath
from audit import services as audit
from audit.models import AccessEvent
from audit.models import Action as AuditAction
from relyfe.admin import ReadOnlyAdmin
from relyfe.identifiers import canonical_identifier


class PersonFilter(admin.SimpleListFilter):
    """A person typed in a box (e-mail, phone in any form, or ReLyfe id): a list of every user would be
    the whole user table. Unknown or malformed input finds nothing."""

    template = "admin/audit/person_filter.html"
    person_field: str

    def lookups(self, request, model_admin):
        # One entry, so that Django shows the filter; the template draws a search box instead of links.
        return [("", "")]

    def choices(self, changelist):
        all_choice = next(super().choices(changelist))
        # The page's other filters and search stay; only the page number starts again.
        all_choice["query_parts"] = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in (self.parameter_name, PAGE_VAR)
            for value in (values if isinstance(values, list) else [values])
        ]
        yield all_choice

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(**{f"{self.person_field}__in": _people_matching(value)})


def _people_matching(value: str):
    User = get_user_model()  # audit sits below accounts: the model is looked up, not imported
    try:
        return User.objects.filter(public_id=uuid.UUID(value)).values("pk")
    except ValueError:
        pass
    identifier = canonical_identifier(value)
    if identifier is None:
        return User.objects.none().values("pk")
    kind, canonical = identifier
    return User.objects.filter(**{kind: canonical}).values("pk")


class PatientFilter(PersonFilter):
    title = _("patient (e-mail, phone or ReLyfe id)")
    parameter_name = "patient"
    person_field = "patient"


class ActorFilter(PersonFilter):
    title = _("actor (e-mail, phone or ReLyfe id)")
    parameter_name = "actor"
    person_field = "actor"


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    """The access log, read-only: it is append-only everywhere. One query for the page's rows (patient and
    actor joined), one for the count; the person filters take a typed identifier, not a list of users."""

    list_display = ["at", "patient", "actor_label", "action", "object_type_label", "access_path", "ip_address"]
    list_filter = [PatientFilter, ActorFilter, "access_path", "action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "actor__email", "patient__email", "patient__last_name", "=object_id"]
    list_select_related = ["patient", "actor"]
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description=_("object"), ordering="object_type")
    def object_type_label(self, event):
        return event.get_object_type_display()


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
                access=AccessPath.STAFF,
                request=request,
            )
        return response
