"""Writes of the virtual printer: printers and their secrets, the jobs IPP clients and software send, and
what the professional does with them in the print inbox (assign to a patient, or dismiss).

A printed document is health data from the moment it arrives: it is stored privately under a server-made
key, its job name is never logged, and it reaches a patient's file only when the professional assigns it
to a patient they may add records to.
"""

import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from documents.storage import is_disk_full
from documents.uploads import UploadRefused, check_upload, refusal_status
from health_records import services as records
from health_records.models import RecordKind
from printing.ipp.codec import IppError
from printing.ipp.constants import JobState as IppJobState
from printing.ipp.constants import Status
from printing.ipp.server import JPEG, PDF, JobInfo
from printing.models import JobSource, JobState, PrintDocument, Printer, PrintJob
from printing.tasks import propose_print_job_patient as propose_print_job_patient_task
from relyfe import keys, outbox
from relyfe.errors import Refused

EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg"}
JOB_NAME_MAX = 255


def _secret_hash(slug: str, secret: str, key: keys.Key | None = None) -> str:
    """Secrets are random and long, so a keyed hash is enough (and fast: every IPP request checks it). Keyed
    with the newest of relyfe.keys; the others still verify (printer_authenticate)."""
    return (key or keys.newest()).digest("printer-secret", f"{slug}:{secret}").hex()


def _new_secret() -> str:
    return secrets.token_urlsafe(18)


@transaction.atomic
def printer_ensure(*, owner: User, slug: str | None = None, secret: str | None = None) -> tuple[Printer, str | None]:
    """The professional's printer, made on first use; the secret is returned only when it was just made."""
    if not owner.is_professional:
        raise PermissionDenied
    printer = Printer.objects.filter(owner=owner).first()
    if printer is not None:
        return printer, None
    slug = slug or f"{slugify(owner.last_name)[:20] or 'pro'}-{secrets.token_hex(4)}"
    secret = secret or _new_secret()
    printer = Printer(owner=owner, slug=slug, name=_("ReLyfe of %(name)s") % {"name": owner.full_name})
    printer.secret_hash = _secret_hash(slug, secret)
    printer.full_clean()
    printer.save()
    return printer, secret


@transaction.atomic
def printer_rotate_secret(*, actor: User, printer: Printer, secret: str | None = None) -> str:
    """A new secret: computers set up with the old one stop printing until they get the new one."""
    if printer.owner_id != actor.pk:
        raise PermissionDenied
    secret = secret or _new_secret()
    printer.secret_hash = _secret_hash(printer.slug, secret)
    printer.secret_rotated_at = timezone.now()
    printer.save(update_fields=["secret_hash", "secret_rotated_at"])
    return secret


def printer_authenticate(*, slug: str, secret: str) -> Printer | None:
    """The printer this secret opens (a switched-off one too: IPP then says it accepts no jobs). The user
    name of HTTP Basic is not checked: computers send their own, and the secret alone is the credential."""
    printer = Printer.objects.select_related("owner").filter(slug=slug, owner__is_active=True).first()
    expected = printer.secret_hash if printer is not None else _secret_hash(slug, "")
    # Every listed key is tried, each time, so that the time taken says nothing of which one matched.
    matches = [hmac.compare_digest(expected, _secret_hash(slug, secret, key)) for key in keys.verifying()]
    if printer is None or not any(matches):
        return None
    if not matches[0]:
        # Made with an older key: kept with the newest from now on, so that removing the old key later does
        # not stop a printer that was used meanwhile.
        printer.secret_hash = _secret_hash(slug, secret)
        printer.save(update_fields=["secret_hash"])
    return printer


# --- Jobs -----------------------------------------------------------------------------------------


def _job_info(job: PrintJob) -> JobInfo:
    sizes = [document.size for document in job.documents.all()]
    return JobInfo(
        id=job.number,
        name=job.name,
        state=IppJobState(job.state),
        created_at=job.created_at,
        originating_user_name=job.user_name,
        state_message=job.state_message,
        processing_at=job.created_at,
        completed_at=job.completed_at,
        size_kbytes=(sum(sizes) + 1023) // 1024,
        document_count=len(sizes),
        accepting_documents=job.accepting_documents,
    )


class DatabaseJobStore:
    """IPP's view of one printer's jobs (printing.ipp.server.JobStore), kept in the database."""

    def __init__(self, printer: Printer):
        self.printer = printer

    def _jobs(self):
        return PrintJob.objects.filter(printer=self.printer).prefetch_related("documents")

    def create_job(self, *, job_name: str, user_name: str, document_format: str | None) -> int:
        return _job_create(printer=self.printer, name=job_name, user_name=user_name, source=JobSource.IPP).number

    def add_document(self, job_id: int, *, data: bytes, document_format: str, last: bool) -> None:
        job = self._jobs().get(number=job_id)
        # Checked as any upload, in the isolated checker: bombs refused, active content removed. A refused
        # document ends its job (aborted): the computer is told why and nothing is stored.
        try:
            upload = check_upload(ContentFile(data, name="document"))
        except UploadRefused as refusal:
            _job_close(job=job)
            status = Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR
            if refusal_status(refusal) == 413:
                status = Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
            raise IppError(status, " ".join(refusal.messages)) from None
        try:
            _document_add(job=job, data=upload.content, content_type=upload.content_type, last=last)
        except OSError as error:
            if not is_disk_full(error):
                raise
            _job_close(job=job)
            raise IppError(
                Status.SERVER_ERROR_TEMPORARY_ERROR, "The storage is full: nothing was saved. Print again later."
            ) from None

    def close_job(self, job_id: int) -> None:
        _job_close(job=self._jobs().get(number=job_id))

    def get_job(self, job_id: int) -> JobInfo | None:
        job = self._jobs().filter(number=job_id).first()
        return _job_info(job) if job is not None else None

    def list_jobs(self, *, which: str, limit: int | None, user_name: str | None = None) -> list[JobInfo]:
        jobs = self._jobs()
        terminal = [JobState.CANCELED, JobState.ABORTED, JobState.COMPLETED]
        if which == "completed":
            jobs = jobs.filter(state__in=terminal).order_by("-created_at", "-number")
        elif which == "not-completed":
            jobs = jobs.exclude(state__in=terminal).order_by("created_at", "number")
        else:
            jobs = jobs.order_by("-created_at", "-number")
        if user_name:
            jobs = jobs.filter(user_name=user_name)
        return [_job_info(job) for job in (jobs[:limit] if limit else jobs[:500])]

    def cancel_job(self, job_id: int) -> bool:
        with transaction.atomic():
            job = PrintJob.objects.select_for_update().get(printer=self.printer, number=job_id)
            if job.state in (JobState.CANCELED, JobState.ABORTED, JobState.COMPLETED):
                return False
            job.state, job.accepting_documents, job.completed_at = JobState.CANCELED, False, timezone.now()
            job.save(update_fields=["state", "accepting_documents", "completed_at"])
        _documents_delete(job)
        return True


@transaction.atomic
def _job_create(*, printer: Printer, name: str, user_name: str, source: str) -> PrintJob:
    # The printer row is the lock that numbers its jobs 1, 2, 3… without gaps or duplicates.
    Printer.objects.select_for_update().filter(pk=printer.pk).first()
    last = PrintJob.objects.filter(printer=printer).aggregate(last=Max("number"))["last"] or 0
    if not printer.is_active:
        raise IppError(Status.SERVER_ERROR_NOT_ACCEPTING_JOBS, "This printer does not accept jobs.")
    return PrintJob.objects.create(
        printer=printer, number=last + 1, name=name[:JOB_NAME_MAX], user_name=user_name[:255], source=source
    )


def _document_add(*, job: PrintJob, data: bytes, content_type: str, last: bool) -> PrintDocument:
    document = PrintDocument(job=job, content_type=content_type, extension=EXTENSIONS[content_type], size=len(data))
    document.file.save("document", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            if last:
                _job_complete(job)
    except BaseException:
        default_storage.delete(document.file.name)
        raise
    return document


def _job_complete(job: PrintJob) -> None:
    job.state, job.accepting_documents, job.completed_at = JobState.COMPLETED, False, timezone.now()
    job.save(update_fields=["state", "accepting_documents", "completed_at"])
    outbox.enqueue(propose_print_job_patient_task, job.pk)


@transaction.atomic
def _job_close(*, job: PrintJob) -> None:
    if job.documents.exists():
        _job_complete(job)
    else:
        job.state, job.accepting_documents, job.completed_at = JobState.ABORTED, False, timezone.now()
        job.state_message = "No document was sent."
        job.save(update_fields=["state", "accepting_documents", "completed_at", "state_message"])


def _documents_delete(job: PrintJob) -> None:
    for document in job.documents.all():
        default_storage.delete(document.file.name)
    job.documents.all().delete()


def print_job_receive(*, actor: User, name: str, data: bytes) -> PrintJob:
    """A document sent by the HTTP API (for software vendors): a job of one document, at once complete."""
    printer, _secret = printer_ensure(owner=actor)
    if not printer.is_active:
        raise Refused("printer_off", _("Your printer is switched off: it accepts no documents."))
    try:
        upload = check_upload(ContentFile(data, name="document"))
    except ValidationError as refused:
        raise ValidationError({"file": refused.error_list}) from refused  # the API's field: the document
    if upload.content_type not in EXTENSIONS:
        raise ValidationError({"file": ValidationError(_("Send a PDF or a JPEG."), code="type_not_allowed")})
    with transaction.atomic():
        job = _job_create(printer=printer, name=name, user_name=actor.full_name, source=JobSource.API)
        _document_add(job=job, data=upload.content, content_type=upload.content_type, last=True)
    return job


# --- The inbox ------------------------------------------------------------------------------------


def _own_job(actor: User, job: PrintJob) -> None:
    if job.printer.owner_id != actor.pk:
        raise PermissionDenied


def print_job_assign(*, actor: User, job: PrintJob, patient: User, title: str = "", request=None):
    """The job becomes a prescription of the patient, written by the professional: reading it starts and
    the patient is told, as for any record a professional adds. Needs the right to add to the file."""
    _own_job(actor, job)
    with transaction.atomic():
        locked = PrintJob.objects.select_for_update().get(pk=job.pk)
        if locked.assigned_at is not None or locked.dismissed_at is not None or locked.state != JobState.COMPLETED:
            raise ValidationError(_("This document is no longer in your inbox."), code="not_in_inbox")
        uploads = [
            check_upload(ContentFile(document.file.open("rb").read(), name=f"{job.file_stem}{document.extension}"))
            for document in job.documents.all()
        ]
        record = records.health_record_create(
            actor=actor,
            patient=patient,
            kind=RecordKind.PRESCRIPTION,
            title=(title or job.name or _("Prescription"))[:200],
            clinical_date=timezone.localdate(job.created_at),
            uploads=uploads,
            request=request,
        )
        locked.record, locked.assigned_at = record, timezone.now()
        locked.save(update_fields=["record", "assigned_at"])
        transaction.on_commit(lambda: _documents_delete(locked))
    return record


@transaction.atomic
def print_job_dismiss(*, actor: User, job: PrintJob) -> PrintJob:
    """Out of the inbox, and its documents deleted: a page printed by mistake."""
    _own_job(actor, job)
    locked = PrintJob.objects.select_for_update().get(pk=job.pk)
    if locked.assigned_at is not None or locked.dismissed_at is not None:
        raise ValidationError(_("This document is no longer in your inbox."), code="not_in_inbox")
    locked.dismissed_at = timezone.now()
    locked.save(update_fields=["dismissed_at"])
    transaction.on_commit(lambda: _documents_delete(locked))
    return locked


def print_job_set_proposal(*, job: PrintJob, patient: User | None, reason: str, evidence: dict | None = None) -> None:
    """Stores the patient the document names, the reason code, and the evidence: {"page", "lines"}."""
    PrintJob.objects.filter(pk=job.pk, assigned_at__isnull=True).update(
        proposed_patient=patient, proposal_reason=reason, proposal_evidence=evidence or {}
    )
