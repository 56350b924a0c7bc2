"""Planning and sending reminders: once per patient and moment, never for paused or stopped treatments,
caught up within the lateness window and never after it, correct across daylight-saving days."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from notifications.models import Notification
from relyfe import outbox
from relyfe.models import OutboxMessage
from tests.factories import MedicationFactory, TreatmentFactory
from treatments import reminders, services
from treatments.models import Intake, Moment, ReminderDispatch, TreatmentStatus
from treatments.tasks import send_reminder_dispatches

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*parts):
    return datetime.datetime(*parts, tzinfo=PARIS)


@pytest.fixture
def treatment(alice):
    services.reminder_settings_ensure(patient=alice)
    return TreatmentFactory(patient=alice, start_date=datetime.date(2026, 1, 1))


def run_tick(at):
    with time_machine.travel(at, tick=False):
        reminders.plan(now=at)
        for dispatch_id in reminders.dispatches_to_queue(now=at):
            reminders.dispatch_send(dispatch_id=dispatch_id, now=at)


def reminders_of(patient):
    return list(Notification.objects.filter(recipient=patient, event="reminder").order_by("created_at"))


def test_one_reminder_per_patient_and_moment_listing_what_to_take(alice, treatment):
    MedicationFactory(treatment=treatment, name="DOLIPRANE", morning=True, evening=True)
    MedicationFactory(treatment=treatment, name="AMOXICILLINE", morning=True)

    run_tick(paris(2026, 2, 10, 8, 0, 30))

    [reminder] = reminders_of(alice)
    assert reminder.message == str(reminders.MOMENT_MESSAGES["morning"]) or "matin" in reminder.message
    assert "DOLIPRANE" not in reminder.message  # no drug names unless the patient asks for them
    dispatch = ReminderDispatch.objects.get()
    assert sorted(intake.medication.name for intake in dispatch.intakes.all()) == ["AMOXICILLINE", "DOLIPRANE"]
    assert reminder.url == reverse("treatments:today")
    assert [action["action"] for action in reminder.actions] == ["taken", "snooze"]


def test_ticks_every_minute_never_send_twice(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)

    for minute in range(0, 5):
        run_tick(paris(2026, 2, 10, 8, minute, 10))

    assert len(reminders_of(alice)) == 1
    assert Intake.objects.count() == 1


def test_two_planners_at_once_plan_each_reminder_once(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    at = paris(2026, 2, 10, 8, 0, 30)

    reminders.plan(now=at)
    reminders.plan(now=at)
    first = reminders.dispatch_send(dispatch_id=ReminderDispatch.objects.get().pk, now=at)
    second = reminders.dispatch_send(dispatch_id=ReminderDispatch.objects.get().pk, now=at)

    assert (first, second) == (True, False)
    assert len(reminders_of(alice)) == 1


def test_a_missed_tick_is_caught_up_within_the_window_but_not_after(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)  # 08:00
    MedicationFactory(treatment=treatment, noon=True)  # 12:00

    run_tick(paris(2026, 2, 10, 9, 45))  # the worker was down since 07:55: the 08:00 reminder still goes
    assert len(reminders_of(alice)) == 1

    run_tick(paris(2026, 2, 10, 14, 30))  # the noon one, 2 h 30 late, is dropped
    assert len(reminders_of(alice)) == 1


def test_the_lateness_window_marks_unsent_dispatches_late(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    reminders.plan(now=paris(2026, 2, 10, 8, 1))

    reminders.dispatches_to_queue(now=paris(2026, 2, 10, 10, 30))

    assert ReminderDispatch.objects.get().status == ReminderDispatch.Status.LATE


@pytest.mark.parametrize("status", [TreatmentStatus.PAUSED, TreatmentStatus.STOPPED])
def test_paused_and_stopped_treatments_are_not_reminded(alice, treatment, status):
    MedicationFactory(treatment=treatment, morning=True)
    treatment.status = status
    treatment.save()

    run_tick(paris(2026, 2, 10, 8, 0, 30))

    assert reminders_of(alice) == []


def test_a_stopped_medication_and_an_as_needed_one_are_not_reminded(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True, as_needed=True)
    stopped = MedicationFactory(treatment=treatment, morning=True)
    services.medication_stop(actor=alice, medication=stopped)

    run_tick(paris(2026, 2, 10, 8, 0, 30))

    assert reminders_of(alice) == []


def test_the_first_and_last_day_of_a_treatment(alice):
    services.reminder_settings_ensure(patient=alice)
    course = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 10), end_date=datetime.date(2026, 2, 11))
    MedicationFactory(treatment=course, morning=True, end_date=datetime.date(2026, 2, 11))

    for day in (9, 10, 11, 12):
        run_tick(paris(2026, 2, day, 8, 0, 30))

    assert [dispatch.local_date.day for dispatch in ReminderDispatch.objects.order_by("local_date")] == [10, 11]


@pytest.mark.parametrize(("day", "hours"), [((2026, 3, 29), range(0, 24)), ((2026, 10, 25), range(0, 24))])
def test_no_double_and_no_missing_reminder_on_daylight_saving_days(alice, treatment, day, hours):
    MedicationFactory(treatment=treatment, morning=True, noon=True, evening=True, bedtime=True, times=["02:30"])
    start = datetime.datetime(*day, tzinfo=PARIS).astimezone(datetime.UTC)

    for quarter in range(0, 26 * 4):  # every quarter of an hour over the (23, 24 or 25 hour) day
        run_tick(start + datetime.timedelta(minutes=15 * quarter))

    that_day = ReminderDispatch.objects.filter(local_date=datetime.date(*day))
    assert sorted(that_day.values_list("moment", flat=True)) == ["02:30", "bedtime", "evening", "morning", "noon"]
    assert that_day.filter(status=ReminderDispatch.Status.SENT).count() == 5


def test_patients_in_other_zones_are_reminded_at_their_own_morning(alice, dave):
    for patient, zone in ((alice, "Europe/Paris"), (dave, "America/New_York")):
        patient.time_zone = zone
        patient.save()
        services.reminder_settings_ensure(patient=patient)
        MedicationFactory(
            treatment=TreatmentFactory(patient=patient, start_date=datetime.date(2026, 1, 1)), morning=True
        )

    run_tick(paris(2026, 2, 10, 8, 0, 30))
    assert [bool(reminders_of(alice)), bool(reminders_of(dave))] == [True, False]

    run_tick(datetime.datetime(2026, 2, 10, 8, 0, 30, tzinfo=ZoneInfo("America/New_York")))
    assert bool(reminders_of(dave))


def test_a_medication_edited_during_the_day_applies_from_the_next_moment(alice, treatment):
    medication = MedicationFactory(treatment=treatment, morning=True, evening=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))

    with time_machine.travel(paris(2026, 2, 10, 10, 0), tick=False):
        services.medication_update(actor=alice, medication=medication, values={"evening": False, "bedtime": True})
    for hour in (19, 22):
        run_tick(paris(2026, 2, 10, hour, 0, 30))

    assert list(ReminderDispatch.objects.order_by("due_at").values_list("moment", flat=True)) == ["morning", "bedtime"]


def test_doses_already_taken_are_not_reminded(client, alice, treatment):
    medication = MedicationFactory(treatment=treatment, morning=True)
    with time_machine.travel(paris(2026, 2, 10, 7, 45), tick=False):
        client.force_login(alice)
        client.post(
            reverse("treatments:intake_answer"),
            {"medication": medication.public_id, "local_date": "2026-02-10", "moment": "morning", "answer": "taken"},
        )

    run_tick(paris(2026, 2, 10, 8, 0, 30))

    assert reminders_of(alice) == []
    assert not ReminderDispatch.objects.exists()


def test_taken_and_snooze_from_the_reminder_with_its_signed_url(client, alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))
    [reminder] = reminders_of(alice)
    snooze = next(action for action in reminder.actions if action["action"] == "snooze")

    with time_machine.travel(paris(2026, 2, 10, 8, 1), tick=False):
        response = client.post(snooze["url"])  # a phone's notification: no session, no form
    assert response.status_code == 204
    assert Intake.objects.get().status == Intake.Status.SNOOZED

    with time_machine.travel(paris(2026, 2, 10, 8, 20), tick=False):
        reminders.snoozed_send(now=paris(2026, 2, 10, 8, 20))
        reminders.snoozed_send(now=paris(2026, 2, 10, 8, 21))
    assert len(reminders_of(alice)) == 2  # reminded again once, after 15 minutes


def test_a_forged_action_url_does_nothing(client, alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))
    dispatch = ReminderDispatch.objects.get()

    response = client.post(reverse("treatments:reminder_action", args=[dispatch.public_id, "taken"]) + "?token=x")

    assert response.status_code == 404
    assert Intake.objects.get().status == Intake.Status.DUE


def test_a_reminders_link_acts_on_its_own_dose_and_action_for_a_day_only(client, alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    MedicationFactory(treatment=treatment, morning=False, noon=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))
    run_tick(paris(2026, 2, 10, 12, 0, 30))
    morning, noon = ReminderDispatch.objects.order_by("due_at")
    taken = next(action for action in reminders_of(alice)[0].actions if action["action"] == "taken")
    token = taken["url"].split("?token=")[1]

    with time_machine.travel(paris(2026, 2, 10, 12, 1), tick=False):
        # The token of the morning's "taken" neither snoozes the morning nor answers noon.
        snooze = reverse("treatments:reminder_action", args=[morning.public_id, "snooze"])
        assert client.post(f"{snooze}?token={token}").status_code == 404
        at_noon = reverse("treatments:reminder_action", args=[noon.public_id, "taken"])
        assert client.post(f"{at_noon}?token={token}").status_code == 404
    with time_machine.travel(paris(2026, 2, 11, 8, 2), tick=False):
        assert client.post(taken["url"]).status_code == 404  # a day later
    assert set(Intake.objects.values_list("status", flat=True)) == {Intake.Status.DUE}

    with time_machine.travel(paris(2026, 2, 10, 12, 3), tick=False):
        assert client.post(taken["url"]).status_code == 204
    assert Intake.objects.get(dispatch=morning).status == Intake.Status.TAKEN
    assert Intake.objects.get(dispatch=noon).status == Intake.Status.DUE


def test_a_link_sent_before_the_shorter_tokens_still_works_within_its_day(client, alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))
    dispatch = ReminderDispatch.objects.get()
    with time_machine.travel(paris(2026, 2, 10, 8, 0, 30), tick=False):
        legacy = signing.dumps(
            {"dispatch": str(dispatch.public_id), "action": "taken"}, salt="relyfe.reminder-action", compress=True
        )
    url = reverse("treatments:reminder_action", args=[dispatch.public_id, "taken"]) + f"?token={legacy}"

    with time_machine.travel(paris(2026, 2, 10, 8, 5), tick=False):
        assert client.post(url).status_code == 204
    assert Intake.objects.get().status == Intake.Status.TAKEN


def test_a_snoozed_dose_is_not_reminded_again_once_its_treatment_is_stopped(client, alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)
    run_tick(paris(2026, 2, 10, 8, 0, 30))
    with time_machine.travel(paris(2026, 2, 10, 8, 1), tick=False):
        services.dispatch_answer(patient=alice, dispatch=ReminderDispatch.objects.get(), answer=Intake.Status.SNOOZED)
        services.treatment_set_status(actor=alice, treatment=treatment, status=TreatmentStatus.STOPPED)

    with time_machine.travel(paris(2026, 2, 10, 8, 30), tick=False):
        assert reminders.snoozed_send(now=paris(2026, 2, 10, 8, 30)) == 0

    assert len(reminders_of(alice)) == 1


def test_the_tick_queues_one_task_per_range_of_patients_through_the_outbox(alice, treatment, settings):
    settings.REMINDER_PARTITIONS = 3
    MedicationFactory(treatment=treatment, morning=True)
    at = paris(2026, 2, 10, 8, 0, 30)

    with time_machine.travel(at, tick=False):
        reminders.tick(now=at)
        reminders.tick(now=at)  # the broker has not taken them yet: nothing piles up

    messages = OutboxMessage.objects.order_by("key")
    assert [message.key for message in messages] == [f"reminders_partition:{index}" for index in range(3)]
    assert {message.task for message in messages} == {"treatments.tasks.reminders_partition_run"}
    ranges = [tuple(message.args) for message in messages]
    assert ranges[0][0] == 0 and ranges[-1][1] == reminders.LAST_ID
    assert all(ranges[index][1] == ranges[index + 1][0] for index in range(2))
    assert ReminderDispatch.objects.count() == 0  # the workers plan, in parallel


def test_a_reminder_whose_task_was_lost_is_sent_once_by_the_sweeper_and_one_too_late_never(alice, treatment):
    MedicationFactory(treatment=treatment, morning=True)  # 08:00
    MedicationFactory(treatment=treatment, noon=True)  # 12:00
    for at in (paris(2026, 2, 10, 8, 0, 30), paris(2026, 2, 10, 12, 0, 30)):
        reminders.plan(now=at)  # queued as they are planned, and the worker died before sending them

    OutboxMessage.objects.update(state=OutboxMessage.State.SENT)

    with time_machine.travel(paris(2026, 2, 10, 12, 10), tick=False):
        outbox.sweep(now=paris(2026, 2, 10, 12, 10))
        outbox.sweep(now=paris(2026, 2, 10, 12, 11))  # queued a minute ago: left alone
        [resent] = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        send_reminder_dispatches(*resent.args)
        send_reminder_dispatches(*resent.args)  # delivered twice

    assert resent.args == [ReminderDispatch.objects.get(moment=Moment.NOON).pk]
    assert len(reminders_of(alice)) == 1  # the noon one, once
    morning = ReminderDispatch.objects.get(moment=Moment.MORNING)
    # Four hours late: the patient was not reminded; the dose stays on their Today page.
    assert morning.status == ReminderDispatch.Status.LATE
    assert {intake.status for intake in morning.intakes.all()} == {Intake.Status.DUE}
