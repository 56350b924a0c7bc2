"""Importing a FHIR Bundle: the patient uploads it, a worker reads it into a proposal, the patient reviews
and confirms it. The confirmation creates the records, treatments and allergies through the services that
create them by hand (which check the policy and write the access events): nothing else writes them.

Only the patient imports into their own file: nobody else reaches a job, not even to learn that it exists.
"""

import datetime
import io
import logging
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.uploads import UploadRefused, check_upload
from health_records import services as records
from health_records.models import HealthRecord, RecordKind
from portability import fhir_read
from portability.import_models import ImportFile, ImportJob
from portability.import_tasks import import_read as import_read_task
from relyfe import outbox
from relyfe.errors import Concealed
from sharing import services as sharing
from treatments import services as treatments
from treatments.models import Moment

logger = logging.getLogger(__name__)

WORKING = [ImportJob.Status.UPLOADED, ImportJob.Status.READING]


def _require_patient(actor, patient=None) -> None:
    """A patient imports into their own file; anyone else is told nothing exists (a 404)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_patient:
        raise Concealed
    if patient is not None and patient.pk != actor.pk:
        raise Concealed


def import_job_create(*, actor, uploaded, request=None) -> ImportJob:
    """Keeps the uploaded file (checked for size and, for a ZIP, its directory) and queues its reading."""
    _require_patient(actor)
    bounds = fhir_read.limits()
    content = _read_at_most(uploaded, bounds.max_bytes + 1)
    fhir_read.check_container(content, bounds=bounds)
    job = ImportJob(
        patient=actor, uploaded_by=actor, original_name=(getattr(uploaded, "name", "") or "")[:255], size=len(content)
    )
    with transaction.atomic():
        job.file.save("upload", ContentFile(content), save=False)
        try:
            job.save()
            outbox.enqueue(import_read_task, job.pk)
        except BaseException:
            job.file.delete(save=False)
            raise
    return job


def _read_at_most(uploaded, limit: int) -> bytes:
    if getattr(uploaded, "seekable", lambda: False)():
        uploaded.seek(0)
    chunks, remaining = [], limit
    while remaining > 0:
        chunk = uploaded.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _set(job_id: int, **fields) -> None:
    # Only a job still at work: a second run of the task never overwrites a proposal or a confirmation.
    ImportJob.objects.filter(pk=job_id, status__in=WORKING).update(**fields)


def import_job_run(*, job_id: int) -> None:
    """The worker's part: safe to run twice (a job read already is left as it is)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not job.is_working:
        return
    working = ImportJob.objects.filter(pk=job_id, status__in=WORKING)
    if not outbox.run_started(working, attempts="attempts", started_at="started_at"):
        logger.warning("Import %s failed: its runs never finished", job_id)
        _not_read_in_time(job_id)
        return
    _set(job_id, status=ImportJob.Status.READING, progress=5)
    _files_forget(list(job.files.all()))
    try:
        with job.file.open("rb") as stored:
            content = stored.read()
        reading = fhir_read.read_upload(content)
        _set(job_id, progress=30)
        proposal = _proposal(job, reading)
    except fhir_read.ImportRefused as refused:
        _set(job_id, status=ImportJob.Status.FAILED, error=" ".join(refused.messages)[:300], finished_at=timezone.now())
        return
    except Exception:
        # Ids only in the log: never the file's content.
        logger.exception("Import %s failed", job_id)
        _set(
            job_id,
            status=ImportJob.Status.FAILED,
            error=_("ReLyfe could not read this file. Check that it is a FHIR Bundle and try again."),
            finished_at=timezone.now(),
        )
        return
    _set(job_id, status=ImportJob.Status.READY, progress=100, proposal=proposal, finished_at=timezone.now())


def _not_read_in_time(job_id: int) -> None:
    _set(
        job_id,
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        error=_("ReLyfe could not read this file in time. Try again with a smaller export."),
    )


def _proposal(job: ImportJob, reading: fhir_read.Reading) -> dict:
    """The reading as the review shows it: each file checked and kept, duplicates and allergies already
    in the file marked, and every item chosen unless it is a duplicate."""
    total = sum(len(attachments) for attachments in reading.attachments.values()) or 1
    done = 0
    for record in reading.records:
        for attachment in reading.attachments.get(record["key"], []):
            _check_and_keep(job, record, attachment)
            done += 1
            _set(job.pk, progress=30 + int(60 * done / total))
        record["duplicate"] = _is_duplicate(job.patient, record)
        record["selected"] = not record["duplicate"]
    for treatment in reading.treatments:
        treatment["selected"] = True
    known = _known_allergies(job.patient)
    allergies = [
        allergy for allergy in reading.allergies if not any(allergy["substance"].casefold() in line for line in known)
    ]
    for allergy in allergies:
        allergy["selected"] = True
    return {
        "records": reading.records,
        "treatments": reading.treatments,
        "allergies": allergies,
        "ignored": reading.ignored,
        "ignored_total": sum(reading.ignored.values()),
    }


def _check_and_keep(job: ImportJob, record: dict, attachment: fhir_read.Attachment) -> None:
    try:
        checked = check_upload(io.BytesIO(attachment.content or b""), name=attachment.name)
    except UploadRefused as refused:
        record.setdefault("refused_files", []).append({"name": attachment.name, "reason": " ".join(refused.messages)})
        return
    kept = ImportFile(
        job=job,
        record_key=record["key"],
        original_name=checked.display_name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        width=checked.width,
        height=checked.height,
        page_count=checked.page_count,
    )
    kept.file.save("import", ContentFile(checked.content), save=False)
    kept.save()
    record["files"].append({"name": checked.display_name, "content_type": checked.content_type, "size": checked.size})


def _is_duplicate(patient, record: dict) -> bool:
    return (
        HealthRecord.objects.active()
        .filter(patient=patient, kind=record["kind"], clinical_date=record["date"], title__iexact=record["title"])
        .exists()
    )


def _known_allergies(patient) -> set[str]:
    profile = sharing.emergency_profile_ensure(patient=patient)
    return {line.strip().casefold() for line in profile.allergies.splitlines() if line.strip()}


# --- Confirmation ----------------------------------------------------------------------------------------

RECORD_EDITS = {"selected", "title", "date", "kind"}
TREATMENT_EDITS = {"selected", "title"}
MEDICATION_EDITS = {"name", *Moment.values}


def proposal_with_edits(proposal: dict, edits: dict[str, dict]) -> dict:
    """The proposal with the review's choices applied (only the fields the review may change)."""

    def edited(item: dict, allowed: set[str]) -> dict:
        return item | {name: value for name, value in edits.get(item["key"], {}).items() if name in allowed}

    return {
        **proposal,
        "records": [edited(record, RECORD_EDITS) for record in proposal.get("records", [])],
        "treatments": [
            edited(treatment, TREATMENT_EDITS)
            | {"medications": [edited(line, MEDICATION_EDITS) for line in treatment["medications"]]}
            for treatment in proposal.get("treatments", [])
        ],
        "allergies": [edited(allergy, {"selected"}) for allergy in proposal.get("allergies", [])],
    }


def import_job_confirm(*, actor, job: ImportJob, edits: dict[str, dict], request=None) -> dict:
    """Creates what the patient kept, in one transaction; a second confirmation changes nothing."""
    _require_patient(actor, job.patient)
    created_files: list[str] = []
    try:
        with transaction.atomic():
            return _confirm(actor, job, edits, created_files, request)
    except BaseException:
        # The records' files reached the storage before the transaction that was rolled back.
        storage = ImportFile._meta.get_field("file").storage
        for name in created_files:
            storage.delete(name)
        raise


def _confirm(actor, job: ImportJob, edits: dict[str, dict], created_files: list[str], request) -> dict:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.CONFIRMED:
        return job.counts
    if job.status != ImportJob.Status.READY:
        raise ValidationError(_("This import is not ready to confirm."), code="not_ready")
    proposal = proposal_with_edits(job.proposal, edits)
    counts = {"records": 0, "treatments": 0, "medications": 0, "allergies": 0}
    kept_files = list(job.files.all())
    for record in proposal["records"]:
        if record.get("selected"):
            files = [each for each in kept_files if each.record_key == record["key"]]
            created = _record_create(actor, job, record, files, request)
            created_files.extend(each.file.name for each in created.files.all())
            counts["records"] += 1
    for treatment in proposal["treatments"]:
        if treatment.get("selected"):
            counts["medications"] += _treatment_create(actor, treatment, request)
            counts["treatments"] += 1
    counts["allergies"] = _allergies_add(
        actor, [allergy["text"] for allergy in proposal["allergies"] if allergy.get("selected")], request
    )
    job.status, job.confirmed_at, job.counts, job.progress = ImportJob.Status.CONFIRMED, timezone.now(), counts, 100
    upload_name = job.file.name
    job.file = ""
    job.save(update_fields=["status", "confirmed_at", "counts", "progress", "file"])
    _files_forget(kept_files, also=[upload_name])
    return counts


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _record_create(actor, job: ImportJob, record: dict, kept: list[ImportFile], request) -> HealthRecord:
    kind = record["kind"] if record["kind"] in RecordKind.values else RecordKind.OTHER
    return records.health_record_create(
        actor=actor,
        patient=job.patient,
        kind=kind,
        title=str(record["title"])[:200],
        clinical_date=_as_date(record["date"]),
        description=record.get("description", ""),
        uploads=[records.staged_upload_checked(each) for each in kept],
        request=request,
    )


def _treatment_create(actor, treatment: dict, request) -> int:
    lines = treatment["medications"]
    starts = [_as_date(line["start_date"]) for line in lines]
    ends = [_as_date(line["end_date"]) if line.get("end_date") else None for line in lines]
    created = treatments.treatment_create(
        actor=actor,
        patient=actor,
        title=str(treatment["title"])[:200],
        start_date=min(starts),
        end_date=max(ends) if all(ends) else None,  # type: ignore[type-var]
        prescriber_name=treatment.get("prescriber_name", ""),
        eprescription_id=treatment.get("eprescription_id", ""),
        request=request,
    )
    for line, start, end in zip(lines, starts, ends, strict=True):
        values = {
            "name": str(line["name"])[:200],
            "cis": line.get("cis", ""),
            "dose": Decimal(str(line.get("dose") or 1)),
            "dose_unit": line.get("dose_unit") or "comprimé",
            **{moment: bool(line.get(moment)) for moment in Moment.values},
            "times": line.get("times") or [],
            "weekdays": line.get("weekdays") or [],
            "start_date": start,
            "end_date": end,
            "as_needed": bool(line.get("as_needed")),
            "instructions": line.get("instructions", ""),
        }
        try:
            treatments.medication_add(actor=actor, treatment=created, values=values, request=request)
        except ValidationError as error:
            raise ValidationError(
                _("%(name)s: %(error)s") % {"name": values["name"], "error": " ".join(error.messages)},
                code="medication",
            ) from error
    return len(lines)


def _allergies_add(actor, texts: list[str], request) -> int:
    profile = sharing.emergency_profile_ensure(patient=actor)
    known = {line.strip().casefold() for line in profile.allergies.splitlines() if line.strip()}
    new = [text for text in dict.fromkeys(texts) if text.strip().casefold() not in known]
    if not new:
        return 0
    allergies = "\n".join(line for line in [profile.allergies.rstrip(), *new] if line)
    sharing.emergency_profile_update(
        actor=actor,
        profile=profile,
        fields={"allergies": allergies},
        visible_sections=profile.visible_sections,
        request=request,
    )
    return len(new)


# --- Cancelling and cleaning ------------------------------------------------------------------------------


def import_job_cancel(*, actor, job: ImportJob) -> None:
    """Discards a job that is not confirmed, with its uploaded file and the files read from it."""
    _require_patient(actor, job.patient)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.CONFIRMED:
            raise ValidationError(_("This import is done: its records are in your file."), code="confirmed")
        kept = list(job.files.all())
        upload_name = job.file.name
        job.delete()
        _files_forget(kept, also=[upload_name], rows_deleted=True)


def _files_forget(kept: list[ImportFile], *, also: Sequence[str] = (), rows_deleted: bool = False) -> None:
    """Deletes kept files (rows now, bytes once the transaction commits)."""
    names = [each.file.name for each in kept] + [name for name in also if name]
    if not rows_deleted:
        ImportFile.objects.filter(pk__in=[each.pk for each in kept]).delete()
    storage = ImportFile._meta.get_field("file").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def imports_sweep(now: datetime.datetime) -> None:
    """Registered with the outbox's sweeper: a job whose task was lost is sent again, or marked failed after too
    many runs that never finished (outbox.resend_stuck)."""
    outbox.resend_stuck(
        ImportJob.objects.filter(status__in=WORKING),
        now=now,
        task=import_read_task,
        requeue={"status": ImportJob.Status.UPLOADED, "progress": 0},
        give_up=_not_read_in_time,
        what="Import",
    )
