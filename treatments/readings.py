"""Reading prescriptions: a file is read by a worker after upload, its medications are proposed, and a
person confirms them (corrected) into a treatment. Nothing is created without that confirmation."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from access import policy
from access.policy import Action
from health_records.models import HealthRecord, RecordKind
from relyfe import outbox
from treatments import safety_checks, selectors, services
from treatments.models import Moment, PrescriptionReading
from treatments.safety import Candidate, SafetyWarning, check_for_patient
from treatments.tasks import read_prescription as read_prescription_task

logger = logging.getLogger(__name__)

READABLE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}


def readings_start(*, record: HealthRecord, record_files=None) -> list[PrescriptionReading]:
    """Queues the reading of a prescription's files (called in the transaction that stores them)."""
    if record.kind != RecordKind.PRESCRIPTION:
        return []
    files = record_files if record_files is not None else record.files.all()
    readings = [
        PrescriptionReading.objects.get_or_create(record=record, record_file=record_file)[0]
        for record_file in files
        if record_file.content_type in READABLE_TYPES
    ]
    for reading in readings:
        _queue(reading)
    return readings


def readings_start_on_stored_files(sender, *, record: HealthRecord, record_files, **kwargs) -> None:
    """Receiver of health_records' `record_files_stored` (connected in TreatmentsConfig.ready): a
    prescription's new files are read, as soon as the transaction that stores them commits."""
    readings_start(record=record, record_files=record_files)


def _queue(reading: PrescriptionReading):
    outbox.enqueue(read_prescription_task, reading.pk)


@transaction.atomic
def reading_restart(*, actor, reading: PrescriptionReading) -> PrescriptionReading:
    """Reads a file again, after a failure (or a change of engine)."""
    policy.require(actor, Action.CREATE, reading.record.patient, record=reading.record)
    if reading.status == PrescriptionReading.Status.CONFIRMED:
        raise ValidationError(_("This prescription was confirmed already."), code="confirmed")
    PrescriptionReading.objects.filter(pk=reading.pk).update(
        status=PrescriptionReading.Status.QUEUED,
        progress=0,
        error="",
        result={},
        eprescription_id="",
        queued_at=timezone.now(),
        attempts=0,
        started_at=None,
    )
    reading.refresh_from_db()
    _queue(reading)
    return reading


def _set(reading_id: int, **fields):
    # Only a reading still at work: a second run of the same task (a message delivered twice, or queued
    # again by the sweeper while the first run was slow) never overwrites a result, nor a confirmation.
    PrescriptionReading.objects.filter(pk=reading_id, status__in=WORKING).update(**fields)


WORKING = [PrescriptionReading.Status.QUEUED, PrescriptionReading.Status.READING]


def readings_sweep(now: datetime.datetime) -> None:
    """Registered with the outbox's sweeper: a reading whose task was lost is sent again, or marked failed after
    too many runs that never finished (outbox.resend_stuck); the record page then offers to try again."""
    outbox.resend_stuck(
        PrescriptionReading.objects.filter(status__in=WORKING),
        now=now,
        task=read_prescription_task,
        requeue={"status": PrescriptionReading.Status.QUEUED, "progress": 0},
        give_up=_not_read_in_time,
        what="Reading",
    )


def _not_read_in_time(reading_id: int) -> None:
    _set(
        reading_id,
        status=PrescriptionReading.Status.FAILED,
        finished_at=timezone.now(),
        error=_("ReLyfe could not read this document in time. Try again, or add the medications by hand."),
    )


def reading_run(*, reading_id: int) -> None:
    """The worker's part: safe to run twice (a finished reading is left as it is, and of two runs at
    once, only the first to finish writes its result)."""
    from documents.photo_quality import read_document_checked
    from documents.text import UnreadableDocument
    from treatments.extraction.rereading import proposal

    reading = PrescriptionReading.objects.select_related("record_file").filter(pk=reading_id).first()
    if reading is None or not reading.is_working:
        return
    working = PrescriptionReading.objects.filter(pk=reading_id, status__in=WORKING)
    if not outbox.run_started(working, attempts="attempts", started_at="started_at"):
        # Started that many times and never finished: a document that kills the worker is not read again.
        logger.warning("Reading %s failed: its runs never finished", reading_id)
        _not_read_in_time(reading_id)
        return
    _set(reading_id, status=PrescriptionReading.Status.READING, progress=5)
    with reading.record_file.file.open("rb") as stored:
        content = stored.read()

    def progress(done: int, total: int):
        _set(reading_id, progress=min(90, 5 + int(85 * done / max(total, 1))))

    try:
        document = read_document_checked(content, reading.record_file.content_type, progress=progress)
        result = proposal(document, file=reading.record_file.original_name)
    except UnreadableDocument as unreadable:
        _set(
            reading_id,
            status=PrescriptionReading.Status.FAILED,
            error=str(unreadable)[:300],
            finished_at=timezone.now(),
        )
        return
    except Exception:
        # Ids only in the log: never the prescription's content.
        logger.exception("Reading %s failed", reading_id)
        _set(
            reading_id,
            status=PrescriptionReading.Status.FAILED,
            finished_at=timezone.now(),
            error=_("ReLyfe could not read this document. Add the medications by hand, or try another photo."),
        )
        return
    eprescription_id = _eprescription_id(reading_id, content, reading.record_file.content_type)
    _set(
        reading_id,
        status=PrescriptionReading.Status.READY,
        progress=100,
        result=result,
        eprescription_id=eprescription_id,
        engine=document.engine,
        finished_at=timezone.now(),
    )


class EprescriptionConfirmed(ValidationError):
    """The e-prescription (the same identifier in its QR code) is already a treatment of the patient's, from
    another upload: confirming it again would double every reminder. The treatment is named, and its public id
    goes into the API's error body as `treatment`, only when the actor may see it."""

    code = "eprescription_confirmed"

    def __init__(self, treatment, *, shown: bool):
        self.treatment = treatment if shown else None
        self.extra = {"treatment": str(treatment.public_id)} if shown else {}
        if shown:
            sentence = _(
                "This e-prescription was already confirmed on %(date)s as the treatment “%(title)s”: it is not "
                "created twice. Open that treatment to change it."
            ) % {"date": date_format(timezone.localtime(treatment.created_at), "j F Y"), "title": treatment.title}
        else:
            sentence = _("This e-prescription is already a treatment in this patient's file: it is not created twice.")
        super().__init__(sentence, code=self.code)


def _eprescription_id(reading_id: int, content: bytes, content_type: str) -> str:
    """The identifier of the prescription's QR code, or "". Looking for it never costs the reading its
    medications: on an error the reading goes on without it (and the log has the id only, never the code)."""
    from documents.eprescription import identifier_in

    try:
        return identifier_in(content, content_type) or ""
    except Exception:
        logger.exception("Reading %s: the e-prescription code could not be looked for", reading_id)
        return ""


MEDICATION_VALUES = [
    "name",
    "dose",
    "dose_unit",
    "morning",
    "noon",
    "evening",
    "bedtime",
    "as_needed",
    "instructions",
    "renewals",
    "zone",
]


@transaction.atomic
def reading_confirm(
    *,
    actor,
    reading: PrescriptionReading,
    title: str,
    start_date: datetime.date,
    prescriber_name: str,
    medications: list[dict],
    safety_reason: str = "",
    request=None,
):
    """Creates the treatment from what the person reviewed (their corrections, removals and additions).
    The medications are checked for safety together first: a professional confirms the blocking warnings
    of any of them with `safety_reason` (one reason for all), or nothing is created."""
    if reading.eprescription_id:
        # The copies of one e-prescription are confirmed one at a time (locked in one order, before the reading
        # itself): the second to come waits, then finds the first's treatment and is refused.
        copies = PrescriptionReading.objects.filter(
            record__patient=reading.record.patient_id, eprescription_id=reading.eprescription_id
        )
        list(copies.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    reading = PrescriptionReading.objects.select_for_update().get(pk=reading.pk)
    record = reading.record
    if reading.status != PrescriptionReading.Status.READY:
        raise ValidationError(_("This prescription is not ready to confirm."), code="not_ready")
    if not medications:
        raise ValidationError(_("Keep or add at least one medication."), code="empty")
    access = policy.require(actor, Action.CREATE, record.patient, record=record)
    earlier = selectors.eprescription_treatment(reading)
    if earlier is not None:
        raise EprescriptionConfirmed(
            earlier, shown=bool(policy.decide(actor, Action.VIEW, record.patient, treatment=earlier))
        )
    blocking = [
        warning
        for warnings in proposal_warnings(record.patient, medications).values()
        for warning in warnings
        if warning.blocking
    ]
    safety_checks.require_confirmation(
        access=access, blocking=blocking, reason=safety_checks.clean_reason(safety_reason)
    )
    treatment = services.treatment_create(
        actor=actor,
        patient=record.patient,
        title=title,
        start_date=start_date,
        prescription=record,
        prescriber_name=prescriber_name,
        eprescription_id=reading.eprescription_id,
        request=request,
    )
    for values in medications:
        duration, renewals = values.pop("duration_days", None), values.get("renewals") or 0
        values["start_date"] = start_date
        values["end_date"] = planned_end(start_date, [covered_days(duration, renewals)])
        values.update(renewals=renewals, supply_days=duration if renewals else None)
        services.medication_add(
            actor=actor, treatment=treatment, values=values, safety_reason=safety_reason, request=request
        )
    # With its end date past, the treatment reads "finished" from now on (see `Treatment.status_on`).
    ends = [medication.end_date for medication in treatment.medications.all()]
    if ends and all(ends):
        treatment.end_date = max(ends)
        treatment.save(update_fields=["end_date"])
    reading.status, reading.confirmed_at, reading.confirmed_by = (
        PrescriptionReading.Status.CONFIRMED,
        timezone.now(),
        actor,
    )
    reading.treatment = treatment
    reading.save(update_fields=["status", "confirmed_at", "confirmed_by", "treatment"])
    return treatment


def covered_days(duration: int | None, renewals: int) -> int | None:
    """The days a prescription covers: "QSP 1 mois, à renouveler 2 fois" is one month dispensed three times."""
    return duration * (renewals + 1) if duration else None


def planned_end(start_date: datetime.date, durations: list[int | None]) -> datetime.date | None:
    """The last day of medications taken for these many days from `start_date` (None when one has no end)."""
    if not durations or not all(durations):
        return None
    return start_date + datetime.timedelta(days=max(durations) - 1)


def proposal_lines(reading: PrescriptionReading) -> list[dict]:
    """The proposed medications as the review form's initial values."""
    lines = []
    for medication in reading.result.get("medications", []):
        periods = medication.get("periods") or []
        lines.append(
            {
                "name": medication.get("name", ""),
                "dose": medication.get("dose") or 1,
                "dose_unit": medication.get("unit") or "comprimé",
                **{moment: moment in periods for moment in Moment.values},
                "duration_days": medication.get("duration_days"),
                "renewals": medication.get("renewals") or 0,
                "as_needed": bool(medication.get("as_needed")),
                "instructions": medication.get("instructions", ""),
                "confidence": medication.get("confidence", 0),
                "source_line": medication.get("source_line", ""),
                "hard_lines": medication.get("hard_lines", []),
                "zone": medication.get("zone", ""),
            }
        )
    return lines


def proposal_warnings(patient, medications: list[dict]) -> dict[str, list[SafetyWarning]]:
    """The safety warnings of medications proposed together (a reading's lines, as `reading_confirm` takes
    them), by their index as a string: one check for all, among themselves and against the patient's
    current medications. Each line is completed from the drug lexicon as `medication_add` will."""
    candidates = [
        Candidate.from_values(services.complete_from_lexicon(dict(values)), ref=str(index))
        for index, values in enumerate(medications)
    ]
    return check_for_patient(patient, candidates) if candidates else {}
