"""Medication reminders: finding what is due (the planner, run by beat every minute) and sending it.

Exactly once, whatever happens to beats and workers:
- planning only inserts rows, with `ignore_conflicts` on their unique keys: one ReminderDispatch per
  (patient, day, moment), one Intake per (medication, day, moment). Two planners running at once insert
  each row once;
- a dispatch is sent in one transaction that locks its row, checks it is still pending, creates the
  notification and marks it sent. A worker killed before the commit leaves it pending (acks_late gives the
  task to another worker, or the next tick queues it again); killed after, the row says it was sent;
- a dispatch not sent within the lateness window is marked late and never sent.
"""

import datetime
import hashlib
import logging
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from notifications.models import Event
from notifications.services import notify_translated
from relyfe import outbox
from treatments import actions, schedule
from treatments.models import Intake, Medication, Moment, ReminderDispatch, TreatmentStatus
from treatments.tasks import send_reminder_dispatches as send_reminder_dispatches_task
from treatments.units import unit_for_dose

logger = logging.getLogger(__name__)

MOMENT_MESSAGES = {
    Moment.MORNING: gettext_noop("Time for your morning medications"),
    Moment.NOON: gettext_noop("Time for your noon medications"),
    Moment.EVENING: gettext_noop("Time for your evening medications"),
    Moment.BEDTIME: gettext_noop("Time for your bedtime medications"),
}
SCHEDULE_FIELDS = [
    "id",
    "treatment",
    "as_needed",
    "morning",
    "noon",
    "evening",
    "bedtime",
    "times",
    "weekdays",
    "start_date",
    "end_date",
    "stopped_at",
]
CLOCK_MESSAGE = gettext_noop("Time for your %(time)s medications")
# The same, for a patient who chose to see the names: whole sentences, so that each is translated whole.
MOMENT_MESSAGES_WITH_NAMES = {
    Moment.MORNING: gettext_noop("Time for your morning medications: %(names)s"),
    Moment.NOON: gettext_noop("Time for your noon medications: %(names)s"),
    Moment.EVENING: gettext_noop("Time for your evening medications: %(names)s"),
    Moment.BEDTIME: gettext_noop("Time for your bedtime medications: %(names)s"),
}
CLOCK_MESSAGE_WITH_NAMES = gettext_noop("Time for your %(time)s medications: %(names)s")
SNOOZE_MESSAGE = gettext_noop("Reminder: medications to take")


def _wall_clock_ranges(start, now, zone, days):
    """For each local day, the wall-clock range where a due moment may fall, an hour wider on each side so
    that daylight-saving shifts cannot hide one; the exact test is done on instants afterwards."""
    margin = datetime.timedelta(hours=1)
    low = (start.astimezone(zone) - margin).replace(tzinfo=None)
    high = (now.astimezone(zone) + margin).replace(tzinfo=None)
    for day in days:
        day_start = datetime.datetime.combine(day, datetime.time.min)
        day_end = datetime.datetime.combine(day, datetime.time.max)
        lower, upper = max(low, day_start), min(high, day_end)
        if lower <= upper:
            yield day, lower.time(), upper.time()


def _candidates(zone_name, start, now):
    """Medications of patients in `zone_name` that may have a dose due between `start` and `now`."""
    zone = ZoneInfo(zone_name)
    ranges = list(_wall_clock_ranges(start, now, zone, schedule.local_days_between(start, now, zone)))
    days = [day for day, _lower, _upper in ranges]
    due_somewhere = Q(pk__in=[])
    for day, lower, upper in ranges:
        on_that_day = (
            Q(start_date__lte=day, treatment__start_date__lte=day)
            & (Q(end_date__isnull=True) | Q(end_date__gte=day))
            & (Q(treatment__end_date__isnull=True) | Q(treatment__end_date__gte=day))
        )
        at_a_moment = Q(pk__in=[])
        for moment in Moment.values:
            # Already planned by an earlier tick: no longer a candidate, which keeps each tick cheap.
            planned = Exists(Intake.objects.filter(medication=OuterRef("pk"), local_date=day, moment=moment))
            at_a_moment |= Q(
                Q(**{moment: True, f"treatment__patient__reminder_settings__{moment}_at__range": (lower, upper)}),
                ~planned,
            )
        due_somewhere |= on_that_day & (at_a_moment | ~Q(times=[]))
    medications = (
        Medication.objects.filter(
            due_somewhere,
            treatment__patient__time_zone=zone_name,
            treatment__patient__is_active=True,
            treatment__patient__reminder_settings__enabled=True,
            treatment__status=TreatmentStatus.ACTIVE,
            as_needed=False,
            stopped_at__isnull=True,
        )
        # Only what planning reads: this query returns every medication due at a busy moment.
        .select_related("treatment__patient__reminder_settings")
        .only(
            *SCHEDULE_FIELDS,
            "treatment__patient_id",
            "treatment__status",
            "treatment__start_date",
            "treatment__end_date",
            "treatment__patient__time_zone",
            *(f"treatment__patient__reminder_settings__{moment}_at" for moment in Moment.values),
        )
    )
    for medication in medications:
        times = schedule.moment_times(medication.treatment.patient.reminder_settings)
        for day in days:
            if not medication.treatment.is_current(day):
                continue
            for slot in schedule.slots_of(medication, day, times, zone):
                if start < slot.due_at <= now:
                    yield medication, slot


def plan(*, now: datetime.datetime) -> int:
    """Writes the dispatches and intakes due between `now - lateness` and `now`; returns how many
    dispatches were new."""
    start = now - settings.REMINDER_LATENESS
    zones = (
        User.objects.filter(role=Role.PATIENT, treatments__status=TreatmentStatus.ACTIVE)
        .values_list("time_zone", flat=True)
        .distinct()
    )
    slots = defaultdict(list)
    for zone_name in zones:
        for medication, slot in _candidates(zone_name, start, now):
            slots[(medication.treatment.patient_id, slot.local_date, slot.moment, slot.due_at)].append(medication)
    if not slots:
        return 0
    before = ReminderDispatch.objects.count()
    ReminderDispatch.objects.bulk_create(
        [
            ReminderDispatch(patient_id=patient_id, local_date=day, moment=moment, due_at=due_at)
            for patient_id, day, moment, due_at in slots
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    created = ReminderDispatch.objects.count() - before
    # A dispatch's due time is fixed by its key, so the window's dispatches are exactly these keys.
    dispatch_ids = {
        (patient_id, day, moment): pk
        for pk, patient_id, day, moment in ReminderDispatch.objects.filter(due_at__gt=start, due_at__lte=now)
        .values_list("pk", "patient_id", "local_date", "moment")
        .iterator(chunk_size=5000)
    }
    Intake.objects.bulk_create(
        [
            Intake(
                medication=medication,
                dispatch_id=dispatch_ids[(patient_id, day, moment)],
                local_date=day,
                moment=moment,
                due_at=due_at,
            )
            for (patient_id, day, moment, due_at), medications in slots.items()
            for medication in medications
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return created


def dispatches_to_queue(*, now: datetime.datetime) -> list[int]:
    """New due dispatches to hand to workers (those queued before are the sweeper's: `dispatches_sweep`); marks
    them queued. Marks the ones past the lateness window late first, so that they are never sent."""
    _too_late_marked(now)
    new = ReminderDispatch.objects.filter(status=ReminderDispatch.Status.PENDING, due_at__lte=now, queued_at=None)
    ids = sorted(new.values_list("pk", flat=True))
    ReminderDispatch.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def dispatches_queue(*, now: datetime.datetime) -> int:
    """The tick's part: the new due dispatches are queued, in batches, through the outbox; returns how many."""
    with transaction.atomic():
        ids = dispatches_to_queue(now=now)
        _queue_in_batches(ids)
    return len(ids)


def dispatches_sweep(now: datetime.datetime) -> None:
    """Registered with the outbox's sweeper: a dispatch still pending REMINDER_REQUEUE_AFTER after it was queued
    lost its task (a worker or a broker lost it): it is queued again, as often as needed within the lateness
    window, since sending it twice is harmless (the row says whether it was sent). Past the window it ends late."""
    with transaction.atomic():
        _too_late_marked(now)
        lost = ReminderDispatch.objects.filter(
            status=ReminderDispatch.Status.PENDING, due_at__lte=now, queued_at__lt=now - settings.REMINDER_REQUEUE_AFTER
        )
        ids = sorted(lost.values_list("pk", flat=True))
        ReminderDispatch.objects.filter(pk__in=ids).update(queued_at=now)
        _queue_in_batches(ids)
    if ids:
        logger.info("%s reminder dispatches queued again", len(ids))


def _too_late_marked(now: datetime.datetime) -> None:
    """A reminder REMINDER_LATENESS after its time is no longer useful ("take your 8 o'clock dose" at noon):
    it ends LATE and is never sent. The patient gets no notification for it; the dose stays on their Today
    page, to mark taken or skipped, and their adherence counts it "not asked", never "not answered"."""
    ReminderDispatch.objects.filter(
        status=ReminderDispatch.Status.PENDING, due_at__lte=now - settings.REMINDER_LATENESS
    ).update(status=ReminderDispatch.Status.LATE)


def _queue_in_batches(ids: list[int]) -> None:
    for batch_start in range(0, len(ids), SEND_BATCH):
        batch = ids[batch_start : batch_start + SEND_BATCH]
        # The default key (the task and every id) would outgrow the column: the first id and a digest of
        # all of them name the batch as well.
        digest = hashlib.sha256(",".join(map(str, batch)).encode()).hexdigest()[:16]
        outbox.enqueue(send_reminder_dispatches_task, *batch, key=f"reminder_dispatches:{batch[0]}:{digest}")


def _message(dispatch: ReminderDispatch, intakes: list[Intake], show_names: bool) -> tuple[str, dict]:
    by_moment, at_clock = (
        (MOMENT_MESSAGES_WITH_NAMES, CLOCK_MESSAGE_WITH_NAMES) if show_names else (MOMENT_MESSAGES, CLOCK_MESSAGE)
    )
    text, params = (
        (by_moment[dispatch.moment], {}) if dispatch.moment in by_moment else (at_clock, {"time": dispatch.moment})
    )
    if show_names:
        # The patient chose to see names: they are theirs to read on their own screen.
        params["names"] = ", ".join(_named_dose(intake.medication) for intake in intakes)
    return text, params


def _named_dose(medication: Medication) -> str:
    dose = Decimal(medication.dose).normalize()  # "2", not "2.00" as the column stores it
    return f"{medication.name} ({dose:f} {unit_for_dose(medication.dose_unit, dose)})"


def dispatch_send(*, dispatch_id: int, now: datetime.datetime | None = None) -> bool:
    """Sends one dispatch if it is still pending and in time; True when this call sent it."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        dispatch = (
            ReminderDispatch.objects.select_for_update(of=("self",))
            .filter(pk=dispatch_id)
            .select_related("patient__reminder_settings")
            .first()
        )
        if dispatch is None or dispatch.status != ReminderDispatch.Status.PENDING:
            return False
        if dispatch.due_at <= now - settings.REMINDER_LATENESS:
            dispatch.status = ReminderDispatch.Status.LATE
            dispatch.save(update_fields=["status"])
            return False
        intakes = list(
            dispatch.intakes.filter(
                status=Intake.Status.DUE,
                medication__stopped_at__isnull=True,
                medication__treatment__status=TreatmentStatus.ACTIVE,
            ).select_related("medication")
        )
        if not intakes:
            # Everything was taken already, or stopped or paused since the plan was made.
            dispatch.status = ReminderDispatch.Status.CANCELLED
            dispatch.save(update_fields=["status"])
            return False
        patient = dispatch.patient
        show_names = getattr(getattr(patient, "reminder_settings", None), "show_drug_names", False)
        text, params = _message(dispatch, intakes, show_names)
        notification = notify_translated(
            recipient=patient,
            event=Event.REMINDER,
            text=text,
            params=params,
            url=reverse("treatments:today"),
            actions=actions.reminder_actions(dispatch, patient),
        )
        dispatch.status, dispatch.sent_at, dispatch.notification = ReminderDispatch.Status.SENT, now, notification
        dispatch.save(update_fields=["status", "sent_at", "notification"])
    logger.info("Reminder dispatch %s sent", dispatch_id)
    return True


SEND_BATCH = 50


@transaction.atomic
def dispatch_send_many(*, dispatch_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Sends a batch in one transaction (one commit instead of fifty): a worker killed halfway leaves the
    whole batch pending, and it is sent, once, when the task runs again."""
    return sum(dispatch_send(dispatch_id=dispatch_id, now=now) for dispatch_id in dispatch_ids)


def snoozed_send(*, now: datetime.datetime | None = None) -> int:
    """Reminds again the doses snoozed until now: each snoozed dose is claimed by one update, so it is
    reminded once."""
    now = now or timezone.now()
    sent = 0
    # As for a first reminder: nothing of a medication stopped, or a treatment paused or stopped, since.
    snoozed = Intake.objects.filter(
        status=Intake.Status.SNOOZED,
        snoozed_until__lte=now,
        medication__stopped_at__isnull=True,
        medication__treatment__status=TreatmentStatus.ACTIVE,
    )
    patient_ids = set(snoozed.values_list("medication__treatment__patient_id", flat=True))
    for patient_id in patient_ids:
        with transaction.atomic():
            intakes = snoozed.filter(medication__treatment__patient_id=patient_id)
            claimed = list(intakes.select_for_update().values_list("pk", flat=True))
            if not Intake.objects.filter(pk__in=claimed, status=Intake.Status.SNOOZED).update(
                status=Intake.Status.DUE, snoozed_until=None
            ):
                continue
            patient = User.objects.get(pk=patient_id)
            notify_translated(
                recipient=patient, event=Event.REMINDER, text=SNOOZE_MESSAGE, url=reverse("treatments:today")
            )
            sent += 1
    return sent
