"""Treatments keep to the grant's scope: a professional whose grant is limited to chosen kinds or chosen
records reaches only the treatments the policy says it covers, on every page and endpoint."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import Permission, Scope
from audit.models import AccessEvent
from sharing import services as sharing
from tests.factories import (
    HealthRecordFactory,
    MedicationFactory,
    ProfessionalFactory,
    RecordFileFactory,
    TreatmentFactory,
)
from treatments.models import Medication, PrescriptionReading, Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(alice):
    """Alice's file: an X-ray, two prescriptions each with its treatment, and a reading of the first."""
    angina = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance angine")
    asthma = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance asthme")
    treatments = {
        "angina": TreatmentFactory(patient=alice, prescription=angina, title="Angine"),
        "asthma": TreatmentFactory(patient=alice, prescription=asthma, title="Asthme"),
    }
    return {
        "xray": HealthRecordFactory(patient=alice, kind="imaging", title="Radio du genou"),
        "angina": angina,
        "asthma": asthma,
        "treatments": treatments,
        "medications": {
            key: MedicationFactory(treatment=treatment, name=f"MEDICAMENT {key.upper()}")
            for key, treatment in treatments.items()
        },
        "reading": PrescriptionReading.objects.create(
            record=angina,
            record_file=RecordFileFactory(record=angina),
            status=PrescriptionReading.Status.READY,
            result={"medications": [{"name": "AMOXICILLINE", "dose": 1, "unit": "gélule", "periods": ["morning"]}]},
        ),
    }


@pytest.fixture
def kate(alice):
    """A radiologist who sees alice's imaging and photos, and may add to them."""
    kate = ProfessionalFactory(email="kate@example.org", first_name="Kate")
    sharing.grant_give(
        actor=alice, professional=kate, scope=Scope.KINDS, kinds=["imaging", "photo"], permission=Permission.CONTRIBUTE
    )
    return kate


@pytest.fixture
def rob(alice, file):
    """A pharmacist who sees the angina prescription only, and may add to it."""
    rob = ProfessionalFactory(email="rob@example.org", first_name="Rob")
    sharing.grant_give(
        actor=alice, professional=rob, scope=Scope.RECORDS, records=[file["angina"]], permission=Permission.CONTRIBUTE
    )
    return rob


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def treatment_calls(alice, treatment, medication, reading) -> list[tuple]:
    """Every page and endpoint about alice's treatments: (method, url, data)."""
    today = timezone.localdate().isoformat()
    return [
        ("get", reverse("treatments:patient", args=[alice.public_id]), None),
        ("get", reverse("treatments:create", args=[alice.public_id]), None),
        ("post", reverse("treatments:create", args=[alice.public_id]), {"title": "x", "start_date": today}),
        ("get", reverse("treatments:detail", args=[treatment.public_id]), None),
        ("post", reverse("treatments:status", args=[treatment.public_id]), {"status": "paused"}),
        ("post", reverse("treatments:medication_new", args=[treatment.public_id]), {"name": "x", "dose": "1"}),
        ("get", reverse("treatments:medication_edit", args=[medication.public_id]), None),
        ("post", reverse("treatments:medication_stop", args=[medication.public_id]), None),
        ("get", reverse("treatments:reading_panel", args=[reading.public_id]), None),
        ("get", reverse("treatments:reading_review", args=[reading.public_id]), None),
        ("post", reverse("treatments:reading_restart", args=[reading.public_id]), None),
        ("get", reverse("api:patient-treatments", args=[alice.public_id]), None),
        ("post", reverse("api:patient-treatments", args=[alice.public_id]), {"title": "x", "start_date": today}),
        ("get", reverse("api:patient-plan", args=[alice.public_id]), None),
        ("get", reverse("api:treatment", args=[treatment.public_id]), None),
        ("patch", reverse("api:treatment", args=[treatment.public_id]), {"status": "paused"}),
        ("post", reverse("api:treatment-medications", args=[treatment.public_id]), {"name": "x", "morning": True}),
        ("patch", reverse("api:medication", args=[medication.public_id]), {"noon": True}),
        ("post", reverse("api:medication-stop", args=[medication.public_id]), None),
        ("get", reverse("api:reading", args=[reading.public_id]), None),
        ("post", reverse("api:reading-confirm", args=[reading.public_id]), {"title": "x"}),
        ("post", reverse("api:record-readings", args=[reading.record.public_id]), None),
    ]


def statuses(user, calls) -> dict:
    web, api = signed_in(user), api_of(user)
    answers = {}
    for method, url, data in calls:
        if url.startswith("/api/"):
            answers[(method, url)] = getattr(api, method)(url, data, format="json").status_code
        else:
            answers[(method, url)] = getattr(web, method)(url, data).status_code
    return answers


def test_a_kind_scoped_professional_gets_404_on_every_treatment_page_and_endpoint(alice, kate, file):
    calls = treatment_calls(alice, file["treatments"]["angina"], file["medications"]["angina"], file["reading"])

    answers = statuses(kate, calls)

    assert set(answers.values()) == {404}, answers
    assert Treatment.objects.count() == 2 and Medication.objects.filter(stopped_at__isnull=False).count() == 0
    assert not AccessEvent.objects.filter(actor=kate, object_type__in=["treatments", "treatment"]).exists()


def test_a_kind_scoped_professional_sees_the_imaging_but_no_treatment_anywhere(alice, kate, file):
    client = signed_in(kate)

    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode()
    records = api_of(kate).get(reverse("api:patient-records", args=[alice.public_id])).json()

    assert "Radio du genou" in timeline
    assert reverse("treatments:patient", args=[alice.public_id]) not in timeline
    assert "Ordonnance angine" not in timeline and "Angine" not in timeline
    assert [record["title"] for record in records["results"]] == ["Radio du genou"]


def test_kinds_with_prescription_see_every_treatment(alice, file):
    nurse = ProfessionalFactory()
    sharing.grant_give(
        actor=alice, professional=nurse, scope=Scope.KINDS, kinds=["prescription"], permission=Permission.READ
    )

    listed = api_of(nurse).get(reverse("api:patient-treatments", args=[alice.public_id])).json()

    assert sorted(treatment["title"] for treatment in listed["results"]) == ["Angine", "Asthme"]


def test_a_records_scoped_professional_sees_only_the_treatment_of_the_chosen_prescription(alice, rob, file):
    client, api = signed_in(rob), api_of(rob)
    angina, asthma = file["treatments"]["angina"], file["treatments"]["asthma"]

    page = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()
    listed = api.get(reverse("api:patient-treatments", args=[alice.public_id])).json()
    plan = api.get(reverse("api:patient-plan", args=[alice.public_id])).json()
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode()

    assert "Angine" in page and "MEDICAMENT ANGINA" in page
    assert "Asthme" not in page and "MEDICAMENT ASTHMA" not in page
    assert [treatment["title"] for treatment in listed["results"]] == ["Angine"]
    assert "MEDICAMENT ASTHMA" not in str(plan)
    assert reverse("treatments:patient", args=[alice.public_id]) in timeline
    assert client.get(reverse("treatments:detail", args=[angina.public_id])).status_code == 200
    assert client.get(reverse("treatments:detail", args=[asthma.public_id])).status_code == 404
    assert api.get(reverse("api:treatment", args=[asthma.public_id])).status_code == 404
    assert api.post(reverse("api:medication-stop", args=[file["medications"]["asthma"].public_id])).status_code == 404


def test_a_records_scoped_professional_adds_a_treatment_only_from_the_chosen_prescription(alice, rob, file):
    api = api_of(rob)
    url = reverse("api:patient-treatments", args=[alice.public_id])
    today = timezone.localdate().isoformat()

    from_chosen = api.post(
        url, {"title": "Angine bis", "start_date": today, "prescription": str(file["angina"].public_id)}
    )
    from_other = api.post(
        url, {"title": "Asthme bis", "start_date": today, "prescription": str(file["asthma"].public_id)}
    )
    without = api.post(url, {"title": "Autre", "start_date": today})
    page = signed_in(rob).get(reverse("health_records:detail", args=[file["angina"].public_id]))

    assert (from_chosen.status_code, from_other.status_code, without.status_code) == (201, 404, 404)
    assert set(Treatment.objects.values_list("title", flat=True)) == {"Angine", "Asthme", "Angine bis"}
    assert page.context["can_add_treatment"]


def test_a_whole_file_professional_sees_every_treatment(alice, bob, file):
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.READ)

    listed = api_of(bob).get(reverse("api:patient-treatments", args=[alice.public_id])).json()
    page = signed_in(bob).get(reverse("treatments:patient", args=[alice.public_id])).content.decode()

    assert sorted(treatment["title"] for treatment in listed["results"]) == ["Angine", "Asthme"]
    assert "MEDICAMENT ANGINA" in page and "MEDICAMENT ASTHMA" in page


def test_a_professional_always_sees_the_treatment_they_created(alice, kate, file):
    TreatmentFactory(patient=alice, created_by=kate, prescriber=kate, title="Antalgique après la radio")

    listed = api_of(kate).get(reverse("api:patient-treatments", args=[alice.public_id])).json()

    assert [treatment["title"] for treatment in listed["results"]] == ["Antalgique après la radio"]


def test_reading_the_treatments_writes_one_event_with_the_grant_as_its_path(alice, rob, file):
    treatment = file["treatments"]["angina"]

    signed_in(rob).get(reverse("treatments:patient", args=[alice.public_id]))
    api_of(rob).get(reverse("api:treatment", args=[treatment.public_id]))

    events = AccessEvent.objects.filter(actor=rob, patient=alice).order_by("at", "id")
    assert [(event.object_type, event.object_id, event.action, event.access_path) for event in events] == [
        ("treatments", None, "list", "grant"),
        ("treatment", treatment.public_id, "view", "grant"),
    ]
