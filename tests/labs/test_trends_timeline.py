"""The timeline links to the lab results when the viewer sees a value, for one query whatever its records."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from health_records import panels
from labs.trend_panels import timeline_lab_results_link
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.labs.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registered():
    """LabsConfig.ready() registers the link; registering it again changes nothing."""
    panels.register(panels.TIMELINE, timeline_lab_results_link)


def timeline(client, patient):
    return client.get(reverse("health_records:timeline", args=[patient.public_id])).content.decode()


def link_to(patient) -> str:
    return f'href="{reverse("labs:trends", args=[patient.public_id])}"'


def test_the_timeline_links_to_the_lab_results_of_a_viewer_who_sees_values(alice, bob, bob_sees_alice, lab_file):
    assert link_to(alice) in timeline(signed_in(alice), alice)
    assert link_to(alice) in timeline(signed_in(bob), alice)


def test_no_link_without_a_value_the_viewer_sees(alice, kate, rob, lab_file):
    assert link_to(alice) not in timeline(signed_in(kate), alice)  # imaging only
    assert link_to(alice) in timeline(signed_in(rob), alice)  # the spring lab results


def test_no_link_for_a_patient_without_lab_results(alice):
    HealthRecordFactory(patient=alice)

    assert link_to(alice) not in timeline(signed_in(alice), alice)


@pytest.mark.parametrize("count", [5, 60])
def test_the_link_costs_one_query_whatever_the_records(alice, rob, lab_file, monkeypatch, count):
    for record in HealthRecordFactory.create_batch(count, patient=alice, kind="lab_result"):
        RecordFileFactory(record=record)
    client = signed_in(rob)  # a scoped grant: the costlier question
    timeline(client, alice)

    with CaptureQueriesContext(connection) as with_link:
        timeline(client, alice)
    monkeypatch.setattr(
        panels,
        "_contributors",
        {
            **panels._contributors,
            panels.TIMELINE: [
                contributor
                for contributor in panels._contributors[panels.TIMELINE]
                if contributor is not timeline_lab_results_link
            ],
        },
    )
    with CaptureQueriesContext(connection) as without_link:
        timeline(client, alice)

    assert len(with_link) - len(without_link) == 1
