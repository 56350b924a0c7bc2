"""Reads of lab readings, through the access policy: a reading is seen by whoever may see its record."""

from django.http import Http404

from access import policy
from access.policy import Access, Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records.selectors import health_record_for_action
from labs.models import LabReading, Observation


def lab_reading_for(
    *, user, public_id, action: Action, request=None, audited: bool = False
) -> tuple[LabReading, Access]:
    """The reading, when `user` may do `action` on its record; Http404 otherwise (never telling it exists).
    `audited` writes the `view` event of its record: pages and answers that show the values read do; the panel
    polled while a worker reads (progress only) does not."""
    reading = LabReading.objects.select_related("record__patient", "record_file").filter(public_id=public_id).first()
    if reading is None:
        raise Http404
    access = policy.decide(user, action, reading.record.patient, record=reading.record)
    if not access:
        raise Http404
    if audited:
        _record_viewed(user, reading.record, access, request)
    return reading, access


def lab_readings_of_record(*, user, public_id, request=None) -> list[LabReading]:
    """The readings of a record `user` may see (Http404 otherwise), oldest first; writes the record's `view`."""
    record, access = health_record_for_action(user=user, public_id=public_id, action=Action.VIEW)
    _record_viewed(user, record, access, request)
    return list(record.lab_readings.select_related("record", "record_file").order_by("created_at", "id"))


def observations_of_record(*, record) -> list[Observation]:
    """The confirmed values of a record the caller was allowed to see (the record page asked the policy)."""
    return list(record.observations.order_by("-sampled_on", "label", "id"))


def _record_viewed(user, record, access: Access, request) -> None:
    audit.record(
        actor=user,
        patient=record.patient,
        object_type=ObjectType.HEALTH_RECORD,
        object_id=record.public_id,
        action=AuditAction.VIEW,
        access=access,
        request=request,
    )
