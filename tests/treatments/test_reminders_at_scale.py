"""Reminders planned by ranges of patients and sent in claimed batches: every patient in exactly one range, each
reminder sent exactly once whatever runs twice, crashes or races, with a fixed number of queries per batch."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notifications.models import Notification
from tests.factories import MedicationFactory, PatientFactory, TreatmentFactory
from treatments import reminders, services
from treatments.models import ReminderDispatch

PARIS = ZoneInfo("Europe/Paris")
AT = datetime.datetime(2026, 2, 10, 8, 0, 30, tzinfo=PARIS)


def patients_due_at_eight(count: int) -> list[User]:
    patients = PatientFactory.create_batch(count)
    for patient in patients:
        services.reminder_settings_ensure(patient=patient)
        treatment = TreatmentFactory(patient=patient, start_date=datetime.date(2026, 1, 1))
        MedicationFactory(treatment=treatment, morning=True)
        MedicationFactory(treatment=treatment, morning=True, name="AMOXICILLINE 1 g")
    return patients


def reminded() -> list[int]:
    return sorted(Notification.objects.filter(event="reminder").values_list("recipient_id", flat=True))


@pytest.mark.django_db
def test_the_ranges_hold_every_patient_exactly_once_and_plan_each_once(settings):
    patients = patients_due_at_eight(7)
    ranges = reminders.partitions(3)

    for patient in patients:
        assert sum(low <= patient.pk < high for low, high in ranges) == 1
    with time_machine.travel(AT, tick=False):
        planned = [reminders.plan(now=AT, low=low, high=high) for low, high in ranges]
        sent = [reminders.dispatches_send(now=AT, low=low, high=high) for low, high in ranges]

    assert sum(planned) == sum(sent) == 7
    assert reminded() == sorted(patient.pk for patient in patients)
    # A patient who signs up after the ranges were cut is in the last one.
    assert ranges[-1][1] == reminders.LAST_ID


@pytest.mark.django_db
def test_running_the_same_moment_again_sends_nothing():
    patients_due_at_eight(3)
    with time_machine.travel(AT, tick=False):
        assert reminders.partition_run(now=AT, low=0, high=reminders.LAST_ID) == 3
        assert reminders.partition_run(now=AT, low=0, high=reminders.LAST_ID) == 0
        assert reminders.plan(now=AT) == 0

    assert len(reminded()) == 3


@pytest.mark.django_db
def test_a_crash_between_the_claim_and_the_notifications_loses_nothing_and_sends_nothing_twice(monkeypatch, settings):
    settings.REMINDER_SEND_BATCH = 2
    patients_due_at_eight(5)
    real_notify_many = reminders.notify_many
    calls = []

    def dies_on_the_second_batch(**arguments):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_notify_many(**arguments)

    monkeypatch.setattr(reminders, "notify_many", dies_on_the_second_batch)
    with time_machine.travel(AT, tick=False):
        reminders.plan(now=AT)
        with pytest.raises(SystemExit):
            reminders.dispatches_send(now=AT)
        # The first batch is sent; the second was claimed, then rolled back with the worker: pending again.
        assert len(reminded()) == 2
        assert ReminderDispatch.objects.filter(status=ReminderDispatch.Status.PENDING).count() == 3

        assert reminders.dispatches_send(now=AT) == 3  # the next tick's task

    assert len(reminded()) == len(set(reminded())) == 5
    assert set(ReminderDispatch.objects.values_list("status", flat=True)) == {ReminderDispatch.Status.SENT}


@pytest.mark.django_db
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(settings):
    patients_due_at_eight(12)
    with time_machine.travel(AT, tick=False):
        reminders.plan(now=AT)
        two_patients = ReminderDispatch.objects.order_by("patient_id")[2].patient_id
        settings.REMINDER_SEND_BATCH = 2
        with CaptureQueriesContext(connection) as small:
            reminders.dispatches_send(now=AT, low=0, high=two_patients)
        settings.REMINDER_SEND_BATCH = 10
        with CaptureQueriesContext(connection) as large:
            reminders.dispatches_send(now=AT)

    # Each call: one batch, then one claim that finds nothing.
    assert len(large) == len(small)
    assert len(reminded()) == 12


@pytest.mark.postgres
def test_four_senders_at_once_send_each_reminder_exactly_once(transactional_db, settings):
    settings.REMINDER_SEND_BATCH = 5
    patients = patients_due_at_eight(60)
    reminders.plan(now=AT)
    start = threading.Barrier(4)
    sent_by_each = []
    errors = []

    def sender():
        try:
            start.wait()
            sent_by_each.append(reminders.dispatches_send(now=AT))
        except Exception as error:  # reported below, with the test's own assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(sent_by_each) == 60
    assert reminded() == sorted(patient.pk for patient in patients)
    assert ReminderDispatch.objects.filter(status=ReminderDispatch.Status.SENT).count() == 60
