"""The lab readings' API, for the mobile apps: a record's readings, one reading, its confirmation; errors in the
project's one shape."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from labs.models import LabReading, Observation
from tests.factories import LAB_PROPOSAL, HealthRecordFactory, LabReadingFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading(alice):
    return LabReadingFactory(record__patient=alice)


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def confirm_url(reading) -> str:
    return reverse("api:lab-reading-confirm", args=[reading.public_id])


def test_the_readings_of_a_record_are_listed_oldest_first(api, alice, reading):
    record = reading.record
    second = LabReading.objects.create(
        record=record, record_file=RecordFileFactory(record=record), status=LabReading.Status.QUEUED
    )

    response = api.get(reverse("api:record-lab-readings", args=[record.public_id]))

    assert response.status_code == 200
    body = response.json()
    assert [each["public_id"] for each in body] == [str(reading.public_id), str(second.public_id)]
    assert (body[1]["status"], body[1]["progress"], body[1]["proposal"]) == ("queued", 0, {})
    assert body[0]["record"] == str(record.public_id)
    assert AccessEvent.objects.filter(actor=alice, action="view", object_id=record.public_id).exists()


def test_a_record_of_another_kind_has_no_lab_readings(api, alice):
    record = HealthRecordFactory(patient=alice, kind="imaging")

    assert api.get(reverse("api:record-lab-readings", args=[record.public_id])).json() == []


def test_one_reading_gives_its_status_progress_and_proposal(api, reading):
    response = api.get(reverse("api:lab-reading", args=[reading.public_id]))

    body = response.json()
    assert (body["status"], body["progress"], body["engine"]) == ("ready", 100, "pdf-text")
    assert body["proposal"] == LAB_PROPOSAL
    assert body["file"] == str(reading.record_file.public_id)


def test_confirming_creates_the_observations_as_corrected(api, alice, reading):
    response = api.post(
        confirm_url(reading),
        {
            "sampled_on": "2026-03-02",
            "laboratory": "Cerballiance",
            "observations": [
                {
                    "loinc": "4548-4",
                    "label": "HbA1c",
                    "value": "6,8",
                    "unit": "%",
                    "reference_low": "4",
                    "reference_high": 6,
                },
                {"loinc": "15074-8", "value": 1.05, "unit": "g/l", "flag": ""},
                {"label": "Ferritine", "value": "45", "unit": "µg/L"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(each["label"], each["value"], each["unit"], each["flag"]) for each in body] == [
        ("HbA1c", "6.8", "%", "H"),
        ("Glycémie à jeun", "1.05", "g/L", ""),
        ("Ferritine", "45", "µg/L", ""),
    ]
    assert body[1]["unified_value"] == "5.8286"
    assert {each["record"] for each in body} == {str(reading.record.public_id)}
    reading.refresh_from_db()
    assert (reading.status, reading.confirmed_by) == ("confirmed", alice)


def test_confirming_twice_is_refused_in_the_error_shape(api, reading):
    data = {"sampled_on": "2026-03-02", "observations": [{"loinc": "4548-4", "value": "6.8", "unit": "%"}]}
    api.post(confirm_url(reading), data, format="json")

    again = api.post(confirm_url(reading), data, format="json")

    assert again.status_code == 400
    assert again.json() == {
        "code": "confirmed",
        "detail": "These lab results were confirmed already.",
        "fields": {"non_field_errors": ["These lab results were confirmed already."]},
    }
    assert Observation.objects.count() == 1


NOT_A_NUMBER = "Enter a number, such as 6,8 or 6.8."


@pytest.mark.parametrize(
    ("observation", "field", "message"),
    [
        ({"loinc": "4548-4", "value": "six", "unit": "%"}, "observations.0.value", NOT_A_NUMBER),
        ({"loinc": "4548-4", "value": "6.8", "unit": "g/L"}, "observations.0.unit", "This analyte is reported in %."),
        (
            {"loinc": "4548-4", "value": "6.8", "unit": "%", "reference_low": "7", "reference_high": "6"},
            "observations.0.reference_high",
            "The high end of the range is below its low end.",
        ),
        ({"value": "6.8"}, "observations.0.label", "Choose the analyte, or write its name."),
        ({"loinc": "9999-9", "value": "6.8"}, "observations.0.loinc", '"9999-9" is not a valid choice.'),
    ],
)
def test_a_wrong_value_is_refused_on_its_field(api, reading, observation, field, message):
    response = api.post(
        confirm_url(reading), {"sampled_on": "2026-03-02", "observations": [observation]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"][field] == [message]
    assert not Observation.objects.exists()


def test_a_unit_kept_as_written_is_accepted(api, reading):
    response = api.post(
        confirm_url(reading),
        {
            "sampled_on": "2026-03-02",
            "observations": [{"loinc": "4548-4", "value": "51", "unit": "mmol/mol", "unit_as_written": True}],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()[0]["unified_value"] is None


def test_a_sample_date_in_the_future_is_refused(api, reading):
    response = api.post(
        confirm_url(reading),
        {"sampled_on": "2999-01-01", "observations": [{"loinc": "4548-4", "value": "6.8", "unit": "%"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["sampled_on"] == ["The sample date cannot be in the future."]


def test_nothing_to_confirm_is_refused(api, reading):
    response = api.post(confirm_url(reading), {"sampled_on": "2026-03-02", "observations": []}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"observations.non_field_errors": ["This list may not be empty."]}


def test_the_schema_documents_the_three_operations_and_their_errors(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    confirm = schema["paths"]["/api/v1/lab-readings/{reading_id}/confirm/"]["post"]
    assert {"201", "400", "404"} <= set(confirm["responses"])
    assert "/api/v1/records/{record_id}/lab-readings/" in schema["paths"]
    assert "/api/v1/lab-readings/{reading_id}/" in schema["paths"]
    assert "LabConfirm" in str(confirm["requestBody"])
