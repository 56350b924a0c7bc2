"""Reads of treatments: through the policy, with the access event written for what is shown."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from access import policy
from access.models import Caregiver
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records.models import HealthRecord
from health_records.selectors import patient_get_for_user
from treatments import schedule
from treatments.charts import adherence_bars
from treatments.models import (
    OVER,
    UPCOMING,
    Intake,
    Medication,
    Moment,
    PrescriptionReading,
    ReminderDispatch,
    ReminderSettings,
    Treatment,
    TreatmentStatus,
)
from treatments.models import patient_today as patient_today

CURRENT = [TreatmentStatus.ACTIVE, TreatmentStatus.PAUSED]
ADHERENCE_DAYS = 14
ADHERENCE_WEEKS = 8


def _with_medications(treatments):
    # The patient gives each treatment its "today" (its status follows its dates in the patient's zone).
    return treatments.select_related("patient", "prescriber", "prescription").prefetch_related(
        Prefetch("medications", Medication.objects.order_by("stopped_at", "id"))
    )


def treatments_of_patient(*, user, patient_id, request=None):
    """The patient, the access used, and the treatments it covers (current first); 404 when it covers none."""
    patient, access = patient_get_for_user(user=user, public_id=patient_id)
    if not opens_treatments(patient=patient, access=access):
        raise Http404
    audit.record(
        actor=user,
        patient=patient,
        object_type=ObjectType.TREATMENTS,
        object_id=None,
        action=AuditAction.LIST,
        access=access,
        request=request,
    )
    return patient, access, _with_medications(_covered(patient, access))


def _covered(patient, access):
    return policy.treatments_in_scope(access, Treatment.objects.filter(patient=patient))


def opens_treatments(*, patient, access) -> bool:
    """Whether the patient's treatments pages open for `access`: it covers them all, or some of them."""
    return access.treatments is None or _covered(patient, access).exists()


def patient_for_new_treatment(*, user, patient_id, prescription=None):
    """The patient `user` adds a treatment to (from `prescription`, one of their records, when given); 404
    unless the access covers such a treatment. The service that creates it writes the access event."""
    patient, access = patient_get_for_user(user=user, public_id=patient_id, action=Action.CREATE)
    if not may_add_treatment(user, patient, prescription=prescription):
        raise Http404
    return patient, access


def may_add_treatment(user, patient, *, prescription=None) -> bool:
    return bool(
        policy.decide(user, Action.CREATE, patient, treatment=Treatment(patient=patient, prescription=prescription))
    )


def treatment_for_user(*, user, public_id, action: Action = Action.VIEW, request=None):
    treatment = Treatment.objects.select_related("patient", "prescription").filter(public_id=public_id).first()
    if treatment is None:
        raise Http404
    access = policy.decide(user, action, treatment.patient, treatment=treatment)
    if not access:
        raise Http404
    if action == Action.VIEW:
        audit.record(
            actor=user,
            patient=treatment.patient,
            object_type=ObjectType.TREATMENT,
            object_id=treatment.public_id,
            action=AuditAction.VIEW,
            access=access,
            request=request,
        )
        treatment = _with_medications(Treatment.objects.filter(pk=treatment.pk)).get()
    return treatment, access


def medication_for_user(*, user, public_id, action: Action) -> Medication:
    medication = (
        Medication.objects.select_related("treatment__patient", "treatment__prescription")
        .filter(public_id=public_id)
        .first()
    )
    if medication is None or not policy.decide(
        user, action, medication.treatment.patient, treatment=medication.treatment
    ):
        raise Http404
    return medication


def treatments_by_status(treatments, *, day: datetime.date) -> dict[str, list[Treatment]]:
    """Current (active or paused), upcoming and past (finished or stopped) treatments on `day`: by their
    dates as much as by what was set (see `Treatment.status_on`)."""
    groups: dict[str, list[Treatment]] = {"current": [], "upcoming": [], "past": []}
    for treatment in treatments:
        status = treatment.status_on(day)
        group = "past" if status in OVER else "upcoming" if status == UPCOMING else "current"
        groups[group].append(treatment)
    return groups


def emergency_medications(*, patient) -> list[Medication]:
    """The medications the patient takes now (active treatments, inside their dates, not stopped), for
    the emergency page: its caller checked the Heart-Code, the patient's choice to show them, and wrote
    the access event."""
    today = patient_today(patient)
    # One query, each medication with its treatment (whose status follows its dates): the page is opened under
    # pressure (bench/load.py). The order of the treatments page: newest treatment first, then as entered.
    medications = (
        Medication.objects.filter(treatment__patient=patient, stopped_at__isnull=True)
        .select_related("treatment")
        .order_by("-treatment__start_date", "-treatment__id", "id")
    )
    return [
        medication
        for medication in medications
        if medication.treatment.is_current(today)
        and medication.start_date <= today
        and (medication.end_date is None or today <= medication.end_date)
    ]


def treatments_of_prescription(*, record):
    """Shown on the prescription's own page, which checked access and wrote its event."""
    return _with_medications(record.treatments.all())


def dispatch_by_public_id(public_id) -> ReminderDispatch:
    dispatch = ReminderDispatch.objects.select_related("patient").filter(public_id=public_id).first()
    if dispatch is None:
        raise Http404
    return dispatch


def _zone(patient) -> ZoneInfo:
    return ZoneInfo(patient.time_zone)


def slot_of(*, medication: Medication, day: datetime.date, moment: str):
    """The planned dose of `medication` at `moment` on `day`, or None when there is none."""
    patient = medication.treatment.patient
    times = schedule.moment_times(getattr(patient, "reminder_settings", None))
    return next(
        (slot for slot in schedule.slots_of(medication, day, times, _zone(patient)) if slot.moment == moment), None
    )


def day_plan(*, patient, day: datetime.date, treatments=None):
    """Every dose due on `day`, grouped by moment in time order, with the patient's answer when there is one."""
    zone = _zone(patient)
    times = schedule.moment_times(getattr(patient, "reminder_settings", None))
    medications = [
        medication
        for treatment in (treatments if treatments is not None else _with_medications(patient.treatments.all()))
        if treatment.is_current(day)
        for medication in treatment.medications.all()
        if medication.stopped_at is None
    ]
    answers = {
        (intake.medication_id, intake.moment): intake
        for intake in Intake.objects.filter(medication__in=medications, local_date=day).select_related("answered_by")
    }
    groups = defaultdict(list)
    for medication in medications:
        for slot in schedule.slots_of(medication, day, times, zone):
            intake = answers.get((medication.pk, slot.moment))
            groups[(slot.due_at, slot.moment)].append(
                {
                    "medication": medication,
                    "slot": slot,
                    "intake": intake,
                    # A caregiver's answer says so on the patient's pages ("marked taken by Carol").
                    "answered_by_other": intake.answered_by
                    if intake is not None and intake.answered_by_id not in (None, patient.pk)
                    else None,
                }
            )
    return [
        {
            "moment": moment,
            "label": Moment(moment).label if moment in Moment.values else moment,
            "due_at": due_at,
            "items": items,
        }
        for (due_at, moment), items in sorted(groups.items())
    ]


class Answer:
    """What is known of one past dose, for adherence. The last two both show as "not tracked"."""

    TAKEN = "taken"
    SKIPPED = "skipped"
    NOT_ANSWERED = "not_answered"
    NOT_ASKED = "not_asked"
    BEFORE_TRACKING = "before_tracking"


ANSWERS = [Answer.TAKEN, Answer.SKIPPED, Answer.NOT_ANSWERED, Answer.NOT_ASKED, Answer.BEFORE_TRACKING]


def _last_planned_day(treatment: Treatment, today: datetime.date) -> datetime.date:
    """A treatment is planned until today, its end, or (stopped or finished by hand) its last change: the
    day it was stopped is not stored, and nothing is planned after it."""
    last = min(today, treatment.end_date) if treatment.end_date else today
    if treatment.status in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
        last = min(last, treatment.updated_at.astimezone(_zone(treatment.patient)).date())
    return last


def _answer_of(slot, medication: Medication, known: dict) -> str:
    if slot.due_at < medication.created_at:
        return Answer.BEFORE_TRACKING
    status, answered_at, dispatch_status = known.get((medication.pk, slot.local_date, slot.moment), (None,) * 3)
    if status == Intake.Status.TAKEN:
        return Answer.TAKEN
    if status == Intake.Status.SKIPPED:
        return Answer.SKIPPED
    if answered_at is not None or dispatch_status == ReminderDispatch.Status.SENT:
        return Answer.NOT_ANSWERED
    return Answer.NOT_ASKED


def _count(answers) -> dict:
    answers = list(answers)
    return {answer: answers.count(answer) for answer in ANSWERS}


def _sum(counts) -> dict:
    counts = list(counts)
    return {answer: sum(count[answer] for count in counts) for answer in ANSWERS}


def _why_not_tracked(totals: dict) -> str | None:
    """Why there is no rate: nothing due yet, every dose due before ReLyfe knew the treatment, or nobody
    was asked since (reminders off, or none sent yet)."""
    if totals[Answer.NOT_ASKED]:
        return "not_asked"
    if totals[Answer.BEFORE_TRACKING]:
        return "before_tracking"
    return "nothing_due"


def adherence(*, treatment: Treatment, today: datetime.date):
    """How the doses of a treatment were taken, counting only the doses the patient was asked about.

    A planned dose is one of the schedule: inside the treatment's and the medication's dates, not "as
    needed", due before now and before the medication was stopped. It was **asked** when both:
    - it was due after the medication was entered in ReLyfe (`Medication.created_at`): tracking begins
      then, so the doses of a treatment that began before the patient used ReLyfe are never counted;
    - and ReLyfe asked: a reminder listing it was sent (a `ReminderDispatch` marked sent, which the planner
      makes only while reminders are on and the treatment is active), or the patient answered it themself.
    An asked dose is taken, skipped, or not answered (reminded, no reply: missing data, not a missed dose).
    Every other planned dose is "not tracked". The rate is taken out of asked; None when nothing was asked,
    with `not_tracked_because` saying why.
    """
    patient = treatment.patient
    zone, times = _zone(patient), schedule.moment_times(getattr(patient, "reminder_settings", None))
    now = timezone.now()
    medications = list(treatment.medications.all())
    known = {
        (medication_id, local_date, moment): (status, answered_at, dispatch_status)
        for medication_id, local_date, moment, status, answered_at, dispatch_status in Intake.objects.filter(
            medication__treatment=treatment
        ).values_list("medication_id", "local_date", "moment", "status", "answered_at", "dispatch__status")
    }
    by_day = {}
    day, last_day = treatment.start_date, _last_planned_day(treatment, today)
    while day <= last_day:
        by_day[day] = _count(
            _answer_of(slot, medication, known)
            for medication in medications
            for slot in schedule.slots_of(medication, day, times, zone)
            if slot.due_at <= now and (medication.stopped_at is None or slot.due_at < medication.stopped_at)
        )
        day += datetime.timedelta(days=1)
    totals = _sum(by_day.values())
    asked = totals[Answer.TAKEN] + totals[Answer.SKIPPED] + totals[Answer.NOT_ANSWERED]
    empty = _count([])
    # A past treatment's chart shows its own last days, not the empty days since it ended.
    chart_end = min(today, max(last_day, treatment.start_date))
    recent = [
        (day, by_day.get(day, empty))
        for day in (chart_end - datetime.timedelta(days=offset) for offset in range(ADHERENCE_DAYS - 1, -1, -1))
    ]
    this_monday = chart_end - datetime.timedelta(days=chart_end.weekday())
    weeks = []
    for offset in range(ADHERENCE_WEEKS - 1, -1, -1):
        monday = this_monday - datetime.timedelta(weeks=offset)
        weeks.append((monday, _sum(by_day.get(monday + datetime.timedelta(days=number), empty) for number in range(7))))
    tracked_since = min((medication.created_at for medication in medications), default=None)
    return {
        "taken": totals[Answer.TAKEN],
        "skipped": totals[Answer.SKIPPED],
        "not_answered": totals[Answer.NOT_ANSWERED],
        "not_tracked": totals[Answer.NOT_ASKED] + totals[Answer.BEFORE_TRACKING],
        "asked": asked,
        "due": sum(totals.values()),
        "rate": round(100 * totals[Answer.TAKEN] / asked) if asked else None,
        "not_tracked_because": None if asked else _why_not_tracked(totals),
        "tracked_since": tracked_since,
        "started_before_tracking": totals[Answer.BEFORE_TRACKING] > 0,
        "chart_ended": chart_end < today,
        "bars": adherence_bars(recent),
        "week_bars": adherence_bars(weeks),
    }


def reminder_settings_of(*, patient) -> ReminderSettings:
    """The patient's reminder settings, or the defaults (unsaved) until they save theirs: a page that shows
    them writes nothing."""
    return ReminderSettings.objects.filter(patient=patient).first() or ReminderSettings(patient=patient)


def people_i_help(*, user, request=None) -> list[dict]:
    """The patients `user` helps as a caregiver in force, by name, each with what the patient lets them do
    and, when the policy lets them see the treatments, today's doses where the patient is (one access event
    per patient whose doses are shown). A caregiver who is only alerted of missed doses sees the patient
    listed, without their doses."""
    caregivers = (
        Caregiver.objects.active()
        .filter(caregiver=user, patient__is_active=True)
        .select_related("patient__reminder_settings")
        .order_by("patient__first_name", "patient__last_name", "pk")
    )
    viewable = set(
        policy.patients_for(user, Action.VIEW)
        .filter(pk__in=caregivers.values("patient_id"))
        .values_list("pk", flat=True)
    )
    people = []
    for caregiver in caregivers:
        patient = caregiver.patient
        person = {"patient": patient, "caregiver": caregiver, "can_view": False, "can_answer": False}
        access = policy.decide(user, Action.VIEW, patient) if patient.pk in viewable else policy.DENIED
        if access:
            today = patient_today(patient)
            treatments = list(_with_medications(_covered(patient, access)))
            audit.record(
                actor=user,
                patient=patient,
                object_type=ObjectType.TREATMENTS,
                object_id=None,
                action=AuditAction.LIST,
                access=access,
                request=request,
            )
            person |= {
                "can_view": True,
                "can_answer": access.can(Action.ANSWER_DOSE),
                "today": today,
                "plan": day_plan(patient=patient, day=today, treatments=treatments),
            }
        people.append(person)
    return people


# --- The same e-prescription sent twice -------------------------------------------------------------------


@dataclass(frozen=True)
class SameEprescription:
    """Another copy of a reading's e-prescription in the patient's file: the treatment confirmed from it, or
    the reading of another upload not confirmed yet. `treatment` and `record` are given only when the viewer
    may see them (the policy's answer); `date` is when the copy was recorded or sent."""

    confirmed: bool
    date: datetime.datetime
    treatment: Treatment | None = None
    record: HealthRecord | None = None


def eprescription_treatment(reading: PrescriptionReading) -> Treatment | None:
    """The patient's treatment already made from the same e-prescription (its identifier read from the QR code)
    sent in another record, or None. The files of one record are the pages of one upload, which may each carry
    the code: they are not copies of one another."""
    if not reading.eprescription_id:
        return None
    return (
        Treatment.objects.filter(patient=reading.record.patient_id, eprescription_id=reading.eprescription_id)
        .exclude(prescription=reading.record_id)
        .order_by("created_at", "pk")
        .first()
    )


def same_eprescription(*, user, reading: PrescriptionReading) -> list[SameEprescription]:
    """The other copies of the reading's e-prescription in the patient's file (earliest first): its treatments,
    and the readings of other uploads not confirmed yet, each linked only when `user` may see it."""
    if not reading.eprescription_id:
        return []
    patient = reading.record.patient
    treatments = (
        Treatment.objects.filter(patient=patient, eprescription_id=reading.eprescription_id)
        .exclude(prescription=reading.record_id)
        .select_related("patient", "prescription")
    )
    readings = (
        PrescriptionReading.objects.filter(record__patient=patient, eprescription_id=reading.eprescription_id)
        .exclude(record=reading.record_id)
        .exclude(status=PrescriptionReading.Status.CONFIRMED)
        .select_related("record")
    )
    copies = [
        SameEprescription(
            confirmed=True,
            date=treatment.created_at,
            treatment=treatment if policy.decide(user, Action.VIEW, patient, treatment=treatment) else None,
        )
        for treatment in treatments
    ] + [
        SameEprescription(
            confirmed=False,
            date=other.created_at,
            record=other.record if policy.decide(user, Action.VIEW, patient, record=other.record) else None,
        )
        for other in readings
    ]
    return sorted(copies, key=lambda copy: copy.date)
