"""Supply reminders: a few days (SUPPLY_REMINDER_DAYS) before a renewal is due or before the stock runs out,
the patient is told once. Beat runs the tick hourly; each (medication, reason, due date) has one
SupplyReminder row, created in the transaction that sends the notification, so that however many ticks
run, it is sent once. Days are the patient's: computed in their time zone."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

from notifications.models import Event
from notifications.services import notify_translated
from treatments import supply
from treatments.models import Medication, SupplyReminder, TreatmentStatus, patient_today

logger = logging.getLogger(__name__)

MESSAGES = {
    SupplyReminder.Reason.RENEWAL: gettext_noop("A renewal of one of your medications is due on %(date)s."),
    SupplyReminder.Reason.STOCK: gettext_noop("One of your medications runs out around %(date)s."),
}
# For a patient who chose to see the names of their medications in reminders.
MESSAGES_WITH_NAMES = {
    SupplyReminder.Reason.RENEWAL: gettext_noop("The renewal of %(name)s is due on %(date)s."),
    SupplyReminder.Reason.STOCK: gettext_noop("%(name)s runs out around %(date)s."),
}


def _followed_medications():
    """Medications with a renewal to come or a recorded dispensing, of current treatments, not stopped."""
    return (
        Medication.objects.filter(
            Q(renewals__gt=0, supply_days__isnull=False) | Q(dispensings__isnull=False),
            stopped_at__isnull=True,
            treatment__status=TreatmentStatus.ACTIVE,
            treatment__patient__is_active=True,
        )
        .distinct()
        .select_related("treatment__patient__reminder_settings")
        .prefetch_related("dispensings")
    )


def due_on_dates(medication: Medication, *, today: datetime.date) -> list[tuple[str, datetime.date]]:
    """The reasons to remind the patient of `medication` on `today`, with their due dates: a due date at most
    SUPPLY_REMINDER_DAYS ahead, and not past."""
    found = []
    for reason, due_on in (
        (SupplyReminder.Reason.RENEWAL, supply.renewal_due_on(medication)),
        (SupplyReminder.Reason.STOCK, supply.stock_runs_out_on(medication, today=today)),
    ):
        if due_on is not None and today <= due_on <= today + datetime.timedelta(days=settings.SUPPLY_REMINDER_DAYS):
            found.append((reason, due_on))
    return found


def send_due(*, now: datetime.datetime | None = None) -> int:
    """Sends the supply reminders due; returns how many were sent by this call."""
    now = now or timezone.now()
    sent = 0
    for medication in _followed_medications():
        patient = medication.treatment.patient
        today = patient_today(patient)
        if not medication.treatment.is_current(today):
            continue
        for reason, due_on in due_on_dates(medication, today=today):
            sent += reminder_send(medication=medication, reason=reason, due_on=due_on, now=now)
    if sent:
        logger.info("%s supply reminders sent", sent)
    return sent


@transaction.atomic
def reminder_send(*, medication: Medication, reason: str, due_on: datetime.date, now: datetime.datetime) -> bool:
    """Sends one reminder unless it was sent: True when this call sent it."""
    _reminder, created = SupplyReminder.objects.get_or_create(
        medication=medication, reason=reason, due_on=due_on, defaults={"sent_at": now}
    )
    if not created:
        return False
    patient = medication.treatment.patient
    show_names = getattr(getattr(patient, "reminder_settings", None), "show_drug_names", False)
    with translation.override(patient.language):
        params = {"date": date_format(due_on, "j F")}
    if show_names:
        params["name"] = medication.name
    notify_translated(
        recipient=patient,
        event=Event.SUPPLY,
        text=(MESSAGES_WITH_NAMES if show_names else MESSAGES)[reason],
        params=params,
        url=reverse("treatments:detail", args=[medication.treatment.public_id]),
    )
    return True
