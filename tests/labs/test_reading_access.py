"""Who reaches a lab reading, on every page and endpoint: the patient and whoever the policy lets see (or add to)
the record; nobody else learns it exists. A grant keeps to its scope: one on other kinds of records does not
reach a lab result's reading."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.models import Permission, Scope
from audit.models import AccessEvent
from labs.models import LabReading, Observation
from tests.factories import GrantFactory, HealthRecordFactory, LabReadingFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

CONFIRMATION = {
    "sampled_on": "2026-03-02",
    "observations": [{"loinc": "4548-4", "value": "6,8", "unit": "%"}],
}


@pytest.fixture
def reading(alice):
    return LabReadingFactory(record__patient=alice)


def calls(reading) -> list[tuple]:
    """Every page and endpoint about a lab reading: (method, url, data)."""
    review = {"sampled_on": "2026-03-02", "rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "0"}
    return [
        ("get", reverse("labs:reading_panel", args=[reading.public_id]), None),
        ("get", reverse("labs:reading_review", args=[reading.public_id]), None),
        ("post", reverse("labs:reading_review", args=[reading.public_id]), review),
        ("post", reverse("labs:reading_restart", args=[reading.public_id]), None),
        ("get", reverse("api:record-lab-readings", args=[reading.record.public_id]), None),
        ("get", reverse("api:lab-reading", args=[reading.public_id]), None),
        ("post", reverse("api:lab-reading-confirm", args=[reading.public_id]), CONFIRMATION),
    ]


def statuses(user, reading) -> dict:
    web, api = Client(), APIClient()
    if user is not None:
        web.force_login(user)
        api.force_authenticate(user)
    answers = {}
    for method, url, data in calls(reading):
        if url.startswith("/api/"):
            answers[(method, url)] = getattr(api, method)(url, data, format="json").status_code
        else:
            answers[(method, url)] = getattr(web, method)(url, data).status_code
    return answers


def nothing_changed(reading) -> None:
    reading.refresh_from_db()
    assert reading.status == LabReading.Status.READY
    assert not Observation.objects.exists()


@pytest.mark.parametrize("stranger", ["charlie", "dave"])
def test_someone_without_access_gets_404_everywhere(request, reading, stranger):
    user = request.getfixturevalue(stranger)

    answers = statuses(user, reading)

    assert set(answers.values()) == {404}, answers
    nothing_changed(reading)
    assert not AccessEvent.objects.filter(actor=user).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_or_refused(reading):
    answers = statuses(None, reading)

    web = {status for (method, url), status in answers.items() if not url.startswith("/api/")}
    api = {status for (method, url), status in answers.items() if url.startswith("/api/")}
    assert web == {302}
    assert api <= {401, 403}, answers
    nothing_changed(reading)


def test_a_grant_scoped_to_other_kinds_does_not_reach_the_reading(alice, reading):
    kate = ProfessionalFactory(email="kate@example.org")
    GrantFactory(patient=alice, professional=kate, kinds=["imaging", "photo"], permission=Permission.CONTRIBUTE)

    answers = statuses(kate, reading)

    assert set(answers.values()) == {404}, answers
    nothing_changed(reading)


def test_a_grant_on_other_records_does_not_reach_the_reading(alice, reading):
    rob = ProfessionalFactory(email="rob@example.org")
    other = HealthRecordFactory(patient=alice, kind="lab_result")
    GrantFactory(
        patient=alice, professional=rob, scope=Scope.RECORDS, records=[other], permission=Permission.CONTRIBUTE
    )

    answers = statuses(rob, reading)

    assert set(answers.values()) == {404}, answers
    nothing_changed(reading)


def test_a_grant_on_lab_results_reaches_and_confirms_the_reading(alice, reading):
    lucy = ProfessionalFactory(email="lucy@example.org")
    GrantFactory(patient=alice, professional=lucy, kinds=["lab_result"], permission=Permission.CONTRIBUTE)
    api = APIClient()
    api.force_authenticate(lucy)

    shown = api.get(reverse("api:lab-reading", args=[reading.public_id]))
    confirmed = api.post(reverse("api:lab-reading-confirm", args=[reading.public_id]), CONFIRMATION, format="json")

    assert (shown.status_code, confirmed.status_code) == (200, 201)
    assert Observation.objects.get().created_by == lucy


def test_a_read_only_grant_follows_the_reading_but_cannot_review_it(alice, bob, reading):
    GrantFactory(patient=alice, professional=bob)
    client = Client()
    client.force_login(bob)

    panel = client.get(reverse("labs:reading_panel", args=[reading.public_id]))
    review = client.get(reverse("labs:reading_review", args=[reading.public_id]))

    assert panel.status_code == 200
    assert reverse("labs:reading_review", args=[reading.public_id]) not in panel.content.decode()
    assert review.status_code == 404
    nothing_changed(reading)


def test_the_patient_and_a_contributing_professional_reach_every_page(alice, bob, bob_sees_alice, reading):
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("labs:reading_panel", args=[reading.public_id])).status_code == 200
        assert client.get(reverse("labs:reading_review", args=[reading.public_id])).status_code == 200
