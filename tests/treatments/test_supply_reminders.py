"""Supply reminders: SUPPLY_REMINDER_DAYS before a renewal is due or the stock runs out, once per medication,
reason and due date, counted in the patient's days, without drug names unless the patient chose them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Notification
from tests.factories import MedicationFactory, TreatmentFactory
from treatments import services
from treatments.models import Dispensing, SupplyReminder, TreatmentStatus
from treatments.tasks import supply_reminders_tick

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
START = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def five_days_ahead(settings):
    settings.SUPPLY_REMINDER_DAYS = 5


@pytest.fixture
def medication(alice):
    services.reminder_settings_ensure(patient=alice)
    treatment = TreatmentFactory(patient=alice, start_date=START)
    # "QSP 1 mois, à renouveler 2 fois", one tablet in the morning, boxes of 30 (dispensed on the first day).
    medication = MedicationFactory(
        treatment=treatment, name="LEVOTHYROX 50", morning=True, renewals=2, supply_days=30, pack_size=30
    )
    Dispensing.objects.create(medication=medication, dispensed_on=START, boxes=1, units=30, recorded_by=alice)
    return medication


def tick(at):
    with time_machine.travel(at, tick=False):
        supply_reminders_tick()


def supply_notifications(patient):
    return list(Notification.objects.filter(recipient=patient, event="supply").order_by("created_at"))


def test_nothing_is_said_while_the_due_dates_are_far(alice, medication):
    tick(datetime.datetime(2026, 11, 20, 9, 0, tzinfo=PARIS))

    assert supply_notifications(alice) == []


def test_the_patient_is_reminded_days_before_the_renewal_and_the_stock_run_out(alice, medication):
    # The renewal is due on 2 December, and the 30 tablets last until 1 December.
    tick(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS))

    notifications = supply_notifications(alice)
    assert len(notifications) == 2
    assert {reminder.reason for reminder in SupplyReminder.objects.all()} == {"renewal", "stock"}
    assert {reminder.due_on for reminder in SupplyReminder.objects.all()} == {datetime.date(2026, 12, 2)}
    for notification in notifications:
        assert "LEVOTHYROX" not in notification.message
        assert notification.url == reverse("treatments:detail", args=[medication.treatment.public_id])
    assert any("renouvellement" in notification.message for notification in notifications)


def test_runs_twice_sent_once(alice, medication):
    tick(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS))
    tick(datetime.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS))
    tick(datetime.datetime(2026, 11, 29, 10, 0, tzinfo=PARIS))

    assert len(supply_notifications(alice)) == 2


def test_a_new_due_date_is_reminded_again(alice, medication):
    tick(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS))
    Dispensing.objects.create(
        medication=medication, dispensed_on=datetime.date(2026, 12, 1), units=30, is_renewal=True, recorded_by=alice
    )

    tick(datetime.datetime(2026, 12, 27, 9, 0, tzinfo=PARIS))

    assert len(supply_notifications(alice)) == 4


def test_the_names_are_shown_when_the_patient_chose_them(alice, medication):
    services.reminder_settings_update(actor=alice, values={"show_drug_names": True})

    tick(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS))

    assert all("LEVOTHYROX 50" in notification.message for notification in supply_notifications(alice))


def test_the_days_are_the_patients_own(alice, medication):
    """In Nouméa (UTC+11) it is already 27 November when it is 26 November in UTC."""
    alice.time_zone = "Pacific/Noumea"
    alice.save()

    tick(datetime.datetime(2026, 11, 26, 14, 0, tzinfo=datetime.UTC))  # 01:00 on the 27th in Nouméa

    assert len(supply_notifications(alice)) == 2

    SupplyReminder.objects.all().delete()
    Notification.objects.all().delete()
    alice.time_zone = "America/Los_Angeles"
    alice.save()
    tick(datetime.datetime(2026, 11, 27, 7, 0, tzinfo=datetime.UTC))  # still the 26th in Los Angeles

    assert supply_notifications(alice) == []


def test_a_paused_or_stopped_medication_is_not_reminded(alice, medication):
    services.treatment_set_status(actor=alice, treatment=medication.treatment, status=TreatmentStatus.PAUSED)

    tick(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS))

    assert supply_notifications(alice) == []
