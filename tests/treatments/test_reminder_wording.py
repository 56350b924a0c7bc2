"""A reminder that names the medications is a whole French sentence, with the units in the plural."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import Notification
from tests.factories import MedicationFactory, TreatmentFactory
from treatments import reminders, services

pytestmark = pytest.mark.django_db


def test_a_reminder_with_the_names_is_in_french_with_plural_units(alice):
    settings = services.reminder_settings_ensure(patient=alice)
    settings.show_drug_names = True
    settings.save()
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 1, 1))
    MedicationFactory(treatment=treatment, name="DOLIPRANE", dose=2, morning=True)
    at = datetime.datetime(2026, 2, 10, 8, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))

    with time_machine.travel(at, tick=False):
        reminders.plan(now=at)
        for dispatch_id in reminders.dispatches_to_queue(now=at):
            reminders.dispatch_send(dispatch_id=dispatch_id, now=at)

    reminder = Notification.objects.get(recipient=alice, event="reminder")
    assert reminder.message == "C’est l’heure de vos médicaments du matin : DOLIPRANE (2 comprimés)"
