"""Asking the prescriber to renew a treatment: a prescriber who is a member gets the request (and sees the
treatment's name only when their access covers it) and answers it; for one who is not, the patient gets a
message to copy or print. Only the patient asks; strangers reach nothing. A prescription read with
"QSP 1 mois, à renouveler 2 fois" stores the renewals."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from notifications.models import Notification
from tests.factories import GrantFactory, HealthRecordFactory, MedicationFactory, RecordFileFactory, TreatmentFactory
from treatments import supply_services
from treatments.models import Medication, PrescriptionReading, RenewalRequest, Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatment(alice, bob):
    treatment = TreatmentFactory(patient=alice, title="Hypothyroïdie", prescriber=bob)
    MedicationFactory(treatment=treatment, name="LEVOTHYROX 50", morning=True, renewals=2, supply_days=30)
    return treatment


def test_a_member_prescriber_is_asked_without_health_details(client, alice, bob, treatment):
    client.force_login(alice)

    response = client.post(reverse("treatments:renewal_request_new", args=[treatment.public_id]))

    renewal_request = RenewalRequest.objects.get()
    assert response.url == reverse("treatments:renewal_request", args=[renewal_request.public_id])
    assert (renewal_request.status, renewal_request.prescriber) == ("sent", bob)
    [notification] = Notification.objects.filter(recipient=bob, event="renewal_request")
    assert "Alice" in notification.message
    assert "Hypothyroïdie" not in notification.message and "LEVOTHYROX" not in notification.message
    assert notification.url == reverse("treatments:renewal_requests")
    assert AccessEvent.objects.filter(object_type="renewal_request", action="create", actor=alice).exists()
    # Asked once: a second request waits for the answer.
    with pytest.raises(ValidationError):
        supply_services.renewal_request_create(actor=alice, treatment=treatment)


def test_a_prescriber_without_access_sees_who_asks_but_not_the_treatment(client, alice, bob, treatment):
    supply_services.renewal_request_create(actor=alice, treatment=treatment)
    client.force_login(bob)

    page = client.get(reverse("treatments:renewal_requests")).content.decode()

    assert alice.full_name in page
    assert "Hypothyroïdie" not in page


def test_a_prescriber_with_access_sees_the_treatment(client, alice, bob, treatment):
    GrantFactory(patient=alice, professional=bob)
    supply_services.renewal_request_create(actor=alice, treatment=treatment)
    client.force_login(bob)

    page = client.get(reverse("treatments:renewal_requests")).content.decode()

    assert "Hypothyroïdie" in page


def test_the_prescriber_answers_and_the_patient_is_told(client, alice, bob, treatment):
    renewal_request = supply_services.renewal_request_create(actor=alice, treatment=treatment)
    client.force_login(bob)

    response = client.post(
        reverse("treatments:renewal_request_answer", args=[renewal_request.public_id]), {"answer": "renewed"}
    )

    assert response.url == reverse("treatments:renewal_requests")
    renewal_request.refresh_from_db()
    assert renewal_request.status == "done" and renewal_request.answered_at
    [told] = Notification.objects.filter(recipient=alice, event="supply")
    assert told.url == reverse("treatments:detail", args=[treatment.public_id])
    # Answered once.
    client.post(reverse("treatments:renewal_request_answer", args=[renewal_request.public_id]), {"answer": "declined"})
    renewal_request.refresh_from_db()
    assert renewal_request.status == "done"


def test_a_prescriber_who_is_not_a_member_gets_a_prepared_message(client, alice):
    treatment = TreatmentFactory(patient=alice, title="Hypertension", prescriber_name="Dr Martin")
    MedicationFactory(treatment=treatment, name="AMLOR 5 mg", dose=1, morning=True, renewals=3, supply_days=30)
    client.force_login(alice)

    response = client.post(reverse("treatments:renewal_request_new", args=[treatment.public_id]))
    page = client.get(response.url).content.decode()

    renewal_request = RenewalRequest.objects.get()
    assert (renewal_request.status, renewal_request.prescriber) == ("prepared", None)
    assert "AMLOR 5 mg (1 comprimé), matin" in renewal_request.message
    assert "renouvellements utilisés : 0 sur 3" in renewal_request.message
    assert "Hypertension" in renewal_request.message
    assert "data-copy" in page and "data-print" in page
    assert "mailto:" not in page
    assert not Notification.objects.exclude(recipient=alice).exists()


def test_only_the_patient_asks_and_strangers_reach_nothing(client, alice, bob, charlie, dave, treatment):
    GrantFactory(patient=alice, professional=charlie, permission="contribute")
    renewal_request = supply_services.renewal_request_create(actor=alice, treatment=treatment)
    api = APIClient()
    for someone in (charlie, dave):
        client.force_login(someone)
        # A professional who may change the file does not speak for the patient.
        assert client.post(reverse("treatments:renewal_request_new", args=[treatment.public_id])).status_code == 404
        assert client.get(reverse("treatments:renewal_request", args=[renewal_request.public_id])).status_code == 404
        answer_url = reverse("treatments:renewal_request_answer", args=[renewal_request.public_id])
        assert client.post(answer_url, {"answer": "declined"}).status_code == 404
        api.force_authenticate(someone)
        assert api.post(reverse("api:treatment-renewal-requests", args=[treatment.public_id])).status_code == 404
        api_answer = reverse("api:renewal-request-answer", args=[renewal_request.public_id])
        assert api.post(api_answer, {"answer": "declined"}).status_code == 404
    client.force_login(dave)
    assert client.get(reverse("treatments:renewal_requests")).status_code == 404
    renewal_request.refresh_from_db()
    assert renewal_request.status == "sent"


def test_the_api_asks_lists_and_answers(alice, bob, treatment):
    api = APIClient()
    api.force_authenticate(alice)
    created = api.post(reverse("api:treatment-renewal-requests", args=[treatment.public_id]))
    assert created.status_code == 201 and created.json()["status"] == "sent"

    api.force_authenticate(bob)
    [received] = api.get(reverse("api:renewal-requests")).json()
    assert received["patient"]["full_name"] == alice.full_name
    assert received["treatment"] is None  # bob has no grant
    answered = api.post(
        reverse("api:renewal-request-answer", args=[received["public_id"]]), {"answer": "declined"}, format="json"
    )

    assert answered.status_code == 200 and answered.json()["status"] == "declined"


def test_a_read_prescription_stores_its_renewals_and_the_duration_of_one_dispensing(client, alice):
    from treatments.extraction.posology import parse

    renewable, three_months = parse("1 cp le matin QSP 1 mois, à renouveler 2 fois"), parse("1 cp/j QSP 3 mois AR")
    assert (renewable.duration_days, renewable.renewals) == (30, 2)
    assert (three_months.duration_days, three_months.renewals) == (90, 1)
    record = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance")
    medication = {"dose": 1, "unit": "comprimé", "periods": ["morning"], "confidence": 0.9}
    reading = PrescriptionReading.objects.create(
        record=record,
        record_file=RecordFileFactory(record=record),
        status="ready",
        result={
            "medications": [
                {**medication, "name": "LEVOTHYROX 50", "duration_days": 30, "renewals": 2},
                {**medication, "name": "AMLOR 5 mg", "duration_days": 90, "renewals": 0},
            ]
        },
    )
    client.force_login(alice)
    page = client.get(reverse("treatments:reading_review", args=[reading.public_id])).content.decode()
    assert 'name="lines-0-renewals" value="2"' in page

    api = APIClient()
    api.force_authenticate(alice)
    lines = [
        {"name": "LEVOTHYROX 50", "dose": "1", "periods": ["morning"], "duration_days": 30, "renewals": 2},
        {"name": "AMLOR 5 mg", "dose": "1", "periods": ["morning"], "duration_days": 90},
    ]
    response = api.post(
        reverse("api:reading-confirm", args=[reading.public_id]),
        {"title": "Tension", "start_date": "2026-03-02", "medications": lines},
        format="json",
    )

    assert response.status_code == 201
    levothyrox, amlor = Medication.objects.order_by("id")
    assert (levothyrox.renewals, levothyrox.supply_days) == (2, 30)
    assert (levothyrox.end_date - levothyrox.start_date).days == 89  # three dispensings of 30 days
    assert (amlor.renewals, amlor.supply_days) == (0, None)
    assert Treatment.objects.get().end_date == levothyrox.end_date
