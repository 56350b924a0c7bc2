import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.factories import GrantFactory, HealthRecordFactory, MedicationFactory, TreatmentFactory
from treatments.models import Intake, Medication, ReminderSettings, Treatment

pytestmark = pytest.mark.django_db


def test_a_patient_adds_a_treatment_from_a_prescription_and_sees_it_on_the_record(client, alice):
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance angine")
    client.force_login(alice)

    response = client.post(
        reverse("treatments:create", args=[alice.public_id]) + f"?prescription={prescription.public_id}",
        {"title": "Angine", "start_date": timezone.localdate().isoformat(), "duration_days": 7},
    )
    treatment = Treatment.objects.get()
    client.post(
        reverse("treatments:medication_new", args=[treatment.public_id]),
        {
            "name": "DOLIPRANE 1000 mg, comprimé",
            "dose": "1",
            "dose_unit": "comprimé",
            "morning": "on",
            "evening": "on",
            "times": "",
            "instructions": "pendant le repas",
        },
    )

    assert response.url == reverse("treatments:detail", args=[treatment.public_id])
    assert treatment.end_date - treatment.start_date == datetime.timedelta(days=6)
    medication = Medication.objects.get()
    assert (medication.substance, medication.cis, medication.strength) == ("PARACÉTAMOL", medication.cis, "1000 mg")
    assert medication.cis
    page = client.get(reverse("health_records:detail", args=[prescription.public_id])).content.decode()
    assert "DOLIPRANE 1000 mg" in page and "Angine" in page  # no extra click from the prescription


def test_a_medication_needs_a_moment_a_time_or_as_needed(client, alice):
    treatment = TreatmentFactory(patient=alice)
    client.force_login(alice)

    response = client.post(
        reverse("treatments:medication_new", args=[treatment.public_id]),
        {"name": "SPASFON", "dose": "1", "dose_unit": "comprimé"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Medication.objects.exists()


def test_todays_plan_groups_doses_by_moment_and_the_patient_marks_them(client, alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    medication = MedicationFactory(treatment=treatment, name="AMOXICILLINE", morning=True, evening=True)
    MedicationFactory(treatment=treatment, name="SPASFON", as_needed=True)
    client.force_login(alice)
    url = reverse("treatments:patient", args=[alice.public_id])

    plan = client.get(url).context["plan"]
    client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": timezone.localdate().isoformat(),
            "moment": "morning",
            "answer": "taken",
            "next": url,
        },
    )

    assert [group["moment"] for group in plan] == ["morning", "evening"]
    assert [item["medication"].name for item in plan[0]["items"]] == ["AMOXICILLINE"]
    assert Intake.objects.get().status == "taken"
    after = client.get(url)
    assert after.context["plan"][0]["items"][0]["intake"].status == "taken"
    assert "<svg" in after.content.decode()  # the adherence chart


def test_a_contributing_professional_adds_and_stops_medications_and_the_patient_is_told(
    client, alice, bob, bob_sees_alice
):
    treatment = TreatmentFactory(patient=alice)
    client.force_login(bob)

    client.post(
        reverse("treatments:medication_new", args=[treatment.public_id]),
        {"name": "DOLIPRANE 1000 mg, comprimé", "dose": "1", "dose_unit": "comprimé", "noon": "on"},
    )
    medication = Medication.objects.get()
    client.post(reverse("treatments:medication_stop", args=[medication.public_id]))

    medication.refresh_from_db()
    assert medication.created_by == bob and medication.stopped_by == bob
    messages = list(Notification.objects.filter(recipient=alice).values_list("message", flat=True))
    assert len(messages) == 2 and all(bob.full_name in message for message in messages)
    assert not any("DOLIPRANE" in message for message in messages)


def test_a_reading_professional_sees_but_cannot_change_treatments(client, alice, bob):
    GrantFactory(patient=alice, professional=bob, permission="read")
    treatment = TreatmentFactory(patient=alice)
    medication = MedicationFactory(treatment=treatment)
    client.force_login(bob)

    assert client.get(reverse("treatments:patient", args=[alice.public_id])).status_code == 200
    assert client.post(reverse("treatments:medication_stop", args=[medication.public_id])).status_code == 404
    medication.refresh_from_db()
    assert medication.stopped_at is None


def test_reminder_times_are_edited_by_the_patient(client, alice):
    client.force_login(alice)

    client.post(
        reverse("treatments:settings"),
        {
            "enabled": "on",
            "morning_at": "07:15",
            "noon_at": "12:30",
            "evening_at": "20:00",
            "bedtime_at": "23:00",
            "snooze_minutes": "10",
        },
    )

    assert str(alice.reminder_settings.morning_at) == "07:15:00"


def test_the_reminder_settings_page_shows_the_defaults_and_writes_nothing(client, alice):
    client.force_login(alice)

    page = client.get(reverse("treatments:settings")).content.decode()
    api_answer = client.get(reverse("api:reminder-settings")).json()

    assert 'value="08:00"' in page
    assert api_answer["morning_at"].startswith("08:00")
    assert not ReminderSettings.objects.filter(patient=alice).exists()


def test_drug_names_are_suggested_ignoring_accents(client, alice):
    client.force_login(alice)

    page = client.get(reverse("treatments:drug_suggestions"), {"name": "paracetamol"}).content.decode()

    assert "PARACÉTAMOL" in page
