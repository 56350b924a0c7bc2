"""Writes of "Download all my data": asking for an export, the worker's build of its ZIP, its download,
the synchronous FHIR Bundle of the API, and the expiry of old ZIPs.

The ZIP holds bundle.json (the FHIR R4 Bundle, portability/fhir_map.py: each file's attachment.url is its
path in the ZIP), files/<file public_id>/<original name> and summary.pdf (portability/export_pdf.py)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.models import Event
from notifications.services import notify_translated
from portability import export_selectors, fhir_map
from portability.export_models import WORKING, ExportJob, ExportStatus
from portability.export_pdf import summary_pdf
from portability.export_tasks import build_export as build_export_task
from relyfe import outbox

if TYPE_CHECKING:
    from accounts.models import User
    from health_records.models import RecordFile

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
SWEEP_BATCH = 500
NAME_MAX_LENGTH = 120
# Messages stored on the job and shown to the person who asked, in their language when shown.
NOT_IN_TIME = gettext_noop("The export could not be prepared in time. Try again.")
ACCESS_ENDED = gettext_noop("You no longer have access to this whole file.")
FAILED = gettext_noop("The export could not be prepared. Try again.")
READY_MESSAGE = gettext_noop("Your data export is ready. It can be downloaded for %(days)s days.")


def _require_export(*, actor, patient: User):
    try:
        return export_selectors.export_access(actor=actor, patient=patient)
    except Http404 as refused:
        raise PermissionDenied from refused


def export_request(*, actor, patient: User, request=None) -> ExportJob:
    """Queues the export of `patient`'s file for `actor` (the patient, or a professional whose grant is the
    whole file). One export at work per patient and requester: asking again while one is at work returns it."""
    access = _require_export(actor=actor, patient=patient)
    try:
        with transaction.atomic():
            running = ExportJob.objects.filter(patient=patient, requested_by=actor, status__in=WORKING).first()
            if running is not None:
                return running
            job = ExportJob.objects.create(patient=patient, requested_by=actor)
            audit.record(
                actor=actor,
                patient=patient,
                object_type=ObjectType.TIMELINE,
                object_id=job.public_id,
                action=AuditAction.EXPORT,
                access=access,
                request=request,
            )
            outbox.enqueue(build_export_task, job.pk)
    except IntegrityError:
        # Two requests at once: the other one made the export.
        return ExportJob.objects.get(patient=patient, requested_by=actor, status__in=WORKING)
    return job


def _set(job_id: int, **fields) -> int:
    # Only a job still at work: a second run (a message delivered twice, or sent again by the sweeper)
    # never overwrites a finished export.
    return ExportJob.objects.filter(pk=job_id, status__in=WORKING).update(**fields)


def _fail(job_id: int, reason: str) -> None:
    _set(job_id, status=ExportStatus.FAILED, finished_at=timezone.now(), error=reason, progress=0)


def zip_name(record_file: RecordFile) -> str:
    """The file's path in the ZIP: its own folder (two files may share a name), its name made harmless."""
    name = re.sub(r"[^\w.\- ()]+", "_", record_file.original_name.replace("\\", "/").rsplit("/", 1)[-1])
    name = name.strip(" .")[-NAME_MAX_LENGTH:] or "file"
    return f"files/{record_file.public_id}/{name}"


def file_hashes(
    files: list[RecordFile], *, write: Callable[[RecordFile, bytes], object] | None = None
) -> dict[int, fhir_map.FileDigest]:
    """The SHA-1 and size of each stored file, read in chunks (and handed to `write` chunk by chunk)."""
    hashes = {}
    for record_file in files:
        digest, size = hashlib.sha1(usedforsecurity=False), 0
        with record_file.file.open("rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if write is not None:
                    write(record_file, chunk)
        hashes[record_file.pk] = fhir_map.FileDigest(digest.digest(), size)
    return hashes


def build_zip(*, actor, patient: User, target, progress: Callable[[int], object] = lambda percent: None) -> None:
    """Writes the export's ZIP into `target` (a binary file): files/, bundle.json, summary.pdf."""
    data = export_selectors.export_data(actor=actor, patient=patient)
    progress(10)
    files = data.files
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        hashes: dict[int, fhir_map.FileDigest] = {}
        for number, record_file in enumerate(files, start=1):
            with archive.open(zip_name(record_file), "w", force_zip64=True) as member:
                hashes |= file_hashes([record_file], write=lambda _file, chunk: member.write(chunk))
            progress(10 + int(70 * number / len(files)))
        bundle = fhir_map.bundle_dict(data, file_url=zip_name, hashes=hashes)
        fhir_map.validated(bundle)
        archive.writestr("bundle.json", json.dumps(bundle, ensure_ascii=False, indent=1))
        progress(85)
        archive.writestr("summary.pdf", summary_pdf(data))
        progress(95)


def export_run(*, export_job_id: int) -> None:
    """The worker's part: safe to run twice (a finished export is left as it is; of two runs at once, only
    the first to finish keeps its ZIP)."""
    job = ExportJob.objects.select_related("patient", "requested_by").filter(pk=export_job_id).first()
    if job is None or not job.is_working:
        return
    working = ExportJob.objects.filter(pk=export_job_id, status__in=WORKING)
    if not outbox.run_started(working, attempts="attempts", started_at="started_at"):
        logger.warning("Export %s failed: its runs never finished", export_job_id)
        _fail(export_job_id, NOT_IN_TIME)
        return
    _set(export_job_id, status=ExportStatus.RUNNING, progress=5)
    with tempfile.TemporaryFile() as target:
        try:
            with translation.override(job.patient.language):
                build_zip(
                    actor=job.requested_by,
                    patient=job.patient,
                    target=target,
                    progress=lambda percent: _set(export_job_id, progress=percent),
                )
        except (Http404, PermissionDenied):
            _fail(export_job_id, ACCESS_ENDED)
            return
        except Exception:
            # Ids only in the log: never the file's content.
            logger.exception("Export %s failed", export_job_id)
            _fail(export_job_id, FAILED)
            return
        size = target.tell()
        target.seek(0)
        job.file.save("export.zip", File(target), save=False)
    with transaction.atomic():
        ready = _set(
            export_job_id,
            status=ExportStatus.READY,
            progress=100,
            file=job.file.name,
            size=size,
            finished_at=timezone.now(),
            expires_at=timezone.now() + datetime.timedelta(days=settings.EXPORT_EXPIRES_DAYS),
            error="",
        )
        if not ready:
            # Another run finished first: this one's ZIP is nobody's.
            job.file.storage.delete(job.file.name)
            return
        notify_translated(
            recipient=job.requested_by,
            event=Event.EXPORT_READY,
            text=READY_MESSAGE,
            params={"days": settings.EXPORT_EXPIRES_DAYS},
            url=job.get_absolute_url(),
        )


def export_download(*, actor, job: ExportJob, request=None) -> ExportJob:
    """Checks that `actor` may still download `job` and writes the access event; the view streams it."""
    access = _require_export(actor=actor, patient=job.patient)
    if job.requested_by_id != actor.pk or not job.is_downloadable:
        raise PermissionDenied
    audit.record(
        actor=actor,
        patient=job.patient,
        object_type=ObjectType.TIMELINE,
        object_id=job.public_id,
        action=AuditAction.DOWNLOAD,
        access=access,
        request=request,
    )
    return job


def export_bundle(*, actor, patient: User, file_url: Callable[[RecordFile], str], request=None) -> dict:
    """The FHIR Bundle of `patient`'s file, at once (the API): each file's url is `file_url(file)`.
    Validated before it is returned; the export is written in the access log."""
    access = _require_export(actor=actor, patient=patient)
    with translation.override(patient.language):
        data = export_selectors.export_data(actor=actor, patient=patient)
        bundle = fhir_map.bundle_dict(data, file_url=file_url, hashes=file_hashes(data.files))
    fhir_map.validated(bundle)
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.TIMELINE,
        object_id=None,
        action=AuditAction.EXPORT,
        access=access,
        request=request,
    )
    return bundle


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Deletes the ZIPs of the exports past their expiry (beat, every hour); returns how many expired."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(status__in=[*WORKING, ExportStatus.EXPIRED])
    count = 0
    for job in expired[:SWEEP_BATCH]:
        if job.file:
            job.file.storage.delete(job.file.name)
        count += (
            ExportJob.objects.filter(pk=job.pk)
            .exclude(status=ExportStatus.EXPIRED)
            .update(status=ExportStatus.EXPIRED, file="", progress=0)
        )
    return count


def exports_sweep(now: datetime.datetime) -> None:
    """Registered with the outbox's sweeper: an export still at work STUCK_AFTER after it was queued, whose
    last run (if any) started before that, lost its task: it is sent again, or marked failed once
    STUCK_MAX_ATTEMPTS runs started without finishing (the page then offers to try again)."""
    deadline = now - settings.STUCK_AFTER
    stuck = ExportJob.objects.filter(
        Q(started_at__isnull=True) | Q(started_at__lt=deadline), status__in=WORKING, queued_at__lt=deadline
    )
    for job_id, attempts in stuck.values_list("pk", "attempts")[:SWEEP_BATCH]:
        with transaction.atomic():
            if attempts >= settings.STUCK_MAX_ATTEMPTS:
                logger.warning("Export %s failed: %s runs never finished", job_id, attempts)
                _fail(job_id, NOT_IN_TIME)
                continue
            if stuck.filter(pk=job_id).update(status=ExportStatus.QUEUED, progress=0, queued_at=now):
                logger.info("Export %s sent again (%s runs started)", job_id, attempts)
                outbox.resend(build_export_task, job_id)
