"""Missed-dose alerts: a caregiver who asked for them hears, once, of a dose the patient left unanswered past the
caregiver's delay; never of an answered one, nor after being revoked. Time is frozen at chosen instants."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from erasure import services as erasure
from notifications.models import Delivery, Event, Notification, NotificationSettings
from tests.factories import CaregiverFactory, MedicationFactory, PatientFactory, StaffFactory, TreatmentFactory
from treatments import reminders, services
from treatments.missed_doses import missed_dose_alerts_send
from treatments.models import Intake, MissedDoseAlert, TreatmentStatus
from treatments.tasks import missed_dose_alerts_tick

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime.date(2026, 3, 10)


def paris(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def at(hour, minute=0, day=DAY):
    return time_machine.travel(paris(hour, minute, day), tick=False)


def patient_taking_a_morning_dose(first_name="Alice", *, reminded=False, **medication):
    """A patient whose morning (08:00) dose started the day before; reminders off unless `reminded`."""
    with at(7, day=DAY - datetime.timedelta(days=1)):
        patient = PatientFactory(first_name=first_name)
        settings = services.reminder_settings_ensure(patient=patient)
        settings.enabled = reminded
        settings.save()
        treatment = TreatmentFactory(patient=patient, start_date=DAY - datetime.timedelta(days=1))
        MedicationFactory(treatment=treatment, **{"name": "AMOXICILLINE 1 g", "morning": True, **medication})
    return patient


def caregiver_of(patient, first_name="Carol", *, accepted=None, **rights):
    helper = PatientFactory(first_name=first_name)
    CaregiverFactory(
        patient=patient,
        caregiver=helper,
        missed_dose_alerts=rights.pop("missed_dose_alerts", True),
        accepted_at=accepted or paris(6, day=DAY - datetime.timedelta(days=2)),
        created_at=paris(6, day=DAY - datetime.timedelta(days=2)),
        **rights,
    )
    return helper


def tick(hour, minute=0, day=DAY):
    with at(hour, minute, day):
        return missed_dose_alerts_send()


def alerts_of(user):
    return list(Notification.objects.filter(recipient=user, event=Event.MISSED_DOSE))


@pytest.fixture
def alice():
    return patient_taking_a_morning_dose()


def test_a_caregiver_is_alerted_once_when_a_dose_stays_unanswered_past_their_delay(alice):
    carol = caregiver_of(alice, missed_dose_delay_minutes=60)

    before_the_delay = tick(8, 59)
    after_the_delay = tick(9, 1)
    again = tick(9, 6)

    assert (before_the_delay, after_the_delay, again) == (0, 1, 0)
    (alert,) = alerts_of(carol)
    assert alert.message == f"{alice.full_name} n’a pas indiqué avoir pris sa dose de 8 h 00"
    assert alert.url == f"{reverse('treatments:caring')}#patient-{alice.public_id}"
    assert "AMOXICILLINE" not in alert.message
    assert alert.email_state == Delivery.PENDING  # e-mail and in-app, as her preferences say
    intake = Intake.objects.get()
    assert (intake.local_date, intake.moment, intake.status) == (DAY, "morning", Intake.Status.DUE)
    assert MissedDoseAlert.objects.get().intake == intake
    assert not alerts_of(alice)


def test_each_caregiver_has_their_own_delay(alice):
    quick = caregiver_of(alice, "Quentin", missed_dose_delay_minutes=30)
    patient = caregiver_of(alice, "Paula", missed_dose_delay_minutes=180)

    tick(8, 31)
    quick_at_half_past, patient_at_half_past = len(alerts_of(quick)), len(alerts_of(patient))
    tick(11, 1)

    assert (quick_at_half_past, patient_at_half_past) == (1, 0)
    assert (len(alerts_of(quick)), len(alerts_of(patient))) == (1, 1)


@pytest.mark.parametrize("answer", ["taken", "skipped"])
def test_an_answered_dose_is_not_alerted(alice, answer):
    carol = caregiver_of(alice)
    medication = alice.treatments.get().medications.get()
    with at(8, 20):
        services.intake_answer(
            actor=alice, medication=medication, local_date=DAY, moment="morning", due_at=paris(8), answer=answer
        )

    assert tick(9, 30) == 0
    assert not alerts_of(carol)


def test_a_dose_answered_by_another_caregiver_is_not_alerted(alice):
    carol = caregiver_of(alice)
    daniel = caregiver_of(alice, "Daniel", answer_doses=True, missed_dose_alerts=False)
    medication = alice.treatments.get().medications.get()
    with at(8, 45):
        services.intake_answer(
            actor=daniel, medication=medication, local_date=DAY, moment="morning", due_at=paris(8), answer="taken"
        )

    tick(9, 30)

    assert not alerts_of(carol)


def test_a_snoozed_dose_counts_from_the_end_of_its_snooze(alice):
    carol = caregiver_of(alice, missed_dose_delay_minutes=60)
    medication = alice.treatments.get().medications.get()
    with at(8, 30):  # snoozed for 15 minutes: due again at 08:45
        services.intake_answer(
            actor=alice, medication=medication, local_date=DAY, moment="morning", due_at=paris(8), answer="snoozed"
        )

    assert tick(9, 30) == 0
    assert tick(9, 46) == 1
    assert len(alerts_of(carol)) == 1


def test_a_revoked_an_invited_or_an_unwilling_caregiver_is_not_alerted(alice):
    revoked = caregiver_of(alice, "Rita", revoked=True)
    unwilling = caregiver_of(alice, "Ulysse", missed_dose_alerts=False, answer_doses=True)
    guardian = caregiver_of(alice, "Gaston", guardian=True, missed_dose_alerts=False)
    CaregiverFactory(patient=alice, caregiver=None, invited_email="iris@example.org", missed_dose_alerts=True)

    assert tick(12) == 0
    assert not alerts_of(revoked) and not alerts_of(unwilling) and not alerts_of(guardian)


def test_a_caregiver_added_today_hears_only_of_doses_due_since(alice):
    yesterday = DAY - datetime.timedelta(days=1)
    # Alice missed yesterday's dose and today's: carol accepted at 08:30, after today's was due; eve two days ago.
    carol = caregiver_of(alice, accepted=paris(8, 30))
    early = caregiver_of(alice, "Eve")

    tick(12)

    assert not alerts_of(carol)
    assert len(alerts_of(early)) == 1  # today's dose only: yesterday's is more than a day back
    assert MissedDoseAlert.objects.get().intake.local_date == DAY
    assert not Intake.objects.filter(local_date=yesterday).exists()


def test_doses_as_needed_of_a_paused_treatment_or_a_stopped_medication_are_not_alerted():
    as_needed = patient_taking_a_morning_dose("Anne", as_needed=True, morning=False)
    paused = patient_taking_a_morning_dose("Paul")
    paused.treatments.update(status=TreatmentStatus.PAUSED)
    stopped = patient_taking_a_morning_dose("Sophie")
    stopped.treatments.get().medications.update(stopped_at=paris(7))
    helpers = [caregiver_of(patient, f"Aidant {number}") for number, patient in enumerate([as_needed, paused, stopped])]

    assert tick(12) == 0
    assert not any(alerts_of(helper) for helper in helpers)


def test_the_names_are_said_only_when_the_patient_chose_to_see_them(alice):
    alice.reminder_settings.show_drug_names = True
    alice.reminder_settings.save()
    carol = caregiver_of(alice)

    tick(9, 1)

    assert alerts_of(carol)[0].message.endswith("sa dose de 8 h 00 : AMOXICILLINE 1 g")


def test_a_patient_with_reminders_has_the_row_the_planner_made_alerted():
    reminded = patient_taking_a_morning_dose("Rose", reminded=True)
    carol = caregiver_of(reminded)
    with at(8):
        reminders.plan(now=paris(8))
    planned = Intake.objects.get()

    tick(9, 1)

    assert MissedDoseAlert.objects.get().intake == planned
    assert len(alerts_of(carol)) == 1


def test_a_dose_the_planner_may_still_plan_is_left_to_it():
    """A patient with reminders on whose dose has no row yet (the planner is late): the row is the planner's to
    make while it is within its window; after the window, nobody will, and the alert makes it."""
    reminded = patient_taking_a_morning_dose("Rose", reminded=True)
    carol = caregiver_of(reminded, missed_dose_delay_minutes=60)

    assert tick(9, 1) == 0
    assert not Intake.objects.exists()
    assert tick(10, 1) == 1
    assert len(alerts_of(carol)) == 1


def test_the_caregivers_quiet_hours_hold_back_the_email_and_the_push(alice):
    carol = caregiver_of(alice)
    NotificationSettings.objects.create(user=carol, quiet_start=datetime.time(8), quiet_end=datetime.time(10))

    tick(9, 1)

    (alert,) = alerts_of(carol)
    assert (alert.in_app, alert.email_state, alert.push_state) == (True, Delivery.NOT_ASKED, Delivery.NOT_ASKED)


def test_the_doses_of_one_moment_make_one_alert(alice):
    treatment = alice.treatments.get()
    with at(7, day=DAY - datetime.timedelta(days=1)):
        MedicationFactory(treatment=treatment, name="DOLIPRANE 1000 mg", morning=True)
    carol = caregiver_of(alice)

    tick(9, 1)

    (alert,) = alerts_of(carol)
    assert alert.message == f"{alice.full_name} n’a pas indiqué avoir pris ses médicaments de 8 h 00"
    assert MissedDoseAlert.objects.count() == 2


def test_the_tick_task_sends_the_alerts(alice):
    carol = caregiver_of(alice)

    with at(9, 1):
        missed_dose_alerts_tick.apply()

    assert len(alerts_of(carol)) == 1


def test_finding_the_doses_costs_the_same_queries_for_one_patient_or_many(django_assert_max_num_queries):
    """Every dose answered: what the tick costs is finding them, which must not grow with the patients."""

    def answered_patient(first_name):
        patient = patient_taking_a_morning_dose(first_name)
        caregiver_of(patient, f"Aidant de {first_name}")
        with at(8, 10):
            services.intake_answer(
                actor=patient,
                medication=patient.treatments.get().medications.get(),
                local_date=DAY,
                moment="morning",
                due_at=paris(8),
                answer="taken",
            )

    answered_patient("Premier")
    with CaptureQueriesContext(connection) as one, at(9, 30):
        missed_dose_alerts_send()
    for number in range(20):
        answered_patient(f"Patient {number}")

    with django_assert_max_num_queries(len(one)), at(9, 30):
        assert missed_dose_alerts_send() == 0


def test_alerts_for_many_patients_cost_a_bounded_number_of_queries_each(django_assert_max_num_queries):
    """Finding the doses: 6 queries (caregivers, medications, rows, missing rows made, made rows, alerts sent);
    then each alert: its row and one notification (its preferences, quiet hours, the row, the outbox), 22
    statements with the savepoints that keep each alert and its notification together."""
    for number in range(10):
        caregiver_of(patient_taking_a_morning_dose(f"Patient {number}"), f"Aidant {number}")

    with django_assert_max_num_queries(6 + 10 * 22), at(9, 30):
        assert missed_dose_alerts_send() == 10


def test_erasing_a_patient_erases_the_alerts_of_their_doses(alice):
    caregiver_of(alice)
    tick(9, 1)

    erasure.erase_patient(actor=StaffFactory(), user=alice, reason="Lettre du 3 mars")

    assert not MissedDoseAlert.objects.exists() and not Intake.objects.exists()
