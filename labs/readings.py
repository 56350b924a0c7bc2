"""Reading lab reports: a lab result's file is read by a worker after upload, its values are proposed, and a
person confirms them (corrected) into observations (labs.services.lab_reading_confirm). Nothing is kept as an
observation without that confirmation.

The same flow as treatments.readings for prescriptions, which labs may not import (both sit in one layer)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Action
from health_records.models import HealthRecord, RecordKind
from labs import analytes
from labs.models import LabReading
from labs.tasks import read_lab_report as read_lab_report_task
from relyfe import outbox

logger = logging.getLogger(__name__)

READABLE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
WORKING = [LabReading.Status.QUEUED, LabReading.Status.READING]
# Below this, a value the reader proposes is marked for the person to check.
LOW_CONFIDENCE = 0.8


def readings_start(*, record: HealthRecord, record_files=None) -> list[LabReading]:
    """Queues the reading of a lab result's files (called in the transaction that stores them)."""
    if record.kind != RecordKind.LAB_RESULT:
        return []
    files = record_files if record_files is not None else record.files.all()
    readings = [
        LabReading.objects.get_or_create(record=record, record_file=record_file)[0]
        for record_file in files
        if record_file.content_type in READABLE_TYPES
    ]
    for reading in readings:
        _queue(reading)
    return readings


def readings_start_on_stored_files(sender, *, record: HealthRecord, record_files, **kwargs) -> None:
    """Receiver of health_records' `record_files_stored` (connected in LabsConfig.ready): a lab result's new
    files are read, as soon as the transaction that stores them commits."""
    readings_start(record=record, record_files=record_files)


def _queue(reading: LabReading) -> None:
    outbox.enqueue(read_lab_report_task, reading.pk)


@transaction.atomic
def reading_restart(*, actor, reading: LabReading) -> LabReading:
    """Reads a file again, after a failure."""
    policy.require(actor, Action.CREATE, reading.record.patient, record=reading.record)
    if reading.status == LabReading.Status.CONFIRMED:
        raise ValidationError(_("These lab results were confirmed already."), code="confirmed")
    LabReading.objects.filter(pk=reading.pk).update(
        status=LabReading.Status.QUEUED,
        progress=0,
        error="",
        result={},
        queued_at=timezone.now(),
        attempts=0,
        started_at=None,
        finished_at=None,
    )
    reading.refresh_from_db()
    _queue(reading)
    return reading


def _set(reading_id: int, **fields) -> None:
    # Only a reading still at work: a second run of the same task (a message delivered twice, or queued again
    # by the sweeper while the first run was slow) never overwrites a result, nor a confirmation.
    LabReading.objects.filter(pk=reading_id, status__in=WORKING).update(**fields)


def readings_sweep(now: datetime.datetime) -> None:
    """Registered with the outbox's sweeper: a reading whose task was lost is sent again, or marked failed after
    too many runs that never finished (outbox.resend_stuck); the record page then offers to try again."""
    outbox.resend_stuck(
        LabReading.objects.filter(status__in=WORKING),
        now=now,
        task=read_lab_report_task,
        requeue={"status": LabReading.Status.QUEUED, "progress": 0},
        give_up=_not_read_in_time,
        what="Lab reading",
    )


def _not_read_in_time(reading_id: int) -> None:
    _set(
        reading_id,
        status=LabReading.Status.FAILED,
        finished_at=timezone.now(),
        error=_("ReLyfe could not read this report in time. Try again, or enter the values by hand."),
    )


def reading_run(*, reading_id: int) -> None:
    """The worker's part: safe to run twice (a finished reading is left as it is, and of two runs at once, only
    the first to finish writes its result). Nothing of the document is logged: ids only."""
    from documents.photo_quality import read_document_checked
    from documents.text import UnreadableDocument

    reading = LabReading.objects.select_related("record_file").filter(pk=reading_id).first()
    if reading is None or not reading.is_working:
        return
    working = LabReading.objects.filter(pk=reading_id, status__in=WORKING)
    if not outbox.run_started(working, attempts="attempts", started_at="started_at"):
        # Started that many times and never finished: a document that kills the worker is not read again.
        logger.warning("Lab reading %s failed: its runs never finished", reading_id)
        _not_read_in_time(reading_id)
        return
    _set(reading_id, status=LabReading.Status.READING, progress=5)

    def progress(done: int, total: int) -> None:
        _set(reading_id, progress=min(90, 5 + int(85 * done / max(total, 1))))

    try:
        with reading.record_file.file.open("rb") as stored:
            content = stored.read()
        document = read_document_checked(content, reading.record_file.content_type, progress=progress)
        # The reader of lab reports is imported only here, where a worker needs it.
        from labs.extraction.parser import as_json, extract

        result = as_json(extract(document), file=reading.record_file.original_name, engine=document.engine)
    except UnreadableDocument as unreadable:
        _set(reading_id, status=LabReading.Status.FAILED, error=str(unreadable)[:300], finished_at=timezone.now())
        return
    except Exception:
        logger.exception("Lab reading %s failed", reading_id)
        _set(
            reading_id,
            status=LabReading.Status.FAILED,
            finished_at=timezone.now(),
            error=_("ReLyfe could not read this report. Enter the values by hand, or try another photo or scan."),
        )
        return
    _set(
        reading_id,
        status=LabReading.Status.READY,
        progress=100,
        result=result,
        engine=document.engine,
        finished_at=timezone.now(),
    )


def proposal_values(reading: LabReading) -> list[dict]:
    """The proposed observations as the review's initial values: one dict a row, with what the review shows
    beside them (the source line, whether the row or which of its fields are doubtful)."""
    rows = []
    for proposed in reading.result.get("observations") or []:
        analyte = analytes.get(proposed.get("loinc") or "")
        confidence = proposed.get("confidence") or {}
        unsure = sorted(
            name for name, value in confidence.items() if isinstance(value, int | float) and value < LOW_CONFIDENCE
        )
        rows.append(
            {
                "loinc": analyte.loinc if analyte else "",
                "label": proposed.get("label") or (analyte.name if analyte else ""),
                "comparator": proposed.get("comparator") or "",
                "value": _decimal_text(proposed.get("value")),
                "unit": proposed.get("unit") or "",
                "reference_low": _decimal_text(proposed.get("reference_low")),
                "reference_high": _decimal_text(proposed.get("reference_high")),
                "flag": proposed.get("flag") or "",  # none printed: derived from the range
                "source_line": (proposed.get("line") or "")[:500],
                "doubtful": bool(proposed.get("doubtful")),
                "unsure": unsure,
            }
        )
    return rows


def _decimal_text(value) -> str:
    """A proposed number as a French reader types it ("6,8"); "" for none."""
    return "" if value in (None, "") else str(value).replace(".", ",")


def proposal_report(reading: LabReading) -> dict:
    """The report's sample date and laboratory as proposed, with whether each is doubtful."""
    result = reading.result
    sampled_on = result.get("sampled_on") or {}
    laboratory = result.get("laboratory") or {}
    try:
        date = datetime.date.fromisoformat(sampled_on.get("value") or "")
    except ValueError:
        date = None
    return {
        "sampled_on": date,
        "sampled_on_line": sampled_on.get("line") or "",
        "sampled_on_unsure": date is None or (sampled_on.get("confidence") or 0) < LOW_CONFIDENCE,
        "laboratory": laboratory.get("value") or "",
        "laboratory_line": laboratory.get("line") or "",
        "laboratory_unsure": bool(laboratory.get("value")) and (laboratory.get("confidence") or 0) < LOW_CONFIDENCE,
    }
