"""Writes of treatments: treatments and their medications (by the patient, or a professional whose grant
lets them add to the file), dose answers, reminder settings. Each checks the policy, writes the access
event, and tells the patient when someone else changed their treatment."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.models import AccessPath
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records.models import RecordKind
from notifications.services import notify_patient_of_change
from relyfe.errors import Concealed
from treatments import lexicon, safety_checks, selectors
from treatments.models import Intake, Medication, Moment, ReminderSettings, Treatment, TreatmentStatus

MEDICATION_FIELDS = [
    "name",
    "substance",
    "cis",
    "strength",
    "form",
    "dose",
    "dose_unit",
    "morning",
    "noon",
    "evening",
    "bedtime",
    "times",
    "weekdays",
    "start_date",
    "end_date",
    "as_needed",
    "instructions",
    "renewals",
    "supply_days",
    "pack_size",
    "zone",
]


def _changed(*, actor, treatment, object_type, object_id, action, access, request, text):
    """Every change is in the access log; the patient hears of the changes someone else makes."""
    audit.record(
        actor=actor,
        patient=treatment.patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access=access,
        request=request,
    )
    notify_patient_of_change(
        actor=actor, patient=treatment.patient, text=text, url=reverse("treatments:detail", args=[treatment.public_id])
    )


def reminder_settings_ensure(*, patient) -> ReminderSettings:
    """Creates the patient's reminder settings (the defaults) if they have none: a patient with a treatment
    has them, so the reminders find their moments of the day."""
    return ReminderSettings.objects.get_or_create(patient=patient)[0]


@transaction.atomic
def treatment_create(
    *,
    actor,
    patient,
    title,
    start_date,
    end_date=None,
    prescription=None,
    prescriber=None,
    prescriber_name="",
    eprescription_id="",
    request=None,
) -> Treatment:
    # A new treatment is judged by its prescription: the professional's authorship does not count before it exists.
    access = policy.require(
        actor, Action.CREATE, patient, treatment=Treatment(patient=patient, prescription=prescription)
    )
    if prescription is not None and (
        prescription.patient_id != patient.pk or prescription.kind != RecordKind.PRESCRIPTION
    ):
        raise ValidationError(_("A treatment comes from one of the patient's prescriptions."), code="prescription")
    if prescriber is None and actor.is_professional:
        prescriber = actor
    treatment = Treatment(
        patient=patient,
        title=title,
        start_date=start_date,
        end_date=end_date,
        prescription=prescription,
        prescriber=prescriber,
        prescriber_name=prescriber_name,
        eprescription_id=eprescription_id,
        created_by=actor,
    )
    treatment.full_clean()
    treatment.save()
    reminder_settings_ensure(patient=patient)
    _changed(
        actor=actor,
        treatment=treatment,
        object_type=ObjectType.TREATMENT,
        object_id=treatment.public_id,
        action=AuditAction.CREATE,
        access=access,
        request=request,
        text=gettext_noop("%(name)s added a treatment to your file."),
    )
    return treatment


def complete_from_lexicon(values: dict) -> dict:
    """Fills substance, CIS code, strength and form from the drug reference when the name is one of its."""
    if values.get("cis"):
        drug = lexicon.get(values["cis"])
    else:
        match = lexicon.best_match(values.get("name", ""))
        drug = match[0] if match and match[1] >= 0.9 else None
    if drug is None:
        return values
    completed = dict(values)
    completed["cis"] = drug.cis
    for field, value in (("substance", drug.substances), ("strength", drug.strength), ("form", drug.form)):
        if not completed.get(field):
            completed[field] = value
    return completed


def _validate_schedule(values: dict):
    planned = any(values.get(moment) for moment in Moment.values) or values.get("times")
    if not planned and not values.get("as_needed"):
        raise ValidationError(
            _("Choose when to take it (a moment of the day or a time), or mark it as needed."), code="no_schedule"
        )
    for clock in values.get("times") or []:
        try:
            datetime.time.fromisoformat(clock)
        except ValueError as error:
            raise ValidationError(_("Write times as HH:MM."), code="time") from error


@transaction.atomic
def medication_add(*, actor, treatment: Treatment, values: dict, safety_reason: str = "", request=None) -> Medication:
    """Checked for safety first (treatments.safety_checks): a professional confirms a blocking warning with
    `safety_reason`; the patient is never stopped."""
    access = policy.require(actor, Action.CREATE, treatment.patient, treatment=treatment)
    if treatment.status in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
        raise ValidationError(_("This treatment is over: start a new one."), code="over")
    values = complete_from_lexicon({"start_date": treatment.start_date, "end_date": treatment.end_date, **values})
    _validate_schedule(values)
    medication = Medication(treatment=treatment, created_by=actor, **values)
    medication.full_clean()
    reason = safety_checks.clean_reason(safety_reason)
    warnings = safety_checks.warnings_for_values(treatment.patient, values)
    blocking = safety_checks.unanswered_blocking(warnings)
    safety_checks.require_confirmation(access=access, blocking=blocking, reason=reason)
    medication.save()
    safety_checks.overrides_record(
        actor=actor, medication=medication, blocking=blocking, reason=reason, access=access, request=request
    )
    _changed(
        actor=actor,
        treatment=treatment,
        object_type=ObjectType.MEDICATION,
        object_id=medication.public_id,
        action=AuditAction.CREATE,
        access=access,
        request=request,
        text=gettext_noop("%(name)s added a medication to your treatment."),
    )
    return medication


def _forget_future_doses(medication: Medication, now: datetime.datetime):
    """Planned doses still to come are derived from the schedule: after a change they are planned again."""
    Intake.objects.filter(medication=medication, status=Intake.Status.DUE, due_at__gt=now).delete()


@transaction.atomic
def medication_update(
    *, actor, medication: Medication, values: dict, safety_reason: str = "", request=None
) -> Medication:
    """A change during the day takes effect at the next moment: doses already reminded stay as they are.
    Checked for safety as `medication_add` is; a professional confirms the blocking warnings not confirmed
    yet (a change with no values and a reason confirms them)."""
    access = policy.require(actor, Action.UPDATE, medication.treatment.patient, treatment=medication.treatment)
    if medication.stopped_at is not None:
        raise ValidationError(_("This medication is stopped."), code="stopped")
    # Another drug: what is known of the old one (its substance, first of all for the safety checks) goes. The
    # name is compared with the stored one: a model form has already set the new one on `medication`.
    stored_name = Medication.objects.values_list("name", flat=True).get(pk=medication.pk)
    if values.get("name", stored_name) != stored_name and not values.get("cis"):
        values = complete_from_lexicon({"cis": "", "substance": "", "strength": "", "form": "", **values})
    merged = {field: getattr(medication, field) for field in MEDICATION_FIELDS} | values
    _validate_schedule(merged)
    for field, value in values.items():
        setattr(medication, field, value)
    medication.full_clean()
    reason = safety_checks.clean_reason(safety_reason)
    warnings = safety_checks.warnings_for_values(medication.treatment.patient, merged, excluding=(medication.pk,))
    blocking = safety_checks.unanswered_blocking(warnings, medication)
    safety_checks.require_confirmation(access=access, blocking=blocking, reason=reason)
    medication.save()
    safety_checks.overrides_record(
        actor=actor, medication=medication, blocking=blocking, reason=reason, access=access, request=request
    )
    _forget_future_doses(medication, timezone.now())
    _changed(
        actor=actor,
        treatment=medication.treatment,
        object_type=ObjectType.MEDICATION,
        object_id=medication.public_id,
        action=AuditAction.UPDATE,
        access=access,
        request=request,
        text=gettext_noop("%(name)s changed a medication of your treatment."),
    )
    return medication


@transaction.atomic
def medication_safety_confirm(*, actor, medication: Medication, reason: str, request=None) -> list:
    """A professional confirms, with a reason, the blocking warnings of a medication the patient recorded.
    Returns the confirmations made (none when nothing was left to confirm)."""
    access = policy.require(actor, Action.UPDATE, medication.treatment.patient, treatment=medication.treatment)
    if safety_checks.acts_for_patient(access):
        raise PermissionDenied
    reason = safety_checks.clean_reason(reason)
    if not reason:
        raise ValidationError(_("Say why you confirm it."), code="safety_reason")
    blocking = safety_checks.unanswered_blocking(safety_checks.warnings_of(medication), medication)
    return safety_checks.overrides_record(
        actor=actor, medication=medication, blocking=blocking, reason=reason, access=access, request=request
    )


@transaction.atomic
def medication_stop(*, actor, medication: Medication, request=None) -> Medication:
    access = policy.require(actor, Action.UPDATE, medication.treatment.patient, treatment=medication.treatment)
    now = timezone.now()
    if Medication.objects.filter(pk=medication.pk, stopped_at__isnull=True).update(stopped_at=now, stopped_by=actor):
        _forget_future_doses(medication, now)
        _changed(
            actor=actor,
            treatment=medication.treatment,
            object_type=ObjectType.MEDICATION,
            object_id=medication.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
            text=gettext_noop("%(name)s stopped a medication of your treatment."),
        )
    medication.refresh_from_db()
    return medication


@transaction.atomic
def treatment_set_status(*, actor, treatment: Treatment, status: str, request=None) -> Treatment:
    """Pause, resume, stop or finish. A paused or stopped treatment is never reminded."""
    access = policy.require(actor, Action.UPDATE, treatment.patient, treatment=treatment)
    if status not in TreatmentStatus.values:
        raise ValidationError(_("Unknown status."), code="status")
    treatment.status = status
    treatment.save(update_fields=["status", "updated_at"])
    if status != TreatmentStatus.ACTIVE:
        Intake.objects.filter(
            medication__treatment=treatment, status=Intake.Status.DUE, due_at__gt=timezone.now()
        ).delete()
    _changed(
        actor=actor,
        treatment=treatment,
        object_type=ObjectType.TREATMENT,
        object_id=treatment.public_id,
        action=AuditAction.UPDATE,
        access=access,
        request=request,
        text=gettext_noop("%(name)s changed the status of your treatment."),
    )
    return treatment


@transaction.atomic
def intake_answer(*, actor, medication: Medication, local_date, moment: str, due_at, answer: str, request=None):
    """The patient, or a caregiver they allowed to answer doses, says a dose was taken, skipped or to be
    reminded later. Answering before the reminder is fine: the reminder then has nothing left to say and is
    not sent. The dose keeps who answered, and the access log the path (a caregiver's answer is theirs)."""
    patient = medication.treatment.patient
    # Doses are the patient's own answers, or those of a caregiver they allowed to answer: nobody else
    # answers for them, and to anyone else the dose does not exist (a 404).
    access = policy.decide(actor, Action.ANSWER_DOSE, patient, treatment=medication.treatment)
    if not access:
        raise Concealed
    if answer not in (Intake.Status.TAKEN, Intake.Status.SKIPPED, Intake.Status.SNOOZED):
        raise ValidationError(_("Unknown answer."), code="answer")
    intake, _created = Intake.objects.select_for_update().get_or_create(
        medication=medication, local_date=local_date, moment=moment, defaults={"due_at": due_at}
    )
    if _already_answered(intake, answer):
        # The same answer again (a double tap, or a phone re-sending what it answered offline) changes
        # nothing: the dose keeps when and by whom it was answered, and the access log has one entry.
        return intake
    _apply_answer(intake, answer, selectors.reminder_settings_of(patient=patient), answered_by=actor)
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.INTAKE,
        object_id=intake.public_id,
        action=AuditAction.UPDATE,
        access=access,
        request=request,
    )
    return intake


def _already_answered(intake: Intake, answer: str) -> bool:
    if intake.status != answer:
        return False
    # A snooze that has run out is over: snoozing again is a new answer.
    return answer != Intake.Status.SNOOZED or (
        intake.snoozed_until is not None and intake.snoozed_until > timezone.now()
    )


def _apply_answer(intake: Intake, answer: str, reminder_settings: ReminderSettings, *, answered_by):
    now = timezone.now()
    intake.status = answer
    intake.answered_at = now
    intake.answered_by = answered_by
    intake.snoozed_until = (
        now + datetime.timedelta(minutes=reminder_settings.snooze_minutes) if answer == "snoozed" else None
    )
    intake.save(update_fields=["status", "answered_at", "answered_by", "snoozed_until"])


@transaction.atomic
def dispatch_answer(*, patient, dispatch, answer: str, request=None) -> int:
    """ "Taken" or "Snooze" on a reminder: applies to every dose it listed that is still to take."""
    reminder_settings = selectors.reminder_settings_of(patient=patient)
    intakes = list(dispatch.intakes.select_for_update().filter(status=Intake.Status.DUE))
    for intake in intakes:
        _apply_answer(intake, answer, reminder_settings, answered_by=patient)
    audit.record(
        actor=patient,
        patient=patient,
        object_type=ObjectType.INTAKE,
        object_id=None,
        action=AuditAction.UPDATE,
        access=AccessPath.OWNER,
        request=request,
    )
    return len(intakes)


@transaction.atomic
def reminder_settings_update(*, actor, values: dict, request=None) -> ReminderSettings:
    if not actor.is_authenticated or not actor.is_patient:
        raise PermissionDenied
    reminder_settings = selectors.reminder_settings_of(patient=actor)
    for field, value in values.items():
        setattr(reminder_settings, field, value)
    reminder_settings.full_clean()
    reminder_settings.save()
    return reminder_settings
