"""What people see of the safety checks on the pages: the patient a plain warning, the professional a reason
field when a warning blocks, and the patient's treatments page a Safety box with who confirmed what."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HealthRecordFactory, RecordFileFactory, TreatmentFactory
from treatments import allergy_services, services
from treatments.models import DrugClass, Medication, PrescriptionReading, SafetyOverride

pytestmark = pytest.mark.django_db

AMOXICILLIN_FORM = {"name": "AMOXICILLINE SUN 500 mg, gélule", "dose": "1", "dose_unit": "gélule", "morning": "on"}
PARACETAMOL_FORM = {"name": "DOLIPRANE 1000 mg, comprimé", "dose": "1", "dose_unit": "comprimé", "morning": "on"}
# The engine's sentence names the class as the patient recorded it and in plain words.
PATIENT_WORDING = "pénicillines"


@pytest.fixture
def treatment(alice):
    allergy_services.allergy_add(actor=alice, patient=alice, label="Pénicilline", drug_class=DrugClass.PENICILLINS)
    return TreatmentFactory(patient=alice, start_date=datetime.date.today())


def add(client, treatment, data):
    return client.post(reverse("treatments:medication_new", args=[treatment.public_id]), data)


def test_the_patient_adds_amoxicillin_and_sees_a_plain_warning(client, alice, treatment):
    client.force_login(alice)

    response = add(client, treatment, AMOXICILLIN_FORM)
    page = client.get(response.url).content.decode()

    assert response.status_code == 302 and Medication.objects.count() == 1
    assert PATIENT_WORDING in page and "Pénicilline" in page
    assert "À confirmer par un professionnel." in page


def test_a_professional_is_asked_for_a_reason_then_confirms(client, alice, bob, bob_sees_alice, treatment):
    client.force_login(bob)

    asked = add(client, treatment, AMOXICILLIN_FORM)
    nothing_added = not Medication.objects.exists()
    confirmed = add(client, treatment, {**AMOXICILLIN_FORM, "safety_reason": "Tests cutanés négatifs."})

    assert asked.status_code == 200 and nothing_added
    assert 'name="safety_reason"' in asked.content.decode() and PATIENT_WORDING in asked.content.decode()
    assert confirmed.status_code == 302
    assert SafetyOverride.objects.get().reason == "Tests cutanés négatifs."


def test_the_professional_confirms_from_the_safety_box_what_the_patient_recorded(
    client, alice, bob, bob_sees_alice, treatment
):
    medication = services.medication_add(
        actor=alice, treatment=treatment, values={"name": AMOXICILLIN_FORM["name"], "dose": 1, "morning": True}
    )
    client.force_login(bob)
    patient_page = reverse("treatments:patient", args=[alice.public_id])

    before = client.get(patient_page).content.decode()
    client.post(
        reverse("treatments:medication_safety_confirm", args=[medication.public_id]),
        {"safety_reason": "Vu avec elle.", "next": patient_page},
    )
    after = client.get(patient_page).content.decode()

    assert (
        "Sécurité" in before and reverse("treatments:medication_safety_confirm", args=[medication.public_id]) in before
    )
    assert "Vu avec elle." in after and "Confirmé par" in after


def test_the_medication_form_of_a_professional_shows_the_reason_field_when_a_change_blocks(
    client, alice, bob, bob_sees_alice, treatment
):
    medication = services.medication_add(
        actor=bob, treatment=treatment, values={"name": "DOLIPRANE 1000 mg, comprimé", "dose": 1, "morning": True}
    )
    client.force_login(bob)

    response = client.post(
        reverse("treatments:medication_edit", args=[medication.public_id]),
        {**AMOXICILLIN_FORM, "start_date": treatment.start_date.isoformat()},
    )

    body = response.content.decode()
    assert response.status_code == 200 and 'name="safety_reason"' in body


def test_a_clean_medication_shows_no_warning_box(client, alice, treatment):
    client.force_login(alice)

    add(client, treatment, PARACETAMOL_FORM)
    detail = client.get(reverse("treatments:detail", args=[treatment.public_id])).content.decode()
    patient_page = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()

    assert "safety-warning" not in detail and "safety-box" not in patient_page


def test_the_reading_review_shows_the_warning_per_line_and_asks_a_professional_for_a_reason(
    client, alice, bob, bob_sees_alice, treatment
):
    prescription = HealthRecordFactory(patient=alice, kind="prescription")
    reading = PrescriptionReading.objects.create(
        record=prescription,
        record_file=RecordFileFactory(record=prescription),
        status=PrescriptionReading.Status.READY,
        result={
            "medications": [
                {"name": "AMOXICILLINE SUN 500 mg, gélule", "dose": 1, "unit": "gélule", "periods": ["morning"]},
                {"name": "DOLIPRANE 1000 mg, comprimé", "dose": 1, "unit": "comprimé", "periods": ["morning"]},
            ]
        },
    )
    client.force_login(bob)
    url = reverse("treatments:reading_review", args=[reading.public_id])

    shown = client.get(url).content.decode()
    form = {
        "title": "Angine",
        "start_date": datetime.date.today().isoformat(),
        "prescriber_name": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-name": "AMOXICILLINE SUN 500 mg, gélule",
        "lines-0-dose": "1",
        "lines-0-dose_unit": "gélule",
        "lines-0-morning": "on",
        "lines-1-name": "DOLIPRANE 1000 mg, comprimé",
        "lines-1-dose": "1",
        "lines-1-dose_unit": "comprimé",
        "lines-1-morning": "on",
    }
    asked = client.post(url, form)
    confirmed = client.post(url, {**form, "safety_reason": "Allergie levée par l'allergologue."})

    assert shown.count('data-code="allergy"') == 1 and 'name="safety_reason"' in shown
    assert asked.status_code == 200 and 'name="safety_reason"' in asked.content.decode()
    assert confirmed.status_code == 302 and SafetyOverride.objects.count() == 1


def test_the_patients_page_checks_all_medications_at_once(client, alice, bob, bob_sees_alice, treatment):
    def add_some(count):
        for _number in range(count):
            services.medication_add(
                actor=alice, treatment=treatment, values={"name": AMOXICILLIN_FORM["name"], "dose": 1, "morning": True}
            )

    def queries_of_the_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("treatments:patient", args=[alice.public_id])).status_code == 200
        return len(captured)

    client.force_login(bob)
    add_some(1)
    with_one = queries_of_the_page()
    add_some(5)

    assert queries_of_the_page() == with_one
