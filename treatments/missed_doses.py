"""Missed-dose alerts (Medisafe's "Medfriend"): a caregiver who asked for them hears when a dose of the patient
they help is still unanswered their delay after it was due. Beat runs `missed_dose_alerts_send` every five
minutes (treatments.tasks.missed_dose_alerts_tick).

Who: caregivers in force (accepted, not revoked) who chose the alerts (`missed_dose_alerts`). A guardian or a
caregiver who manages the file gets them when they chose them too: an alert is a message on their phone, asked
for, not a right that comes with the file.

Which doses: those the schedule plans (never "as needed"), of a medication not stopped, in a treatment active
and inside its dates, entered in ReLyfe before it was due; due in the last day (LOOK_BACK: a caregiver who
arrives is not told about last week) and after the caregiver accepted; still unanswered their delay after they
were due: the dose's row is "to take", or snoozed and the snooze ran out the delay ago, or the dose has no row.
A patient with reminders on has a row for every dose (the planner makes it when it reminds); one with
reminders off has none: the row is made here, the same one the patient's answer would make (one per
medication, day and moment), so that the alert points to it. A dose the planner may still make is left to it
(its row says whether the reminder was sent).

Sent once: a MissedDoseAlert row per caregiver and dose (unique), written in the transaction that makes the
notification; a second tick, or two at once, find the row and send nothing. The doses of one moment make one
notification. The finding costs the same few queries whatever the number of patients; each alert then costs
the queries of one notification.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from access.models import Caregiver
from notifications.models import Event
from notifications.services import notify_translated
from treatments import schedule
from treatments.models import Intake, Medication, MissedDoseAlert, TreatmentStatus

logger = logging.getLogger(__name__)

LOOK_BACK = datetime.timedelta(hours=24)
UNANSWERED = (Intake.Status.DUE, Intake.Status.SNOOZED)
# Whole sentences, so that each is translated whole; the medications' names only for a patient who chose to
# see them in their own reminders.
MESSAGE_ONE = gettext_noop("%(name)s has not said whether they took their %(time)s dose")
MESSAGE_MANY = gettext_noop("%(name)s has not said whether they took their %(time)s medications")
MESSAGE_ONE_WITH_NAMES = gettext_noop("%(name)s has not said whether they took their %(time)s dose: %(names)s")
MESSAGE_MANY_WITH_NAMES = gettext_noop("%(name)s has not said whether they took their %(time)s medications: %(names)s")
CLOCK = gettext_noop("%(hour)d:%(minute)02d")


@dataclass(frozen=True)
class Unanswered:
    intake: Intake
    # When the dose became late: its time, or the end of its snooze.
    since: datetime.datetime


def missed_dose_alerts_send(*, now: datetime.datetime | None = None) -> int:
    """Alerts each caregiver of the doses unanswered past their delay, once; returns how many notifications."""
    now = now or timezone.now()
    caregivers = list(
        Caregiver.objects.active()
        .filter(missed_dose_alerts=True, caregiver__is_active=True, patient__is_active=True)
        .select_related("caregiver", "patient__reminder_settings")
    )
    if not caregivers:
        return 0
    patients = {caregiver.patient_id: caregiver.patient for caregiver in caregivers}
    shortest_delay = datetime.timedelta(minutes=min(caregiver.missed_dose_delay_minutes for caregiver in caregivers))
    unanswered = _unanswered_doses(patients, start=now - LOOK_BACK, end=now - shortest_delay, now=now)
    already = set(
        MissedDoseAlert.objects.filter(
            caregiver__in=caregivers,
            intake__in=[dose.intake.pk for doses in unanswered.values() for dose in doses],
        ).values_list("caregiver_id", "intake_id")
    )
    sent = 0
    for caregiver in caregivers:
        delay = datetime.timedelta(minutes=caregiver.missed_dose_delay_minutes)
        watched_since = max(now - LOOK_BACK, caregiver.accepted_at or caregiver.created_at)
        by_moment = defaultdict(list)
        for dose in unanswered.get(caregiver.patient_id, []):
            if (
                dose.since <= now - delay
                and dose.intake.due_at >= watched_since
                and (caregiver.pk, dose.intake.pk) not in already
            ):
                by_moment[dose.intake.due_at].append(dose.intake)
        for due_at, intakes in sorted(by_moment.items()):
            sent += _alert(caregiver, due_at, intakes, now)
    if sent:
        logger.info("%s missed-dose alerts sent", sent)
    return sent


def _unanswered_doses(patients: dict, *, start, end, now) -> dict[int, list[Unanswered]]:
    """The doses of `patients` due between `start` and `end` that nobody answered, by patient id."""
    medications = list(
        Medication.objects.filter(
            treatment__patient_id__in=patients,
            treatment__status=TreatmentStatus.ACTIVE,
            as_needed=False,
            stopped_at__isnull=True,
        ).select_related("treatment")
    )
    planned = []
    for medication in medications:
        patient = patients[medication.treatment.patient_id]
        zone = ZoneInfo(patient.time_zone)
        times = schedule.moment_times(getattr(patient, "reminder_settings", None))
        for day in schedule.local_days_between(start, end, zone):
            if not medication.treatment.is_current(day):
                continue
            planned += [
                (medication, slot)
                for slot in schedule.slots_of(medication, day, times, zone)
                if start < slot.due_at <= end and slot.due_at >= medication.created_at
            ]
    if not planned:
        return {}
    days = [slot.local_date for _medication, slot in planned]
    rows = {
        (intake.medication_id, intake.local_date, intake.moment): intake
        for intake in Intake.objects.filter(
            medication__in=medications, local_date__gte=min(days), local_date__lte=max(days)
        )
    }
    missing = [
        Intake(medication=medication, local_date=slot.local_date, moment=slot.moment, due_at=slot.due_at)
        for medication, slot in planned
        if (medication.pk, slot.local_date, slot.moment) not in rows
        and not _planner_may_make(patients[medication.treatment.patient_id], slot, now)
    ]
    if missing:
        # Unique per medication, day and moment: a planner or an answer that made the row meanwhile wins.
        Intake.objects.bulk_create(missing, ignore_conflicts=True)
        rows |= {
            (intake.medication_id, intake.local_date, intake.moment): intake
            for intake in Intake.objects.filter(
                medication__in={intake.medication_id for intake in missing},
                local_date__gte=min(days),
                local_date__lte=max(days),
            )
        }
    unanswered = defaultdict(list)
    for medication, slot in planned:
        intake = rows.get((medication.pk, slot.local_date, slot.moment))
        if intake is None or intake.status not in UNANSWERED:
            continue
        intake.medication = medication
        since = max(intake.due_at, intake.snoozed_until or intake.due_at)
        unanswered[medication.treatment.patient_id].append(Unanswered(intake, since))
    return unanswered


def _planner_may_make(patient, slot, now) -> bool:
    """Whether the reminders' planner may still make this dose's row: the patient is reminded, and the dose is
    within the window it plans (REMINDER_LATENESS)."""
    reminder_settings = getattr(patient, "reminder_settings", None)
    reminded = reminder_settings is not None and reminder_settings.enabled
    return reminded and slot.due_at > now - settings.REMINDER_LATENESS


def _alert(caregiver: Caregiver, due_at: datetime.datetime, intakes: list[Intake], now) -> int:
    """One notification for the doses of one moment, if this call is the one that records their alerts."""
    with transaction.atomic():
        fresh = [intake for intake in intakes if _alert_recorded(caregiver, intake, now)]
        if not fresh:
            return 0
        recipient, patient = caregiver.caregiver, caregiver.patient
        show_names = getattr(getattr(patient, "reminder_settings", None), "show_drug_names", False)
        params = {"name": patient.full_name, "time": _clock(due_at, recipient)}
        if show_names:
            # The patient chose to see the names in their own reminders; the caregiver they chose reads them too.
            params["names"] = ", ".join(intake.medication.name for intake in fresh)
            text = MESSAGE_ONE_WITH_NAMES if len(fresh) == 1 else MESSAGE_MANY_WITH_NAMES
        else:
            text = MESSAGE_ONE if len(fresh) == 1 else MESSAGE_MANY
        notify_translated(
            recipient=recipient,
            event=Event.MISSED_DOSE,
            text=text,
            params=params,
            url=f"{reverse('treatments:caring')}#patient-{patient.public_id}",
        )
    return 1


def _alert_recorded(caregiver: Caregiver, intake: Intake, now) -> bool:
    """Records the alert; False when another tick did (the unique row is theirs)."""
    try:
        with transaction.atomic():
            MissedDoseAlert.objects.create(caregiver=caregiver, intake=intake, sent_at=now)
    except IntegrityError:
        return False
    return True


def _clock(due_at: datetime.datetime, recipient) -> str:
    """The dose's time on the recipient's clock and in their language ("8 h 00" in French)."""
    local = due_at.astimezone(ZoneInfo(recipient.time_zone))
    with translation.override(recipient.language):
        return translation.gettext(CLOCK) % {"hour": local.hour, "minute": local.minute}
