"""Missed-dose alerts end to end: the tick beat queues every five minutes, handed to a real Celery worker on the
run's broker, alerts the caregiver of a dose the patient left unanswered, in the app and by e-mail; queued
again, it alerts nobody twice."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery, Event, Notification
from tests.conftest import wait_until
from tests.factories import CaregiverFactory, MedicationFactory, PatientFactory, TreatmentFactory
from treatments import services
from treatments.models import MissedDoseAlert
from treatments.tasks import missed_dose_alerts_tick

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.celery
def test_a_real_worker_alerts_the_caregiver_of_a_missed_dose_once(celery_worker, client):
    # Alice's dose was due an hour and a half ago where she lives; she did not answer it. Her reminders are
    # off: the dose has no row until the alert makes it.
    due = (timezone.now() - datetime.timedelta(minutes=90)).astimezone(PARIS).replace(second=0, microsecond=0)
    alice = PatientFactory(first_name="Alice")
    reminder_settings = services.reminder_settings_ensure(patient=alice)
    reminder_settings.enabled = False
    reminder_settings.save()
    treatment = TreatmentFactory(patient=alice, start_date=due.date() - datetime.timedelta(days=2))
    MedicationFactory(
        treatment=treatment,
        morning=False,
        times=[due.strftime("%H:%M")],
        created_at=timezone.now() - datetime.timedelta(days=2),
    )
    carol = PatientFactory(first_name="Carol", email="carol@example.org")
    CaregiverFactory(
        patient=alice,
        caregiver=carol,
        answer_doses=True,
        missed_dose_alerts=True,
        missed_dose_delay_minutes=30,
        accepted_at=timezone.now() - datetime.timedelta(days=1),
    )

    missed_dose_alerts_tick.delay()
    wait_until(
        lambda: Notification.objects.filter(
            recipient=carol, event=Event.MISSED_DOSE, email_state=Delivery.SENT
        ).exists(),
        worker=celery_worker,
        seconds=90,
    )
    # A second tick, as beat sends one every five minutes; eve, who joined since, shows when it has run.
    eve = PatientFactory(first_name="Eve")
    CaregiverFactory(
        patient=alice, caregiver=eve, missed_dose_alerts=True, accepted_at=timezone.now() - datetime.timedelta(days=1)
    )
    missed_dose_alerts_tick.delay()
    wait_until(
        lambda: Notification.objects.filter(recipient=eve, event=Event.MISSED_DOSE).exists(),
        worker=celery_worker,
        seconds=90,
    )

    (alert,) = Notification.objects.filter(recipient=carol, event=Event.MISSED_DOSE)
    assert alert.message == f"{alice.full_name} n’a pas indiqué avoir pris sa dose de {due:%-H} h {due:%M}"
    assert sorted(MissedDoseAlert.objects.values_list("caregiver__caregiver__first_name", flat=True)) == [
        "Carol",
        "Eve",
    ]
    client.force_login(carol)
    page = client.get(alert.url.split("#")[0]).content.decode()
    assert alice.full_name in page and reverse("treatments:intake_answer") in page
