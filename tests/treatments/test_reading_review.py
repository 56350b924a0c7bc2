import datetime

import pytest
from django.urls import reverse

from tests.factories import HealthRecordFactory, RecordFileFactory
from treatments.models import Medication, PrescriptionReading, Treatment

pytestmark = pytest.mark.django_db

PROPOSAL = {
    "date": "2026-03-12",
    "prescriber": {"name": "Dr Bob Bernard", "rpps": "10003456786"},
    "medications": [
        {
            "name": "DOLIPRANE 1000 mg, comprimé",
            "dose": 1,
            "unit": "comprimé",
            "periods": ["morning", "noon", "evening"],
            "duration_days": 5,
            "as_needed": False,
            "instructions": "",
            "confidence": 0.97,
            "source_line": "DOLIPRANE…",
        },
        {
            "name": "AMOXICILINE 1 g",
            "dose": 1,
            "unit": "comprimé",
            "periods": ["morning", "evening"],
            "duration_days": 7,
            "as_needed": False,
            "instructions": "",
            "confidence": 0.6,
            "source_line": "AMOXICILINE…",
        },
    ],
}


@pytest.fixture
def reading(alice):
    record = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance angine")
    return PrescriptionReading.objects.create(
        record=record, record_file=RecordFileFactory(record=record), status="ready", result=PROPOSAL
    )


def line(number, **values):
    return {f"lines-{number}-{name}": value for name, value in values.items()}


def test_the_review_shows_the_proposal_and_highlights_doubtful_lines(client, alice, reading):
    client.force_login(alice)

    response = client.get(reverse("treatments:reading_review", args=[reading.public_id]))

    lines = response.context["lines"]
    assert [form.initial["name"] for form in lines.initial_forms] == ["DOLIPRANE 1000 mg, comprimé", "AMOXICILINE 1 g"]
    assert [form.is_doubtful for form in lines.initial_forms] == [False, True]
    assert response.context["treatment_form"].initial["prescriber_name"] == "Dr Bob Bernard"
    assert not Treatment.objects.exists()  # nothing is created before the confirmation


def test_confirming_with_corrections_creates_the_treatment(client, alice, reading):
    client.force_login(alice)
    data = {
        "title": "Angine",
        "start_date": "2026-03-12",
        "prescriber_name": "Dr Bob Bernard",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        **line(
            0,
            name="DOLIPRANE 1000 mg, comprimé",
            dose="1",
            dose_unit="comprimé",
            morning="on",
            noon="on",
            evening="on",
            duration_days="5",
        ),
        # The person corrects the misread name and removes nothing; then adds a forgotten line.
        **line(
            1,
            name="AMOXICILLINE BIOGARAN 1 g, comprimé dispersible",
            dose="1",
            dose_unit="comprimé",
            morning="on",
            evening="on",
            duration_days="7",
        ),
        **line(2, name="SPASFON LYOC 80 mg", dose="1", dose_unit="lyophilisat", as_needed="on"),
    }

    response = client.post(reverse("treatments:reading_review", args=[reading.public_id]), data)

    treatment = Treatment.objects.get()
    assert response.url == reverse("treatments:detail", args=[treatment.public_id])
    assert (treatment.prescription, treatment.start_date) == (reading.record, datetime.date(2026, 3, 12))
    assert treatment.end_date is None  # the as-needed line has no end
    medications = {medication.name: medication for medication in Medication.objects.all()}
    assert medications["DOLIPRANE 1000 mg, comprimé"].end_date == datetime.date(2026, 3, 16)
    assert medications["AMOXICILLINE BIOGARAN 1 g, comprimé dispersible"].substance == "AMOXICILLINE"
    assert medications["SPASFON LYOC 80 mg"].as_needed
    reading.refresh_from_db()
    assert (reading.status, reading.treatment) == ("confirmed", treatment)


def test_removing_every_line_creates_nothing(client, alice, reading):
    client.force_login(alice)
    data = {
        "title": "Angine",
        "start_date": "2026-03-12",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        **line(0, name="DOLIPRANE", dose="1", dose_unit="comprimé", morning="on", DELETE="on"),
        **line(1, name="AMOXICILINE", dose="1", dose_unit="comprimé", morning="on", DELETE="on"),
    }

    response = client.post(reverse("treatments:reading_review", args=[reading.public_id]), data)

    assert response.status_code == 200
    assert not Treatment.objects.exists()


def test_the_api_confirms_a_reading(alice, reading):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)

    response = api.post(
        reverse("api:reading-confirm", args=[reading.public_id]),
        {
            "title": "Angine",
            "start_date": "2026-03-12",
            "medications": [
                {
                    "name": "DOLIPRANE 1000 mg, comprimé",
                    "dose": "1",
                    "unit": "comprimé",
                    "periods": ["morning"],
                    "duration_days": 3,
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    assert Treatment.objects.get().medications.get().end_date == datetime.date(2026, 3, 14)
