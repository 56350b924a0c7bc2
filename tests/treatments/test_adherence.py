"""Adherence counts only the doses the patient was asked about: reminded, or answered, since the medication
was entered in ReLyfe. Everything else is "not tracked", and "not answered" is never "skipped"."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import MedicationFactory, TreatmentFactory
from treatments import reminders, selectors, services
from treatments.schedule import due_instant

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*parts):
    return datetime.datetime(*parts, tzinfo=PARIS)


def remind(at):
    """One tick of the reminder planner and sender, as beat runs it."""
    with time_machine.travel(at, tick=False):
        reminders.plan(now=at)
        for dispatch_id in reminders.dispatches_to_queue(now=at):
            reminders.dispatch_send(dispatch_id=dispatch_id, now=at)


def answer(patient, medication, day, moment, hour, value):
    with time_machine.travel(paris(day.year, day.month, day.day, hour, 5), tick=False):
        services.intake_answer(
            actor=patient,
            medication=medication,
            local_date=day,
            moment=moment,
            due_at=due_instant(day, datetime.time(hour), PARIS),
            answer=value,
        )


def adherence_at(treatment, at):
    with time_machine.travel(at, tick=False):
        return selectors.adherence(treatment=treatment, today=at.date())


@pytest.fixture
def tracked(alice):
    """A morning and evening medication entered in ReLyfe on Monday 9 February 2026, before its first dose."""
    settings = services.reminder_settings_ensure(patient=alice)
    with time_machine.travel(paris(2026, 2, 9, 7, 0), tick=False):
        treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 9))
        medication = MedicationFactory(treatment=treatment, morning=True, evening=True)
    return treatment, medication, settings


def test_it_counts_the_doses_asked_about_and_tells_skipped_from_not_answered(alice, tracked):
    treatment, medication, settings = tracked
    monday, tuesday = datetime.date(2026, 2, 9), datetime.date(2026, 2, 10)
    remind(paris(2026, 2, 9, 8, 0, 30))
    answer(alice, medication, monday, "morning", 8, "taken")
    remind(paris(2026, 2, 9, 19, 0, 30))
    answer(alice, medication, monday, "evening", 19, "skipped")
    remind(paris(2026, 2, 10, 8, 0, 30))  # reminded, never answered
    settings.enabled = False
    settings.save()
    remind(paris(2026, 2, 10, 19, 0, 30))  # reminders off: nobody asked

    adherence = adherence_at(treatment, paris(2026, 2, 11, 7, 0))

    assert (adherence["taken"], adherence["skipped"], adherence["not_answered"]) == (1, 1, 1)
    assert (adherence["asked"], adherence["not_tracked"], adherence["rate"]) == (3, 1, 33)
    assert not adherence["started_before_tracking"]
    monday_bar, tuesday_bar = adherence["bars"][-3], adherence["bars"][-2]
    assert (monday_bar["day"], tuesday_bar["day"]) == (monday, tuesday)
    assert [(segment["kind"], segment["count"]) for segment in monday_bar["segments"]] == [
        ("taken", 1),
        ("skipped", 1),
    ]
    assert [(segment["kind"], segment["count"]) for segment in tuesday_bar["segments"]] == [
        ("not_answered", 1),
        ("not_tracked", 1),
    ]
    assert sum(segment["height"] for segment in tuesday_bar["segments"]) == 48


def test_an_answer_without_a_reminder_counts_and_the_rest_is_not_tracked(alice, tracked):
    treatment, medication, settings = tracked
    settings.enabled = False
    settings.save()
    answer(alice, medication, datetime.date(2026, 2, 9), "morning", 8, "taken")

    adherence = adherence_at(treatment, paris(2026, 2, 10, 12, 0))

    assert (adherence["taken"], adherence["asked"], adherence["not_tracked"], adherence["rate"]) == (1, 1, 2, 100)


def test_with_reminders_off_and_no_answer_it_is_not_tracked_rather_than_zero(alice, tracked):
    treatment, _medication, settings = tracked
    settings.enabled = False
    settings.save()
    remind(paris(2026, 2, 9, 8, 0, 30))

    adherence = adherence_at(treatment, paris(2026, 2, 12, 12, 0))

    assert (adherence["rate"], adherence["asked"], adherence["not_tracked"]) == (None, 0, 7)
    assert adherence["not_tracked_because"] == "not_asked"


def test_a_treatment_begun_before_relyfe_counts_only_since_its_entry(alice):
    services.reminder_settings_ensure(patient=alice)
    with time_machine.travel(paris(2026, 2, 9, 12, 0), tick=False):
        treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2023, 12, 1), title="Hypothyroïdie")
        medication = MedicationFactory(treatment=treatment, morning=True)
    remind(paris(2026, 2, 10, 8, 0, 30))
    answer(alice, medication, datetime.date(2026, 2, 10), "morning", 8, "taken")

    adherence = adherence_at(treatment, paris(2026, 2, 10, 12, 0))

    assert (adherence["taken"], adherence["asked"], adherence["rate"]) == (1, 1, 100)
    assert adherence["started_before_tracking"]
    assert adherence["not_tracked"] == 802  # every morning from 1 December 2023 to 9 February 2026


def test_the_page_says_not_tracked_and_why_for_a_treatment_begun_before_relyfe(client, alice):
    with time_machine.travel(paris(2026, 2, 9, 7, 0), tick=False):
        treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2023, 12, 1), title="Hypothyroïdie")
        MedicationFactory(treatment=treatment, morning=True)
        client.force_login(alice)
        page = client.get(reverse("treatments:detail", args=[treatment.public_id])).content.decode()

    assert "Non suivi" in page
    assert "avant sa saisie dans ReLyfe le 9 février 2026" in page
    assert "0\xa0%" not in page and "0%" not in page
    for legend in ["prises", "sautées", "sans réponse", "non suivies"]:
        assert f"</span>{legend}</li>" in page


def test_the_page_shows_skipped_apart_from_not_answered(client, alice, tracked):
    treatment, medication, _settings = tracked
    remind(paris(2026, 2, 9, 8, 0, 30))
    remind(paris(2026, 2, 9, 19, 0, 30))
    answer(alice, medication, datetime.date(2026, 2, 9), "evening", 19, "skipped")
    client.force_login(alice)

    with time_machine.travel(paris(2026, 2, 10, 7, 0), tick=False):
        page = client.get(reverse("treatments:detail", args=[treatment.public_id])).content.decode()

    assert "0\xa0% des doses demandées ont été prises (0 sur 2)" in page
    assert "1 sautée · 1 sans réponse" in page
    assert "ne signifie pas que la dose a été manquée" in page


def test_a_finished_treatment_charts_its_own_last_days(client, alice, tracked):
    treatment, medication, _settings = tracked
    treatment.end_date = datetime.date(2026, 2, 11)
    treatment.save()
    answer(alice, medication, datetime.date(2026, 2, 11), "evening", 19, "taken")
    client.force_login(alice)

    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        response = client.get(reverse("treatments:detail", args=[treatment.public_id]))

    adherence = response.context["adherence"]
    assert adherence["bars"][-1]["day"] == datetime.date(2026, 2, 11)
    assert [segment["kind"] for segment in adherence["bars"][-1]["segments"]] == ["taken", "not_tracked"]
    assert "Ses 14 derniers jours, puis ses 8 dernières semaines." in response.content.decode()
