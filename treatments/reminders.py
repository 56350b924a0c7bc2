"""Medication reminders: finding what is due (the planner) and sending it, at national scale.

Beat's tick (every minute) queues one task per range of patients (REMINDER_PARTITIONS, `partitions`); each
plans the reminders of its range, then sends them, REMINDER_SEND_BATCH at a time. Every step is set-based: a
fixed number of queries per batch, whatever the number of patients.

Exactly once, whatever happens to beats and workers:
- planning only inserts rows, with `ignore_conflicts` on their unique keys: one ReminderDispatch per
  (patient, day, moment), one Intake per (medication, day, moment). Two planners running at once insert
  each row once;
- sending claims a batch with ONE statement that locks and marks it (`UPDATE … WHERE id IN (SELECT … FOR
  UPDATE SKIP LOCKED) AND status = 'pending'`): two workers never claim the same dispatch, and neither waits
  for the other. The claim, the batch's notifications and the outbox rows of their e-mails and pushes are one
  transaction: a worker killed before the commit leaves the batch pending (the next tick's task, or the
  sweeper, sends it); killed after, the rows say it was sent;
- a dispatch not sent within the lateness window is marked late and never sent.
"""

import datetime
import hashlib
import logging
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from notifications.models import Event
from notifications.services import Outgoing, notify_many, notify_translated
from relyfe import outbox
from relyfe.bulk import insert_rows
from relyfe.models import OutboxMessage
from treatments import actions, schedule
from treatments.models import Intake, Medication, Moment, ReminderDispatch, Treatment, TreatmentStatus
from treatments.tasks import plan_and_send_reminders as plan_and_send_reminders_task
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


def _candidates(zone_name, start, now, patients: Q):
    """Medications of `patients` in `zone_name` that may have a dose due between `start` and `now`."""
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
    rows = Medication.objects.filter(
        due_somewhere,
        patients,
        treatment__patient__time_zone=zone_name,
        treatment__patient__is_active=True,
        treatment__patient__reminder_settings__enabled=True,
        treatment__status=TreatmentStatus.ACTIVE,
        as_needed=False,
        stopped_at__isnull=True,
    ).values_list(*(field for field, _attribute in _PLANNED_FIELDS))
    # Tuples, not models: this query returns every medication due at a busy moment, and building a model with
    # its treatment, patient and settings for each costs more than everything else planning does.
    for row in rows.iterator(chunk_size=5000):
        medication = _Planned(row)
        for day in days:
            if not _Planned.is_current(medication, day):
                continue
            for slot in schedule.slots_of(medication, day, medication.moment_times, zone):
                if start < slot.due_at <= now:
                    yield medication, slot


MOMENTS = tuple(Moment.values)
# What planning reads of a medication, its treatment and its patient's moments, and the names `schedule` and the
# models' own rules (borrowed below) read them under.
_PLANNED_FIELDS = [
    *((field, field) for field in SCHEDULE_FIELDS if field != "treatment"),
    ("treatment__patient_id", "patient_id"),
    ("treatment__status", "status"),
    ("treatment__start_date", "treatment_start_date"),
    ("treatment__end_date", "treatment_end_date"),
    *((f"treatment__patient__reminder_settings__{moment}_at", f"{moment}_at") for moment in Moment.values),
]


class _Planned:
    """A medication as planning reads it, with the models' own rules (`Medication.is_taken_on`,
    `Treatment.status_on`) and its patient's moments of the day."""

    __slots__ = (*(attribute for _field, attribute in _PLANNED_FIELDS), "moment_times")

    def __init__(self, row):
        for (_field, attribute), value in zip(_PLANNED_FIELDS, row, strict=True):
            setattr(self, attribute, value)
        self.moment_times = {moment: getattr(self, f"{moment}_at") for moment in MOMENTS}

    is_taken_on = Medication.is_taken_on

    @property
    def moments(self) -> list[str]:
        # As Medication.moments, over the moments listed once: `Moment.values` is rebuilt at each call.
        return [moment for moment in MOMENTS if getattr(self, moment)]

    @staticmethod
    def is_current(medication: "_Planned", day: datetime.date) -> bool:
        as_treatment = _AsTreatment(medication.status, medication.treatment_start_date, medication.treatment_end_date)
        return Treatment.status_on(as_treatment, day) == TreatmentStatus.ACTIVE


class _AsTreatment(NamedTuple):
    status: str
    start_date: datetime.date
    end_date: datetime.date | None


def _patients_in(field: str, low: int | None, high: int | None) -> Q:
    """The rows whose patient's id is in [low, high); None leaves that side open."""
    bounds = Q()
    if low is not None:
        bounds &= Q(**{f"{field}__gte": low})
    if high is not None:
        bounds &= Q(**{f"{field}__lt": high})
    return bounds


# The upper bound of the last range: beyond any id, so that a patient who signed up since the ranges were cut is
# in it.
LAST_ID = 2**63 - 1


def partitions(count: int) -> list[tuple[int, int]]:
    """`count` ranges [low, high) of patient ids, one after the other from 0 to LAST_ID: every patient is in
    exactly one. Cut evenly in ids (patients sign up in order, so ids are dense enough to balance them)."""
    highest = User.objects.filter(role=Role.PATIENT).aggregate(highest=Max("pk"))["highest"] or 0
    step = highest // count + 1
    return [(index * step, (index + 1) * step if index < count - 1 else LAST_ID) for index in range(count)]


def plan(*, now: datetime.datetime, low: int | None = None, high: int | None = None) -> int:
    """Writes the dispatches and intakes due between `now - lateness` and `now` for the patients whose id is in
    [low, high) (all of them by default); returns how many dispatches were new."""
    start = now - settings.REMINDER_LATENESS
    zones = (
        User.objects.filter(_patients_in("pk", low, high), role=Role.PATIENT, treatments__status=TreatmentStatus.ACTIVE)
        .values_list("time_zone", flat=True)
        .distinct()
    )
    slots = defaultdict(list)
    for zone_name in zones:
        for medication, slot in _candidates(zone_name, start, now, _patients_in("treatment__patient_id", low, high)):
            slots[(medication.patient_id, slot.local_date, slot.moment, slot.due_at)].append(medication.id)
    if not slots:
        return 0
    # A dispatch's due time is fixed by its key, so the window's dispatches of the range are exactly these keys.
    in_window = ReminderDispatch.objects.filter(
        _patients_in("patient_id", low, high), due_at__gt=start, due_at__lte=now
    ).values_list("pk", "patient_id", "local_date", "moment")

    def planned() -> dict:
        return {(patient, day, moment): pk for pk, patient, day, moment in in_window.iterator(chunk_size=5000)}

    before = planned()
    # Rows only, ignoring the conflicts on their unique keys (a planner running beside this one): planning writes
    # one per dose.
    insert_rows(
        ReminderDispatch,
        ["patient", "local_date", "moment", "due_at", "status", "queued_at"],
        # Queued as it is made: the range's task sends it next; if that task is lost, the sweeper does.
        (
            (patient_id, day, moment, due_at, ReminderDispatch.Status.PENDING, now)
            for patient_id, day, moment, due_at in slots
            if (patient_id, day, moment) not in before
        ),
        ignore_conflicts=True,
    )
    dispatch_ids = planned()
    insert_rows(
        Intake,
        ["medication", "dispatch", "local_date", "moment", "due_at", "status"],
        (
            (
                medication_id,
                dispatch_ids[(patient_id, day, moment)],
                day,
                moment,
                due_at,
                Intake.Status.DUE,
            )
            for (patient_id, day, moment, due_at), medication_ids in slots.items()
            for medication_id in medication_ids
        ),
        ignore_conflicts=True,
    )
    return len(dispatch_ids) - len(before)


def partition_run(*, now: datetime.datetime, low: int, high: int) -> int:
    """One range's task: plans its patients' reminders, then sends its due ones; returns how many it sent."""
    plan(now=now, low=low, high=high)
    return dispatches_send(now=now, low=low, high=high)


TICKS_SHARE_A_TASK_WITHIN = datetime.timedelta(seconds=5)


def tick(*, now: datetime.datetime) -> None:
    """Beat's part, every minute: the late are marked late, one task per range of patients is queued (they plan
    and send in parallel, on as many workers), and the snoozed doses are reminded."""
    with transaction.atomic():
        _too_late_marked(now)
        ranges = partitions(settings.REMINDER_PARTITIONS)
        keys = [f"reminders_partition:{index}" for index in range(len(ranges))]
        # One outbox row per range, armed again each tick. Not while it is still pending (the broker away), nor
        # when it was handed to the broker a moment ago: ticks closer together than that (a beat restarted, a
        # caller looping) share one task per range instead of piling them up in front of the workers.
        recent = set(
            OutboxMessage.objects.filter(key__in=keys)
            .filter(Q(state=OutboxMessage.State.PENDING) | Q(sent_at__gt=timezone.now() - TICKS_SHARE_A_TASK_WITHIN))
            .values_list("key", flat=True)
        )
        for key, (low, high) in zip(keys, ranges, strict=True):
            if key not in recent:
                outbox.enqueue(plan_and_send_reminders_task, low, high, key=key)
    snoozed_send(now=now)


def dispatches_to_queue(*, now: datetime.datetime) -> list[int]:
    """The due dispatches still to send, once those past the lateness window are marked late (never sent)."""
    _too_late_marked(now)
    due = ReminderDispatch.objects.filter(status=ReminderDispatch.Status.PENDING, due_at__lte=now)
    return sorted(due.values_list("pk", flat=True))


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
    for batch_start in range(0, len(ids), settings.REMINDER_SEND_BATCH):
        batch = ids[batch_start : batch_start + settings.REMINDER_SEND_BATCH]
        # The default key (the task and every id) would outgrow the column: the first id and a digest of
        # all of them name the batch as well.
        digest = hashlib.sha256(",".join(map(str, batch)).encode()).hexdigest()[:16]
        outbox.enqueue(send_reminder_dispatches_task, *batch, key=f"reminder_dispatches:{batch[0]}:{digest}")


class _Claimed(NamedTuple):
    id: int
    public_id: uuid.UUID
    patient_id: int
    moment: str


def _claim(*, now: datetime.datetime, ids, low, high, limit: int) -> list[_Claimed]:
    """Locks and marks sent up to `limit` due dispatches in one statement, and returns them. On PostgreSQL the
    rows another worker is claiming are skipped, not waited for; SQLite has one writer at a time, which is the
    lock. The outer `status` test makes a row claimed twice impossible on either."""
    table = connection.ops.quote_name(ReminderDispatch._meta.db_table)
    instant = connection.ops.adapt_datetimefield_value
    conditions = ["status = %s", "due_at <= %s", "due_at > %s"]
    parameters: list = [ReminderDispatch.Status.PENDING, instant(now), instant(now - settings.REMINDER_LATENESS)]
    if ids is not None:
        conditions.append(f"id IN ({', '.join(['%s'] * len(ids))})")
        parameters += list(ids)
    if low is not None:
        conditions.append("patient_id >= %s")
        parameters.append(low)
    if high is not None:
        conditions.append("patient_id < %s")
        parameters.append(high)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    # Only the table's name and fixed fragments are formatted in; every value is a parameter.
    statement = (
        f"UPDATE {table} SET status = %s, sent_at = %s "  # noqa: S608  # nosec B608  # the table name, values as parameters
        f"WHERE id IN (SELECT id FROM {table} WHERE {' AND '.join(conditions)} ORDER BY id LIMIT %s{skip_locked}) "
        "AND status = %s RETURNING id, public_id, patient_id, moment"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [ReminderDispatch.Status.SENT, instant(now), *parameters, limit, ReminderDispatch.Status.PENDING],
        )
        rows = cursor.fetchall()
    # SQLite returns the uuid as 32 hex digits.
    return sorted(
        _Claimed(row_id, uuid.UUID(str(public_id)), patient, moment) for row_id, public_id, patient, moment in rows
    )


def dispatches_send(
    *,
    now: datetime.datetime | None = None,
    ids: list[int] | None = None,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """Sends the due dispatches (of `ids`, of the patients in [low, high), or all), REMINDER_SEND_BATCH per
    transaction, until none is left; returns how many were sent. Safe to run twice and on several workers at
    once: each batch is claimed by one statement, and a claimed dispatch is no longer pending."""
    now = now or timezone.now()
    if ids is not None:
        # Those handed by id may be past the window (the sweeper's): they end late, never sent.
        ReminderDispatch.objects.filter(
            pk__in=ids, status=ReminderDispatch.Status.PENDING, due_at__lte=now - settings.REMINDER_LATENESS
        ).update(status=ReminderDispatch.Status.LATE)
    due = ReminderDispatch.objects.filter(
        _patients_in("patient_id", low, high),
        status=ReminderDispatch.Status.PENDING,
        due_at__lte=now,
        due_at__gt=now - settings.REMINDER_LATENESS,
    )
    if ids is not None:
        due = due.filter(pk__in=ids)
    if not due.exists():
        return 0  # most ticks: nothing to claim, and no write to make
    sent = 0
    while True:
        with transaction.atomic():
            claimed = _claim(now=now, ids=ids, low=low, high=high, limit=settings.REMINDER_SEND_BATCH)
            if not claimed:
                return sent
            sent += _claimed_send(claimed)
        logger.info("%s reminder dispatches sent", len(claimed))


def _claimed_send(claimed: list[_Claimed]) -> int:
    """The notifications of a claimed batch, with a fixed number of queries: its doses, its patients, then
    `notify_many`. A dispatch with nothing left to take (taken already, stopped or paused since the plan was
    made) ends cancelled; the others are sent. Returns how many were sent."""
    ids = [dispatch.id for dispatch in claimed]
    doses = defaultdict(list)
    for dispatch_id, name, dose, unit in (
        Intake.objects.filter(
            dispatch_id__in=ids,
            status=Intake.Status.DUE,
            medication__stopped_at__isnull=True,
            medication__treatment__status=TreatmentStatus.ACTIVE,
        )
        .order_by("due_at", "id")
        .values_list("dispatch_id", "medication__name", "medication__dose", "medication__dose_unit")
    ):
        doses[dispatch_id].append((name, dose, unit))
    cancelled = [dispatch_id for dispatch_id in ids if dispatch_id not in doses]
    if cancelled:
        ReminderDispatch.objects.filter(pk__in=cancelled).update(status=ReminderDispatch.Status.CANCELLED, sent_at=None)
    to_send = [dispatch for dispatch in claimed if dispatch.id in doses]
    patients = {
        row[0]: _Recipient(*row)
        for row in User.objects.filter(pk__in={dispatch.patient_id for dispatch in to_send}).values_list(
            "pk", "is_active", "email", "time_zone", "language", "reminder_settings__show_drug_names"
        )
    }
    url = reverse("treatments:today")
    signer = actions.action_signer()
    translated: dict[tuple[str, str], str] = {}  # a batch's patients speak a few languages
    outgoing = []
    for dispatch in to_send:
        patient = patients[dispatch.patient_id]
        text, params = _message(dispatch.moment, doses[dispatch.id], bool(patient.show_names))
        if (text, patient.language) not in translated:
            with translation.override(patient.language):
                translated[(text, patient.language)] = translation.gettext(text)
        outgoing.append(
            Outgoing(
                recipient=patient,
                message=translated[(text, patient.language)] % params,
                url=url,
                actions=actions.reminder_actions(dispatch, patient.language, signer),
            )
        )
    notifications = notify_many(event=Event.REMINDER, outgoing=outgoing)
    _notifications_linked(
        [
            (dispatch.id, notification_id)
            for dispatch, notification_id in zip(to_send, notifications, strict=True)
            if notification_id is not None
        ]
    )
    return len(to_send)


class _Recipient(NamedTuple):
    """A patient as `notify_many` reads them, without a model built for each of a batch's patients."""

    pk: int
    is_active: bool
    email: str
    time_zone: str
    language: str
    show_names: bool | None  # None without reminder settings


def _notifications_linked(pairs: list[tuple[int, int]]) -> None:
    """Each dispatch keeps the notification the centre shows: one UPDATE … FROM per batch (bulk_update's CASE
    costs more to build than to run), from two arrays on PostgreSQL, from VALUES on SQLite."""
    if not pairs:
        return
    table = connection.ops.quote_name(ReminderDispatch._meta.db_table)
    if connection.vendor == "postgresql":
        pairs_sql, parameters = (
            "unnest(%s::bigint[], %s::bigint[]) AS pairs(column1, column2)",
            [list(each) for each in zip(*pairs, strict=True)],
        )
    else:
        pairs_sql = f"(VALUES {', '.join(['(%s, %s)'] * len(pairs))}) AS pairs"
        parameters = [value for pair in pairs for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET notification_id = pairs.column2 "  # noqa: S608  # nosec B608  # placeholders only
            f"FROM {pairs_sql} WHERE {table}.id = pairs.column1",
            parameters,
        )


def _message(moment: str, doses: list[tuple], show_names: bool) -> tuple[str, dict]:
    by_moment, at_clock = (
        (MOMENT_MESSAGES_WITH_NAMES, CLOCK_MESSAGE_WITH_NAMES) if show_names else (MOMENT_MESSAGES, CLOCK_MESSAGE)
    )
    text, params = (by_moment[moment], {}) if moment in by_moment else (at_clock, {"time": moment})
    if show_names:
        # The patient chose to see names: they are theirs to read on their own screen.
        params["names"] = ", ".join(_named_dose(*dose) for dose in doses)
    return text, params


def _named_dose(name: str, dose, unit: str) -> str:
    dose = Decimal(dose).normalize()  # "2", not "2.00" as the column stores it
    return f"{name} ({dose:f} {unit_for_dose(unit, dose)})"


def dispatch_send(*, dispatch_id: int, now: datetime.datetime | None = None) -> bool:
    """Sends one dispatch if it is still pending and in time; True when this call sent it."""
    return dispatches_send(now=now, ids=[dispatch_id]) == 1


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
