"""Reads of treatments: through the policy, with the access event written for what is shown."""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from audit import services as audit
from audit.models import Action as AuditAction
from health_records.selectors import patient_get_for_user
from sharing import policy
from sharing.policy import Action
from treatments import schedule
from treatments.charts import adherence_bars
from treatments.models import Intake, Medication, Moment, ReminderDispatch, Treatment, TreatmentStatus

CURRENT = [TreatmentStatus.ACTIVE, TreatmentStatus.PAUSED]
ADHERENCE_DAYS = 14
ADHERENCE_WEEKS = 8


def _with_medications(treatments):
    return treatments.select_related("prescriber", "prescription").prefetch_related(
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
        object_type="treatments",
        object_id=None,
        action=AuditAction.LIST,
        access_path=access.path,
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
            object_type="treatment",
            object_id=treatment.public_id,
            action=AuditAction.VIEW,
            access_path=access.path,
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


def patient_today(patient) -> datetime.date:
    """Today where the patient is, whoever looks."""
    return timezone.now().astimezone(_zone(patient)).date()


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
        for intake in Intake.objects.filter(medication__in=medications, local_date=day)
    }
    groups = defaultdict(list)
    for medication in medications:
        for slot in schedule.slots_of(medication, day, times, zone):
            groups[(slot.due_at, slot.moment)].append(
                {"medication": medication, "slot": slot, "intake": answers.get((medication.pk, slot.moment))}
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


def adherence(*, treatment: Treatment, today: datetime.date):
    """Doses taken out of doses due, overall and for each of the last days, from the schedule itself (a
    dose nobody answered counts as not taken)."""
    patient = treatment.patient
    zone, times = _zone(patient), schedule.moment_times(getattr(patient, "reminder_settings", None))
    now = timezone.now()
    taken = set(
        Intake.objects.filter(medication__treatment=treatment, status=Intake.Status.TAKEN).values_list(
            "medication_id", "local_date", "moment"
        )
    )
    last_day = min(today, treatment.end_date) if treatment.end_date else today
    by_day = {}
    day = treatment.start_date
    while day <= last_day:
        due = [
            (medication.pk, slot.local_date, slot.moment)
            for medication in treatment.medications.all()
            for slot in schedule.slots_of(medication, day, times, zone)
            if slot.due_at <= now and (medication.stopped_at is None or slot.due_at < medication.stopped_at)
        ]
        by_day[day] = (sum(1 for key in due if key in taken), len(due))
        day += datetime.timedelta(days=1)
    total_taken = sum(value[0] for value in by_day.values())
    total_due = sum(value[1] for value in by_day.values())
    recent = [
        (day, *by_day.get(day, (0, 0)))
        for day in (today - datetime.timedelta(days=offset) for offset in range(ADHERENCE_DAYS - 1, -1, -1))
    ]
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = []
    for offset in range(ADHERENCE_WEEKS - 1, -1, -1):
        monday = this_monday - datetime.timedelta(weeks=offset)
        week = [by_day.get(monday + datetime.timedelta(days=number), (0, 0)) for number in range(7)]
        weeks.append((monday, sum(value[0] for value in week), sum(value[1] for value in week)))
    return {
        "taken": total_taken,
        "due": total_due,
        "rate": round(100 * total_taken / total_due) if total_due else None,
        "bars": adherence_bars(recent),
        "week_bars": adherence_bars(weeks),
    }
