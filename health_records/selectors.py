"""Reads of health records. Each asks the access policy, answers 404 for what the user may not see,
and writes the access event of what it returns."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from audit import services as audit
from audit.models import AccessPath
from audit.models import Action as AuditAction
from health_records.models import HealthRecord, RecordChange, RecordFile, Tag
from sharing import policy
from sharing.policy import Access, Action, Channel


def patient_get_for_user(*, user, public_id, action: Action = Action.VIEW) -> tuple[User, Access]:
    """The patient whose data `user` wants, and by which path; 404 when there is none or no access."""
    patient = User.objects.filter(public_id=public_id, role=Role.PATIENT, is_active=True).first()
    if patient is None:
        raise Http404
    access = policy.decide(user, action, patient)
    if not access:
        raise Http404
    return patient, access


def timeline_records(
    *,
    user,
    patient,
    access: Access,
    kind: str = "",
    tag: str = "",
    query: str = "",
    archived: bool = False,
    request=None,
) -> QuerySet[HealthRecord]:
    """The patient's records as `user` may see them, newest first, with what the timeline shows."""
    records = HealthRecord.objects.filter(patient=patient)
    if access.records is not None:
        records = records.filter(access.records)
    # Only the patient sees archived records (to restore them).
    records = records.archived() if archived and access.path == AccessPath.OWNER else records.active()
    if kind:
        records = records.filter(kind=kind)
    if tag:
        records = records.filter(tags__name__iexact=tag)
    if query:
        in_file_names = RecordFile.objects.filter(record=OuterRef("pk"), original_name__icontains=query)
        records = records.filter(Q(title__icontains=query) | Q(description__icontains=query) | Exists(in_file_names))
    audit.record(
        actor=user,
        patient=patient,
        object_type="timeline",
        object_id=None,
        action=AuditAction.LIST,
        access_path=access.path,
        request=request,
    )
    return records.select_related("author").prefetch_related("tags", "files")


def patient_tags(*, patient, access: Access) -> QuerySet[Tag]:
    """The tags of the records `access` covers, for the timeline's filter."""
    records = HealthRecord.objects.filter(patient=patient).active()
    if access.records is not None:
        records = records.filter(access.records)
    return Tag.objects.filter(records__in=records).distinct()


def _access_to(*, user, record: HealthRecord, action: Action, channel: Channel = Channel.APP) -> Access:
    access = policy.decide(user, action, record.patient, channel=channel, record=record)
    if not access or (record.is_archived and access.path not in (AccessPath.OWNER, AccessPath.STAFF)):
        raise Http404
    return access


def _record_with_access(*, user, public_id, action: Action) -> tuple[HealthRecord, Access]:
    record = HealthRecord.objects.select_related("patient", "author").filter(public_id=public_id).first()
    if record is None:
        raise Http404
    return record, _access_to(user=user, record=record, action=action)


def health_record_for_action(*, user, public_id, action: Action) -> tuple[HealthRecord, Access]:
    """The record `user` is about to change; the service that changes it writes the access event."""
    return _record_with_access(user=user, public_id=public_id, action=action)


def health_record_get_for_user(
    *, user, public_id, request=None, channel: Channel = Channel.APP
) -> tuple[HealthRecord, Access]:
    """The record page: the record with its files, tags and history. Writes a `view` event."""
    record = HealthRecord.objects.select_related("patient").filter(public_id=public_id).first()
    if record is None:
        raise Http404
    access = _access_to(user=user, record=record, action=Action.VIEW, channel=channel)
    record = (
        HealthRecord.objects.filter(pk=record.pk)
        .select_related("patient", "author", "archived_by")
        .prefetch_related("tags", "files", Prefetch("changes", RecordChange.objects.select_related("actor")))
        .get()
    )
    audit.record(
        actor=user,
        patient=record.patient,
        object_type="health_record",
        object_id=record.public_id,
        action=AuditAction.VIEW,
        access_path=access.path,
        request=request,
    )
    return record, access


def record_file_get_for_user(
    *, user, public_id, request=None, audited: bool = True, channel: Channel = Channel.APP
) -> RecordFile:
    """A file to stream. Writes a `download` event unless it is a thumbnail shown on an audited page."""
    record_file = RecordFile.objects.select_related("record__patient").filter(public_id=public_id).first()
    if record_file is None:
        raise Http404
    access = _access_to(user=user, record=record_file.record, action=Action.DOWNLOAD, channel=channel)
    if audited:
        audit.record(
            actor=user,
            patient=record_file.record.patient,
            object_type="record_file",
            object_id=record_file.public_id,
            action=AuditAction.DOWNLOAD,
            access_path=access.path,
            request=request,
        )
    return record_file
