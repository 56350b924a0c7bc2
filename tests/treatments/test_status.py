"""A treatment's status follows its dates when read: finished once its end is past, upcoming before its
start; only what a person decided (pause, stop, finish) is stored."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MedicationFactory, TreatmentFactory
from treatments import selectors
from treatments.models import Treatment

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("stored", "start", "end", "expected"),
    [
        ("active", DAY - datetime.timedelta(days=3), None, "active"),
        ("active", DAY - datetime.timedelta(days=3), DAY, "active"),
        ("active", DAY - datetime.timedelta(days=10), DAY - datetime.timedelta(days=1), "finished"),
        ("paused", DAY - datetime.timedelta(days=10), DAY - datetime.timedelta(days=1), "finished"),
        ("paused", DAY - datetime.timedelta(days=10), None, "paused"),
        ("stopped", DAY - datetime.timedelta(days=10), DAY + datetime.timedelta(days=10), "stopped"),
        ("active", DAY + datetime.timedelta(days=1), None, "upcoming"),
        ("finished", DAY - datetime.timedelta(days=3), None, "finished"),
    ],
)
def test_the_status_on_a_day_follows_the_dates(stored, start, end, expected):
    treatment = Treatment(status=stored, start_date=start, end_date=end)

    assert treatment.status_on(DAY) == expected
    assert treatment.is_current(DAY) == (expected == "active")


def test_the_patient_page_puts_ended_and_future_treatments_apart_from_current_ones(client, alice):
    today = selectors.patient_today(alice)
    ended = TreatmentFactory(
        patient=alice,
        title="Angine",
        start_date=today - datetime.timedelta(days=20),
        end_date=today - datetime.timedelta(days=13),
    )
    current = TreatmentFactory(patient=alice, title="Hypertension", start_date=today - datetime.timedelta(days=2))
    later = TreatmentFactory(patient=alice, title="Cure", start_date=today + datetime.timedelta(days=5))
    for treatment in (ended, current, later):
        MedicationFactory(treatment=treatment, morning=True)
    client.force_login(alice)

    response = client.get(reverse("treatments:patient", args=[alice.public_id]))

    assert [treatment for treatment, _adherence in response.context["current"]] == [current]
    assert response.context["upcoming"] == [later]
    assert [treatment for treatment, _adherence in response.context["past"]] == [ended]
    page = response.content.decode()
    assert "Traitements à venir" in page and "À venir" in page and "commence le" in page
    assert [item["medication"].treatment for group in response.context["plan"] for item in group["items"]] == [current]


def test_the_api_says_finished_for_a_treatment_whose_end_is_past_and_lists_it_last(client, alice):
    today = selectors.patient_today(alice)
    ended = TreatmentFactory(
        patient=alice, start_date=today - datetime.timedelta(days=20), end_date=today - datetime.timedelta(days=10)
    )
    current = TreatmentFactory(patient=alice, start_date=today - datetime.timedelta(days=30))
    client.force_login(alice)

    listed = client.get(reverse("api:patient-treatments", args=[alice.public_id])).json()
    detail = client.get(reverse("api:treatment", args=[ended.public_id])).json()

    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(row["public_id"], row["status"]) for row in rows] == [
        (str(current.public_id), "active"),
        (str(ended.public_id), "finished"),
    ]
    assert detail["status"] == "finished"
