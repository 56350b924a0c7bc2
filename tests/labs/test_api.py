"""The lab results API: a patient's observations (filtered by analyte and dates, paginated) and one line per
analyte, as the caller may see them; the one error shape for what goes wrong."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from tests.factories import CaregiverFactory, ObservationFactory
from tests.labs.conftest import api_of

pytestmark = pytest.mark.django_db

HBA1C = "4548-4"


def observations(client, patient, **query):
    return client.get(reverse("api:patient-observations", args=[patient.public_id]), query)


def analytes(client, patient):
    return client.get(reverse("api:patient-analytes", args=[patient.public_id]), HTTP_ACCEPT_LANGUAGE="en")


def test_the_patient_lists_their_values_newest_first_with_the_fields_listed(alice, lab_file):
    body = observations(api_of(alice), alice).json()

    assert body["count"] == 7
    first = body["results"][0]
    assert set(first) == {
        "id",
        "record",
        "loinc",
        "label",
        "comparator",
        "value",
        "unit",
        "unified_value",
        "reference_low",
        "reference_high",
        "flag",
        "sampled_on",
        "laboratory",
    }
    assert [item["sampled_on"] for item in body["results"]] == sorted(
        (item["sampled_on"] for item in body["results"]), reverse=True
    )
    creatinine_in_mg = next(item for item in body["results"] if item["unit"] == "mg/L")
    assert creatinine_in_mg | {"id": None} == {
        "id": None,
        "record": str(lab_file["autumn"].public_id),
        "loinc": "2160-0",
        "label": "Créatinine",
        "comparator": "",
        "value": "8.5",
        "unit": "mg/L",
        "unified_value": "75.14",
        "reference_low": "5.1",
        "reference_high": "10.2",
        "flag": "",
        "sampled_on": "2026-10-05",
        "laboratory": "Laboratoire Bioclinic",
    }


def test_the_values_are_filtered_by_analyte_and_dates(alice, lab_file):
    client = api_of(alice)

    hba1c = observations(client, alice, analyte=HBA1C).json()["results"]
    assert [item["value"] for item in hba1c] == ["6.8", "5.9", "5.6"]
    since = observations(client, alice, analyte=HBA1C, since="2025-01-01").json()["results"]
    assert [item["sampled_on"] for item in since] == ["2026-10-05", "2025-03-10"]
    window = observations(client, alice, since="2025-01-01", until="2025-12-31").json()["results"]
    assert {item["sampled_on"] for item in window} == {"2025-03-10"}


def test_the_list_is_paginated(alice, lab_file):
    ObservationFactory.create_batch(50, patient=alice, record=lab_file["spring"])
    client = api_of(alice)

    first = observations(client, alice).json()
    assert (first["count"], len(first["results"])) == (57, 50) and first["next"]
    assert len(observations(client, alice, page=2).json()["results"]) == 7
    assert observations(client, alice, page=3).status_code == 404


def test_invalid_dates_are_a_400_in_the_one_error_shape(alice, lab_file):
    response = observations(api_of(alice), alice, since="yesterday")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "since" in body["fields"]
    reversed_window = observations(api_of(alice), alice, since="2026-01-01", until="2025-01-01")
    assert reversed_window.status_code == 400 and "until" in reversed_window.json()["fields"]


def test_one_line_per_analyte_with_its_count_and_latest_value(alice, lab_file):
    body = analytes(api_of(alice), alice).json()

    assert [line["loinc"] for line in body] == ["2160-0", "4548-4"]  # by name: Creatinine, Hemoglobin A1c
    hba1c = body[1]
    assert hba1c == {
        "loinc": HBA1C,
        "name": "Hemoglobin A1c",
        "unit": "%",
        "count": 3,
        "latest": {
            "sampled_on": "2026-10-05",
            "comparator": "",
            "value": "6.8",
            "unit": "%",
            "unified_value": "6.8",
            "flag": "H",
        },
    }
    assert body[0]["count"] == 3 and body[0]["latest"]["unified_value"] is None


def test_each_read_is_logged(alice, bob, bob_sees_alice, lab_file):
    observations(api_of(bob), alice)
    analytes(api_of(bob), alice)

    assert AccessEvent.objects.filter(actor=bob, patient=alice).count() == 2


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_someone_without_access_gets_a_404(request, alice, lab_file, who):
    client = api_of(request.getfixturevalue(who))

    for response in (observations(client, alice), analytes(client, alice)):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert not AccessEvent.objects.filter(patient=alice).exists()


def test_an_anonymous_caller_is_refused(alice, lab_file):
    client = APIClient()

    for response in (observations(client, alice), analytes(client, alice)):
        assert response.status_code in (401, 403)
        assert set(response.json()) >= {"code", "detail", "fields"}


def test_a_grant_on_other_kinds_sees_no_value(alice, kate, lab_file):
    client = api_of(kate)

    assert observations(client, alice).json()["count"] == 0
    assert analytes(client, alice).json() == []


def test_a_grant_on_chosen_records_sees_only_their_values(alice, rob, lab_file):
    client = api_of(rob)

    body = observations(client, alice).json()
    assert body["count"] == 3
    assert {item["record"] for item in body["results"]} == {str(lab_file["spring"].public_id)}
    assert {line["loinc"]: line["count"] for line in analytes(client, alice).json()} == {"2160-0": 1, HBA1C: 2}


def test_a_grant_on_lab_results_sees_them_all(alice, lena, lab_file):
    assert observations(api_of(lena), alice).json()["count"] == 7


def test_a_caregiver_who_sees_treatments_only_gets_a_404(alice, dave, lab_file):
    CaregiverFactory(patient=alice, caregiver=dave)

    assert observations(api_of(dave), alice).status_code == 404


def test_the_schema_documents_both_operations_and_their_errors(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    listing = schema["paths"]["/api/v1/patients/{patient_id}/observations/"]["get"]
    assert {parameter["name"] for parameter in listing["parameters"]} >= {"analyte", "since", "until", "page"}
    assert {"200", "400", "401", "403", "404"} <= set(listing["responses"])
    summary = schema["paths"]["/api/v1/patients/{patient_id}/observations/analytes/"]["get"]
    assert {"200", "401", "403", "404"} <= set(summary["responses"])
