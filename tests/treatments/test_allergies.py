"""Allergies as data: the patient and the professionals who may prescribe for them record them (mapped to a
substance of the drug lexicon, or a class of drugs), everyone else gets a 404, and each change is audited."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import Caregiver, Permission, Scope
from audit.models import AccessEvent, ObjectType
from notifications.models import Notification
from tests.factories import GrantFactory, HealthRecordFactory, PatientFactory, ProfessionalFactory, TreatmentFactory
from treatments import allergy_services
from treatments.models import Allergy, DrugClass

pytestmark = pytest.mark.django_db


def page(patient):
    return reverse("treatments:allergies", args=[patient.public_id])


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def penicillins(alice):
    return allergy_services.allergy_add(
        actor=alice, patient=alice, label="Pénicilline", drug_class=DrugClass.PENICILLINS, reaction="Éruption"
    )


def test_the_patient_records_an_allergy_to_a_drug_she_types_as_its_substance(client, alice):
    client.force_login(alice)

    response = client.post(
        page(alice),
        {
            "allergen": "amoxicilline",
            "kind": "allergy",
            "reaction": "urticaire",
            "severity": "severe",
            "on_emergency_profile": "on",
        },
    )

    assert response.status_code == 302
    allergy = Allergy.objects.get(patient=alice)
    assert (allergy.substance, allergy.label, allergy.severity) == ("AMOXICILLINE", "amoxicilline", "severe")
    assert allergy.recorded_by == alice and allergy.on_emergency_profile
    assert AccessEvent.objects.filter(patient=alice, object_type=ObjectType.ALLERGY, action="create").exists()
    assert "amoxicilline" in client.get(page(alice)).content.decode()


def test_a_brand_name_gives_its_substances(alice):
    allergy = allergy_services.allergy_add(actor=alice, patient=alice, substance="Augmentin")

    assert "AMOXICILLINE" in allergy.substance and "CLAVULANIQUE" in allergy.substance


def test_the_patient_records_an_allergy_to_a_whole_class(client, alice):
    client.force_login(alice)

    client.post(page(alice), {"allergen": "", "drug_class": "penicillins", "kind": "allergy", "severity": "moderate"})

    allergy = Allergy.objects.get(patient=alice)
    assert (allergy.drug_class, allergy.substance) == ("penicillins", "")
    assert allergy.label == str(DrugClass.PENICILLINS.label)


def test_an_allergy_names_something(client, alice):
    client.force_login(alice)

    response = client.post(page(alice), {"allergen": " ", "drug_class": "", "kind": "allergy", "severity": "mild"})

    assert response.status_code == 200
    assert not Allergy.objects.exists()
    assert "Indiquez une substance ou choisissez une classe de médicaments." in response.content.decode()


def test_the_page_is_in_french_and_linked_from_the_treatments_page(client, alice, penicillins):
    client.force_login(alice)

    treatments_page = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()
    allergies_page = client.get(page(alice)).content.decode()

    assert page(alice) in treatments_page and "Mes allergies" in treatments_page
    assert "Mes allergies" in allergies_page and "Pénicillines" in allergies_page


def test_a_professional_with_the_whole_file_records_one_and_the_patient_hears_of_it(client, alice, bob, bob_sees_alice):
    client.force_login(bob)

    client.post(page(alice), {"allergen": "", "drug_class": "sulfonamides", "kind": "allergy", "severity": "severe"})

    allergy = Allergy.objects.get(patient=alice)
    assert allergy.recorded_by == bob
    assert Notification.objects.filter(recipient=alice, actor=bob).exists()


def test_the_professional_sees_the_allergies_on_the_patients_treatments_page(
    client, alice, bob, bob_sees_alice, penicillins
):
    client.force_login(bob)

    body = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()

    assert "Allergies et intolérances" in body and "Pénicilline" in body


def test_a_professional_whose_scope_covers_the_treatment_may_prescribe_and_so_sees_the_allergies(
    client, alice, penicillins
):
    prescription = HealthRecordFactory(patient=alice, kind="prescription")
    TreatmentFactory(patient=alice, prescription=prescription)
    rob = ProfessionalFactory()
    GrantFactory(
        patient=alice, professional=rob, scope=Scope.RECORDS, records=[prescription], permission=Permission.CONTRIBUTE
    )
    client.force_login(rob)

    assert client.get(page(alice)).status_code == 200


@pytest.mark.parametrize(
    "grant",
    [
        {"kinds": ["imaging"], "permission": Permission.CONTRIBUTE},  # cannot prescribe
        {"kinds": ["prescription"], "permission": Permission.READ},  # reads treatments, prescribes nothing
    ],
)
def test_a_scoped_grant_that_cannot_prescribe_gets_a_404(client, alice, penicillins, grant):
    kate = ProfessionalFactory()
    GrantFactory(patient=alice, professional=kate, **grant)
    client.force_login(kate)

    assert client.get(page(alice)).status_code == 404
    assert api_client(kate).get(reverse("api:patient-allergies", args=[alice.public_id])).status_code == 404
    assert client.post(reverse("treatments:allergy_remove", args=[penicillins.public_id])).status_code == 404


def test_a_whole_file_grant_that_only_reads_sees_them_and_cannot_add(client, alice, penicillins):
    emma = ProfessionalFactory()
    GrantFactory(patient=alice, professional=emma, permission=Permission.READ)
    client.force_login(emma)

    body = client.get(page(alice)).content.decode()
    client.post(page(alice), {"allergen": "aspirine", "kind": "allergy", "severity": "mild"})

    assert "Pénicilline" in body and 'name="allergen"' not in body
    assert Allergy.objects.count() == 1


def test_a_caregiver_who_manages_the_file_records_them_one_who_only_sees_treatments_does_not(
    client, alice, penicillins
):
    manager, viewer = PatientFactory(), PatientFactory()
    now = timezone.now()
    Caregiver.objects.create(patient=alice, caregiver=manager, manage_file=True, accepted_at=now, created_by=alice)
    Caregiver.objects.create(patient=alice, caregiver=viewer, view_treatments=True, accepted_at=now, created_by=alice)

    client.force_login(viewer)
    assert client.get(page(alice)).status_code == 404
    client.force_login(manager)
    client.post(page(alice), {"allergen": "latex", "drug_class": "latex", "kind": "allergy", "severity": "mild"})

    assert Allergy.objects.filter(recorded_by=manager).exists()


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_people_without_access_get_a_404(client, alice, penicillins, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)

    assert client.get(page(alice)).status_code == 404
    assert client.post(reverse("treatments:allergy_remove", args=[penicillins.public_id])).status_code == 404
    assert api_client(user).delete(reverse("api:allergy", args=[penicillins.public_id])).status_code == 404
    assert Allergy.objects.get().removed_at is None


def test_removing_keeps_the_allergy_in_the_history(client, alice, penicillins):
    client.force_login(alice)

    client.post(reverse("treatments:allergy_remove", args=[penicillins.public_id]))

    penicillins.refresh_from_db()
    assert penicillins.removed_at is not None and penicillins.removed_by == alice
    assert "Éruption" not in client.get(page(alice)).content.decode()
    assert AccessEvent.objects.filter(object_type=ObjectType.ALLERGY, action="archive").exists()


def test_the_api_lists_adds_and_removes(alice, penicillins):
    api = api_client(alice)
    url = reverse("api:patient-allergies", args=[alice.public_id])

    listed = api.get(url).json()
    created = api.post(url, {"substance": "ibuprofène", "reaction": "asthme", "severity": "severe"}, format="json")
    removed = api.delete(reverse("api:allergy", args=[penicillins.public_id]))

    assert [allergy["drug_class"] for allergy in listed] == ["penicillins"]
    assert created.status_code == 201 and created.json()["substance"] == "IBUPROFÈNE"
    assert removed.status_code == 204
    assert [allergy["label"] for allergy in api.get(url).json()] == ["Ibuprofène"]


def test_the_api_says_an_allergy_names_something(alice):
    response = api_client(alice).post(reverse("api:patient-allergies", args=[alice.public_id]), {}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "allergen"
