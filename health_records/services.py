"""Writes to health records. Each checks the policy, validates, keeps the record's history, writes the
access event and queues thumbnails once the transaction has committed."""

import contextlib
import logging
import posixpath
from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from access import policy
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from documents.uploads import CheckedUpload, check_upload
from health_records import annotations, masking
from health_records.models import (
    HealthRecord,
    RecordChange,
    RecordFile,
    RecordKind,
    StagedUpload,
    Tag,
    thumbnail_key,
)
from health_records.photos import side_by_side
from health_records.selectors import PhotoVersion, photo_version_for
from health_records.signals import record_files_stored
from health_records.tasks import make_record_file_thumbnail as make_record_file_thumbnail_task
from notifications.services import notify_patient_of_change
from relyfe import outbox

logger = logging.getLogger(__name__)

MAX_TAGS = 10
EDITABLE_FIELDS = ["kind", "title", "clinical_date", "description"]


def parse_tags(text: str) -> list[str]:
    """ "Cardiology, knee ,cardiology" -> ["Cardiology", "knee"]: trimmed, de-duplicated ignoring case."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())[:40]
        if name:
            names.setdefault(name.casefold(), name)
    if len(names) > MAX_TAGS:
        raise ValidationError(
            gettext_lazy("At most %(count)d tags per record.") % {"count": MAX_TAGS}, code="too_many_tags"
        )
    return list(names.values())


def _tags_for(patient, names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag = Tag.objects.filter(patient=patient, name__iexact=name).first()
        tags.append(tag or Tag.objects.create(patient=patient, name=name))
    return tags


@contextlib.contextmanager
def _stored_files_removed_on_failure():
    """Files reach the storage before the transaction commits; if it does not, they are removed."""
    stored: list[RecordFile] = []
    try:
        yield stored
    except BaseException:
        for record_file in stored:
            record_file.file.delete(save=False)
        raise


def _save_upload(row: RecordFile | StagedUpload, upload: CheckedUpload, stored: list) -> None:
    """Describes `row` (a record's file or a kept one) from a checked upload and stores its bytes under a
    server-made key; `stored` lets `_stored_files_removed_on_failure` remove them if the transaction fails."""
    row.original_name = upload.display_name
    row.content_type = upload.content_type
    row.extension = upload.extension
    row.size = upload.size
    row.width = upload.width
    row.height = upload.height
    row.page_count = upload.page_count
    row.file.save("upload", ContentFile(upload.content), save=False)
    stored.append(row)
    row.save()


def _store(record: HealthRecord, uploads: list[CheckedUpload], actor, stored: list[RecordFile]) -> list[RecordFile]:
    created = []
    for upload in uploads:
        record_file = RecordFile(record=record, uploaded_by=actor)
        _save_upload(record_file, upload, stored)
        created.append(record_file)
    return created


def staged_uploads_keep(*, owner, uploads: list[CheckedUpload]) -> list[StagedUpload]:
    """Keeps checked files of a form sent back with an error, for their uploader alone. Not audited: no one
    else can reach them, and the record they end up in writes its own access event."""
    kept = []
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        for upload in uploads:
            staged = StagedUpload(owner=owner)
            _save_upload(staged, upload, stored)
            kept.append(staged)
    return kept


def staged_upload_checked(staged) -> CheckedUpload:
    """A kept file as the services take it; it passed `check_upload` when it was kept. `staged` is a
    StagedUpload, or any stored file with the same fields (an imported bundle's ImportFile)."""
    with staged.file.open("rb") as stored:
        content = stored.read()
    return CheckedUpload(
        content=content,
        content_type=staged.content_type,
        extension=staged.extension,
        display_name=staged.original_name,
        size=staged.size,
        width=staged.width,
        height=staged.height,
        page_count=staged.page_count,
    )


def staged_uploads_consume(*, owner, staged: list[StagedUpload]) -> None:
    """Uses kept files once, in the transaction that files them. Another request that used them
    first, or another owner, makes it fail, so a file is never filed twice."""
    if not staged:
        return
    deleted, _counts = StagedUpload.objects.filter(owner=owner, pk__in=[item.pk for item in staged]).delete()
    if deleted != len(staged):
        raise ValidationError(_("A kept file is no longer available. Please choose it again."), code="kept_gone")
    _delete_files_on_commit(staged)


def staged_uploads_sweep(*, older_than) -> int:
    """Deletes kept files older than `older_than` (a timedelta); returns how many."""
    expired = list(StagedUpload.objects.filter(created_at__lt=timezone.now() - older_than))
    with transaction.atomic():
        StagedUpload.objects.filter(pk__in=[staged.pk for staged in expired]).delete()
        _delete_files_on_commit(expired)
    return len(expired)


def _delete_files_on_commit(staged: list[StagedUpload]) -> None:
    names = [item.file.name for item in staged]
    storage = StagedUpload._meta.get_field("file").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _queue_thumbnails(record_files: list[RecordFile]) -> None:
    for record_file in record_files:
        outbox.enqueue(make_record_file_thumbnail_task, record_file.pk)


def _tell_the_patient_of(*, actor, record: HealthRecord) -> None:
    notify_patient_of_change(
        actor=actor,
        patient=record.patient,
        text=gettext_noop("%(name)s added a document to your file."),
        url=reverse("health_records:detail", args=[record.public_id]),
    )


def health_record_create(
    *,
    actor,
    patient,
    kind: str,
    title: str,
    clinical_date: date,
    description: str = "",
    tags: Iterable[str] = (),
    uploads: Sequence[CheckedUpload] = (),
    kept: Sequence[StagedUpload] = (),
    request=None,
) -> HealthRecord:
    """A new record with its files. The uploads were checked before: nothing is written if one fails.
    `kept` are the staged rows some of the uploads come from, used up in the same transaction."""
    access = policy.require(actor, Action.CREATE, patient)
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        staged_uploads_consume(owner=actor, staged=list(kept))
        record = HealthRecord(
            patient=patient, author=actor, kind=kind, title=title, clinical_date=clinical_date, description=description
        )
        record.full_clean()
        record.save()
        record.tags.set(_tags_for(patient, tags))
        files = _store(record, list(uploads), actor, stored)
        RecordChange.objects.create(
            record=record, actor=actor, kind=RecordChange.Kind.CREATED, details={"files": len(files)}
        )
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=record.public_id,
            action=AuditAction.CREATE,
            access=access,
            request=request,
        )
        _queue_thumbnails(files)
        record_files_stored.send(sender=HealthRecord, record=record, record_files=files)
        _tell_the_patient_of(actor=actor, record=record)
    return record


def health_record_update(*, actor, record: HealthRecord, fields: dict, tags: Iterable[str] | None = None, request=None):
    """Changes the record's fields (and tags); the history keeps each change as before/after."""
    access = policy.require(actor, Action.UPDATE, record.patient)
    if record.is_archived:
        raise ValidationError(_("Restore this record before changing it."), code="archived")
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record.pk)
        details = {}
        for name in EDITABLE_FIELDS:
            if name in fields and fields[name] != getattr(record, name):
                details[name] = [_as_json(getattr(record, name)), _as_json(fields[name])]
                setattr(record, name, fields[name])
        if tags is not None:
            before = sorted(tag.name for tag in record.tags.all())
            new_tags = _tags_for(record.patient, tags)
            after = sorted(tag.name for tag in new_tags)
            if before != after:
                details["tags"] = [before, after]
                record.tags.set(new_tags)
        if not details:
            return record
        record.full_clean()
        record.save()
        RecordChange.objects.create(record=record, actor=actor, kind=RecordChange.Kind.UPDATED, details=details)
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=record.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
        )
    return record


def _as_json(value):
    return value.isoformat() if isinstance(value, date) else value


def record_files_add(
    *, actor, record: HealthRecord, uploads: list[CheckedUpload], kept: Sequence[StagedUpload] = (), request=None
) -> list[RecordFile]:
    """Adds checked files to a record; `kept` as in `health_record_create`."""
    access = policy.require(actor, Action.UPDATE, record.patient)
    if record.is_archived:
        raise ValidationError(_("Restore this record before adding files."), code="archived")
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        staged_uploads_consume(owner=actor, staged=list(kept))
        files = _store(record, uploads, actor, stored)
        RecordChange.objects.create(
            record=record,
            actor=actor,
            kind=RecordChange.Kind.FILES_ADDED,
            details={"files": [record_file.original_name for record_file in files]},
        )
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=record.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
        )
        _queue_thumbnails(files)
        record_files_stored.send(sender=HealthRecord, record=record, record_files=files)
        _tell_the_patient_of(actor=actor, record=record)
    return files


def health_record_archive(*, actor, record: HealthRecord, request=None) -> HealthRecord:
    """Hides the record from the timeline; the patient can restore it. Nothing is deleted."""
    access = policy.require(actor, Action.ARCHIVE, record.patient)
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record.pk)
        if record.is_archived:
            return record
        record.archived_at, record.archived_by = timezone.now(), actor
        record.save(update_fields=["archived_at", "archived_by", "updated_at"])
        RecordChange.objects.create(record=record, actor=actor, kind=RecordChange.Kind.ARCHIVED)
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=record.public_id,
            action=AuditAction.ARCHIVE,
            access=access,
            request=request,
        )
    return record


def health_record_restore(*, actor, record: HealthRecord, request=None) -> HealthRecord:
    access = policy.require(actor, Action.RESTORE, record.patient)
    if not policy.keeps_the_file(access):
        raise PermissionDenied
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record.pk)
        if not record.is_archived:
            return record
        record.archived_at, record.archived_by = None, None
        record.save(update_fields=["archived_at", "archived_by", "updated_at"])
        RecordChange.objects.create(record=record, actor=actor, kind=RecordChange.Kind.RESTORED)
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=record.public_id,
            action=AuditAction.RESTORE,
            access=access,
            request=request,
        )
    return record


def record_file_set_thumbnail(*, record_file: RecordFile, content: bytes) -> None:
    """Called by the thumbnail task (no actor: it derives a picture from a stored file). Of two runs at
    once, the first to finish keeps its picture; the other's file is deleted: one thumbnail per file. A run
    killed after it stored its picture but before it kept it left that picture at the file's own key: the run
    that keeps another deletes it."""
    record_file.thumbnail.save("thumbnail", ContentFile(content), save=False)
    name = record_file.thumbnail.name
    storage = record_file.thumbnail.storage
    if not RecordFile.objects.filter(pk=record_file.pk, thumbnail="").update(thumbnail=name):
        storage.delete(name)
        return
    own_key = thumbnail_key(record_file, "")
    if name != own_key:
        # Something was at the file's own key (the name got a suffix): a killed run's picture, or the picture of a
        # run at once that lost and deletes its own. Only then is the folder listed.
        folder = posixpath.dirname(own_key)
        for other in storage.listdir(folder)[1]:
            path = posixpath.join(folder, other)
            if other.startswith(record_file.public_id.hex) and path != name:
                storage.delete(path)


def record_file_thumbnail_failed(*, record_file_id: int, reason: str) -> None:
    """No thumbnail will come: the pages say so instead of waiting. `reason` is a short code."""
    RecordFile.objects.filter(pk=record_file_id, thumbnail="", thumbnail_failed_reason="").update(
        thumbnail_failed_reason=reason[:100]
    )


# The reason of a thumbnail whose task started STUCK_MAX_ATTEMPTS times and never finished.
THUMBNAIL_NOT_MADE = "not_made_in_time"


def thumbnails_sweep(now) -> None:
    """Registered with the outbox's sweeper: a file still without a thumbnail STUCK_AFTER after its task was
    queued, and whose last run (if any) started before that, lost its task. It is sent again under the same
    key — a send no worker took costs no attempt — unless STUCK_MAX_ATTEMPTS runs already started without
    finishing: then it is marked failed."""
    deadline = now - settings.STUCK_AFTER
    stuck = RecordFile.objects.filter(
        Q(thumbnail_started_at__isnull=True) | Q(thumbnail_started_at__lt=deadline),
        thumbnail="",
        thumbnail_failed_reason="",
        thumbnail_queued_at__lt=deadline,
    )
    for record_file_id, attempts in stuck.values_list("pk", "thumbnail_attempts")[:SWEEP_BATCH]:
        with transaction.atomic():
            if attempts >= settings.STUCK_MAX_ATTEMPTS:
                logger.warning("No thumbnail for record file %s: %s runs never finished", record_file_id, attempts)
                record_file_thumbnail_failed(record_file_id=record_file_id, reason=THUMBNAIL_NOT_MADE)
                continue
            if stuck.filter(pk=record_file_id).update(thumbnail_queued_at=now):
                logger.info("Thumbnail of record file %s sent again (%s runs started)", record_file_id, attempts)
                outbox.resend(make_record_file_thumbnail_task, record_file_id)


def record_file_thumbnail_retry(*, actor, record_file: RecordFile, request=None) -> RecordFile:
    """The "Try again" of a preview that failed: the record's editors queue its thumbnail again, with its
    runs counted from zero."""
    record = record_file.record
    access = policy.require(actor, Action.UPDATE, record.patient, record=record)
    with transaction.atomic():
        failed = RecordFile.objects.filter(pk=record_file.pk, thumbnail="").exclude(thumbnail_failed_reason="")
        if not failed.update(
            thumbnail_failed_reason="",
            thumbnail_attempts=0,
            thumbnail_started_at=None,
            thumbnail_queued_at=timezone.now(),
        ):
            return record_file  # made since, or already tried again
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.RECORD_FILE,
            object_id=record_file.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
        )
        outbox.enqueue(make_record_file_thumbnail_task, record_file.pk)
    record_file.refresh_from_db()
    return record_file


SWEEP_BATCH = 500


def health_record_create_with_site(*, body_site: str = "", **fields) -> HealthRecord:
    """A new record (as `health_record_create`) with where on the body its photos were taken."""
    body_site = " ".join((body_site or "").split())
    limit = HealthRecord._meta.get_field("body_site").max_length
    if limit is not None and len(body_site) > limit:
        raise ValidationError({"body_site": _("The body site is too long.")}, code="too_long")
    with transaction.atomic():
        record = health_record_create(**fields)
        if body_site:
            record.body_site = body_site
            record.save(update_fields=["body_site", "updated_at"])
    return record


def _comparable(actor, record_file: RecordFile, patient) -> None:
    record = record_file.record
    if record.patient_id != patient.pk:
        raise ValidationError(_("Both photos must be of the same patient."), code="other_patient")
    if not record_file.is_image or record.kind != RecordKind.PHOTO or record.is_archived:
        raise ValidationError(_("Only photos can be compared."), code="not_a_photo")
    policy.require(actor, Action.VIEW, patient, record=record)


def _content_of(record_file: RecordFile) -> bytes:
    with record_file.file.open("rb") as stored:
        return stored.read()


def _content_seen_by(actor, record_file: RecordFile) -> bytes:
    """The photo as `actor` is shown it: whoever sees its faces blurred (a scoped grant) compares and saves
    the blurred copy, never the original, and waits while that copy is being made."""
    access = policy.decide(actor, Action.VIEW, record_file.record.patient, record=record_file.record)
    version = photo_version_for(record_file, access)
    if version == PhotoVersion.MASKED:
        with record_file.masked.open("rb") as stored:
            return stored.read()
    if version != PhotoVersion.ORIGINAL:
        raise ValidationError(
            _("The faces of a photo are still being blurred: save the comparison in a moment."),
            code="masked_copy_not_ready",
        )
    return _content_of(record_file)


def comparison_save(
    *, actor, left: RecordFile, right: RecordFile, alignment: dict | None = None, request=None
) -> HealthRecord:
    """Saves two photos side by side as a comparison record of the patient (its own kind: never a photo of
    the series), dated by the later photo, that remembers the photos it was made from and how they were
    lined up (`alignment`: two landmarks on each photo, checked by photos.similarity)."""
    patient = left.record.patient
    policy.require(actor, Action.CREATE, patient)
    for record_file in (left, right):
        _comparable(actor, record_file, patient)
    left_date, right_date = left.record.clinical_date, right.record.clinical_date
    site = right.record.body_site or left.record.body_site
    content = side_by_side(
        # The photos as the saver sees them, with their drawings.
        annotations.photo_with_layer(left, _content_seen_by(actor, left)),
        annotations.photo_with_layer(right, _content_seen_by(actor, right)),
        f"{left_date:%d/%m/%Y}",
        f"{right_date:%d/%m/%Y}",
        alignment,
    )
    upload = check_upload(SimpleUploadedFile("comparaison.jpg", content))
    dates = {"left": f"{left_date:%d/%m/%Y}", "right": f"{right_date:%d/%m/%Y}", "site": site}
    # The title is the record's data: written once, in the language of whoever saves the comparison.
    title = (_("Comparison %(site)s: %(left)s / %(right)s") if site else _("Comparison: %(left)s / %(right)s")) % dates
    with transaction.atomic():
        record = health_record_create_with_site(
            actor=actor,
            patient=patient,
            kind=RecordKind.COMPARISON,
            title=title,
            clinical_date=max(left_date, right_date),
            body_site=site,
            uploads=[upload],
            request=request,
        )
        # Kept as checked: two [x, y] on each photo, in its own pixels.
        record.alignment = (
            {side: [[float(x), float(y)] for x, y in alignment[side]] for side in ("left", "right")}
            if alignment
            else {}
        )
        record.save(update_fields=["alignment", "updated_at"])
        record.compared_files.set([left, right])
        if left.mask_faces or right.mask_faces:
            # Faces blurred in a photo stay blurred in the comparison made of it.
            masking.record_files_mask_on_upload(record.files.all())
    return record
