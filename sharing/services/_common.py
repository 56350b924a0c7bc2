"""What the sharing services share: the records a patient may choose, and the making of a grant (by the
patient, an access request, break-glass or a care-team proposal). Private to the package."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Grant, Scope
from health_records.models import HealthRecord


def own_active_records(patient, records) -> list[HealthRecord]:
    records = list(records)
    if any(record.patient_id != patient.pk or record.is_archived for record in records):
        raise ValidationError(_("Choose among your own records."), code="foreign_record")
    return records


def grant_create(*, patient, professional, scope, permission, records, kinds, ends_at, created_by, origin, reason=""):
    """Gives `professional` access, replacing the grant they had. Callers check who acts and write the log."""
    if not professional.is_professional or not professional.is_active:
        raise ValidationError(_("Access can only be given to a health professional."), code="not_professional")
    if scope == Scope.RECORDS and not records:
        raise ValidationError(_("Choose at least one record."), code="no_records")
    if scope == Scope.KINDS and not kinds:
        raise ValidationError(_("Choose at least one kind of record."), code="no_kinds")
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError(_("The end date must be in the future."), code="past_end")
    Grant.objects.filter(patient=patient, professional=professional, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=created_by
    )
    grant = Grant(
        patient=patient,
        professional=professional,
        scope=scope,
        permission=permission,
        kinds=list(kinds) if scope == Scope.KINDS else [],
        ends_at=ends_at,
        created_by=created_by,
        origin=origin,
        reason=reason,
    )
    grant.full_clean()
    grant.save()
    if scope == Scope.RECORDS:
        grant.records.set(records)
    return grant
