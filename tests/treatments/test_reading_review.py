import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HealthRecordFactory, RecordFileFactory
from treatments import reminders
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


def confirmation(start_date, **extra):
    """The review form as the proposal fills it: Doliprane for 5 days, amoxicillin for 7."""
    return {
        "title": "Angine",
        "start_date": start_date,
        "prescriber_name": "Dr Bob Bernard",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        **line(0, name="DOLIPRANE 1000 mg", dose="1", dose_unit="comprimé", morning="on", duration_days="5"),
        **line(1, name="AMOXICILLINE 1 g", dose="1", dose_unit="comprimé", evening="on", duration_days="7"),
        **extra,
    }


def test_the_review_warns_that_a_past_dated_prescription_would_start_and_end_in_the_past(client, alice, reading):
    client.force_login(alice)

    page = client.get(reverse("treatments:reading_review", args=[reading.public_id])).content.decode()

    assert "Cette ordonnance date du 12 mars 2026 : son traitement commencerait dans le passé." in page
    assert "se terminent au plus tard le 18 mars 2026 : le traitement sera enregistré comme terminé" in page
    assert "Commencer aujourd’hui" in page
    assert f'data-date="{timezone.localdate():%Y-%m-%d}"' in page
    assert "js/reading_review.js" in page


def test_a_prescription_dated_today_has_no_warning(client, alice, reading):
    reading.result = {**PROPOSAL, "date": timezone.localdate().isoformat()}
    reading.save()
    client.force_login(alice)

    page = client.get(reverse("treatments:reading_review", args=[reading.public_id])).content.decode()

    assert "commencerait dans le passé" not in page
    assert "reading_review.js" not in page


def test_confirming_a_past_dated_prescription_records_a_finished_treatment(client, alice, reading):
    client.force_login(alice)

    response = client.post(
        reverse("treatments:reading_review", args=[reading.public_id]), confirmation("2026-03-12"), follow=True
    )

    treatment = Treatment.objects.get()
    assert (treatment.end_date, treatment.effective_status) == (datetime.date(2026, 3, 18), "finished")
    page = response.content.decode()
    assert "Le traitement est enregistré comme terminé" in page
    assert '<span class="badge badge--status-finished">Terminé</span>' in page
    assert "du 12 mars 2026 au 18 mars 2026" in page
    mine = client.get(reverse("treatments:patient", args=[alice.public_id]))
    assert [group for group in ("current", "past") if treatment in [t for t, _a in mine.context[group]]] == ["past"]
    assert mine.context["plan"] == []
    assert reminders.plan(now=timezone.now()) == 0


def test_starting_a_past_dated_prescription_today_makes_a_current_treatment(client, alice, reading):
    client.force_login(alice)
    today = timezone.localdate()

    client.post(reverse("treatments:reading_review", args=[reading.public_id]), confirmation(today.isoformat()))

    treatment = Treatment.objects.get()
    assert (treatment.start_date, treatment.end_date) == (today, today + datetime.timedelta(days=6))
    assert treatment.effective_status == "active"


def test_a_past_prescription_confirmed_through_the_api_reads_finished_there(alice, reading):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    api.post(
        reverse("api:reading-confirm", args=[reading.public_id]),
        {
            "title": "Angine",
            "start_date": "2026-03-12",
            "medications": [{"name": "DOLIPRANE", "dose": "1", "periods": ["morning"], "duration_days": 3}],
        },
        format="json",
    )

    treatment = Treatment.objects.get()
    detail = api.get(reverse("api:treatment", args=[treatment.public_id])).json()
    assert (detail["end_date"], detail["status"]) == ("2026-03-14", "finished")
    assert detail["adherence"]["not_tracked_because"] == "before_tracking"
