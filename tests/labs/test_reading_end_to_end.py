"""A lab report from upload to trend: the file stored with its record is read (the real reader on a generated
report in tests/data/labs), its values proposed as the report prints them, confirmed through the API, and
charted on the patient's lab results page."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from labs.models import LabReading, Observation
from tests.conftest import wait_until
from tests.files import upload

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "labs"
TRUTH = {report["id"]: report for report in json.loads((DATA / "truth.json").read_text())}


def add_lab_result(client, patient, name: str):
    data = {
        "kind": "lab_result",
        "title": "Bilan sanguin",
        "clinical_date": "2026-10-18",
        "files": [upload(name, (DATA / name).read_bytes())],
    }
    response = client.post(reverse("health_records:create", args=[patient.public_id]), data)
    assert response.status_code == 302, response.content


def as_read(observation: dict) -> tuple:
    return (
        observation["loinc"],
        observation["value"],
        observation["unit"],
        observation["reference_low"],
        (observation["reference_high"]),
    )


def test_an_uploaded_report_is_read_confirmed_and_charted(
    client, alice, tasks_run_at_once, django_capture_on_commit_callbacks
):
    truth = TRUTH["lab-0001"]
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        add_lab_result(client, alice, "lab-0001.pdf")

    reading = LabReading.objects.get()
    assert reading.status == LabReading.Status.READY, reading.error
    proposal = reading.result
    assert proposal["sampled_on"]["value"] == truth["sampled_on"]
    assert sorted(map(as_read, proposal["observations"])) == sorted(map(as_read, truth["observations"]))
    review = client.get(reverse("labs:reading_review", args=[reading.public_id])).text
    assert proposal["observations"][0]["line"] in review

    api = APIClient()
    api.force_authenticate(alice)
    confirmed = [
        {field: read[field] for field in ("loinc", "value", "unit", "reference_low", "reference_high")}
        for read in proposal["observations"]
    ]
    response = api.post(
        reverse("api:lab-reading-confirm", args=[reading.public_id]),
        {"sampled_on": truth["sampled_on"], "laboratory": truth["laboratory"], "observations": confirmed},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Observation.objects.filter(patient=alice).count() == len(truth["observations"])
    first = truth["observations"][0]["loinc"]
    trend = client.get(reverse("labs:analyte", args=[alice.public_id, first])).text
    assert "<svg" in trend


@pytest.mark.celery
def test_a_real_worker_reads_an_uploaded_report(celery_worker, client, transactional_db):
    from tests.factories import PatientFactory

    patient = PatientFactory()
    client.force_login(patient)
    add_lab_result(client, patient, "lab-0002.pdf")

    wait_until(
        lambda: LabReading.objects.filter(status=LabReading.Status.READY).exists(), worker=celery_worker, seconds=90
    )
    reading = LabReading.objects.get()
    truth = TRUTH["lab-0002"]
    assert sorted(map(as_read, reading.result["observations"])) == sorted(map(as_read, truth["observations"]))
