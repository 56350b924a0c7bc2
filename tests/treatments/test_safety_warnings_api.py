"""The API's side of the safety checks: a `warnings` list with codes on medications, and the one error shape
with the warnings when a professional must confirm."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import TreatmentFactory
from treatments import allergy_services
from treatments.models import DrugClass, SafetyOverride

pytestmark = pytest.mark.django_db

AMOXICILLIN = {"name": "AMOXICILLINE SUN 500 mg, gélule", "dose": "1", "dose_unit": "gélule", "morning": True}


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def treatment(alice):
    allergy_services.allergy_add(actor=alice, patient=alice, label="Pénicilline", drug_class=DrugClass.PENICILLINS)
    return TreatmentFactory(patient=alice, start_date=datetime.date.today())


def test_the_patient_adds_it_and_gets_the_warning_with_its_code(alice, treatment):
    response = api_client(alice).post(
        reverse("api:treatment-medications", args=[treatment.public_id]), AMOXICILLIN, format="json"
    )

    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert (warning["code"], warning["blocking"], warning["overridden"]) == ("allergy", True, False)
    assert warning["message"]


def test_a_professional_gets_the_error_shape_with_the_warnings_then_confirms(alice, bob, bob_sees_alice, treatment):
    api = api_client(bob)
    url = reverse("api:treatment-medications", args=[treatment.public_id])

    refused = api.post(url, AMOXICILLIN, format="json")
    accepted = api.post(url, {**AMOXICILLIN, "safety_confirmation": {"reason": "Vu."}}, format="json")

    body = refused.json()
    assert refused.status_code == 400
    assert body["code"] == "safety_confirmation_required" and body["detail"]
    assert set(body) >= {"code", "detail", "fields", "warnings"}
    assert [warning["code"] for warning in body["warnings"]] == ["allergy"]
    assert accepted.status_code == 201 and accepted.json()["warnings"][0]["overridden"] is True
    assert SafetyOverride.objects.get().reason == "Vu."


def test_the_treatments_list_gives_each_medication_its_warnings(alice, treatment):
    api = api_client(alice)
    api.post(reverse("api:treatment-medications", args=[treatment.public_id]), AMOXICILLIN, format="json")

    [listed] = api.get(reverse("api:patient-treatments", args=[alice.public_id])).json()["results"]
    detail = api.get(reverse("api:treatment", args=[treatment.public_id])).json()

    assert [warning["code"] for warning in listed["medications"][0]["warnings"]] == ["allergy"]
    assert [warning["code"] for warning in detail["medications"][0]["warnings"]] == ["allergy"]


def test_the_schema_documents_the_warnings_and_the_confirmation(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    components = schema["components"]["schemas"]
    assert "warnings" in components["Error"]["properties"]
    assert {"warnings", "safety_confirmation"} <= set(components["Medication"]["properties"])
    assert "safety_confirmation" in components["Confirm"]["properties"]
