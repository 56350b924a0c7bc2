"""The treatments API: the patient and the professionals they allow keep the treatments, only the patient
marks doses, and whoever may not see the file gets a 404 everywhere."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Notification
from tests.factories import GrantFactory, HealthRecordFactory, MedicationFactory, TreatmentFactory
from treatments.models import Intake, Treatment, TreatmentStatus

# Until relyfe/urls.py lists the treatments API: the site's URLs with it added.
pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*parts):
    return datetime.datetime(*parts, tzinfo=PARIS)


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(alice):
    return client_of(alice)


@pytest.fixture
def treatment(alice):
    return TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 1))


@pytest.fixture
def medication(treatment):
    return MedicationFactory(treatment=treatment, morning=True)


def record_added_notifications(patient):
    return Notification.objects.filter(recipient=patient, event="record_added")


# Treatments and medications ----------------------------------------------------------------------------------------


def test_the_patient_creates_a_treatment_and_adds_a_medication_completed_from_the_drug_reference(api, alice):
    created = api.post(
        reverse("api:patient-treatments", args=[alice.public_id]),
        {
            "title": "Angine",
            "start_date": "2026-03-02",
            "duration_days": 7,
            "prescriber_name": "Dr Martin",
            "patient": "00000000-0000-0000-0000-000000000000",
            "status": "stopped",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    treatment = created.json()
    assert treatment["patient"] == str(alice.public_id)
    assert treatment["created_by"] == str(alice.public_id)
    assert treatment["end_date"] == "2026-03-08"
    assert treatment["status"] == "finished"  # its dates are past: the status follows them
    assert treatment["prescriber_display"] == "Dr Martin"
    assert treatment["prescription"] is None

    added = api.post(
        reverse("api:treatment-medications", args=[treatment["public_id"]]),
        {
            "name": "DOLIPRANE 1000 mg, comprimé",
            "dose": "1",
            "morning": True,
            "evening": True,
            "times": ["14:00", "8h30", "14:00"],
            "weekdays": [2, 0, 2],
        },
        format="json",
    )

    assert added.status_code == 201, added.json()
    medication = added.json()
    assert medication["treatment"] == treatment["public_id"]
    assert medication["cis"] == "60234100"
    assert medication["substance"] == "PARACÉTAMOL"
    assert (medication["strength"], medication["form"]) == ("1000 mg", "comprimé")
    assert medication["times"] == ["08:30", "14:00"]
    assert medication["weekdays"] == [0, 2]
    assert (medication["start_date"], medication["end_date"]) == ("2026-03-02", "2026-03-08")
    assert not record_added_notifications(alice).exists()  # nobody tells the patient what they did themself

    listed = api.get(reverse("api:patient-treatments", args=[alice.public_id])).json()
    assert listed["count"] == 1
    assert [item["name"] for item in listed["results"][0]["medications"]] == ["DOLIPRANE 1000 mg, comprimé"]


def test_a_treatment_comes_from_one_of_the_patients_prescriptions(api, alice, dave):
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance")
    report = HealthRecordFactory(patient=alice, kind="medical_report")
    someone_elses = HealthRecordFactory(patient=dave, kind="prescription")
    url = reverse("api:patient-treatments", args=[alice.public_id])
    values = {"title": "Angine", "start_date": "2026-03-02"}

    from_prescription = api.post(url, {**values, "prescription": str(prescription.public_id)}, format="json")
    from_report = api.post(url, {**values, "prescription": str(report.public_id)}, format="json")
    from_daves = api.post(url, {**values, "prescription": str(someone_elses.public_id)}, format="json")

    assert from_prescription.status_code == 201
    assert from_prescription.json()["prescription"] == str(prescription.public_id)
    assert from_report.status_code == 400
    assert from_daves.status_code == 404
    assert Treatment.objects.count() == 1


def test_a_treatment_ends_after_it_starts(api, alice):
    response = api.post(
        reverse("api:patient-treatments", args=[alice.public_id]),
        {"title": "Angine", "start_date": "2026-03-02", "end_date": "2026-03-01"},
        format="json",
    )

    assert response.status_code == 400
    assert not Treatment.objects.exists()


def test_a_medication_needs_a_schedule_and_well_written_times(api, treatment):
    url = reverse("api:treatment-medications", args=[treatment.public_id])

    unplanned = api.post(url, {"name": "DOLIPRANE"}, format="json")
    bad_time = api.post(url, {"name": "DOLIPRANE", "times": ["25:00"]}, format="json")
    bad_day = api.post(url, {"name": "DOLIPRANE", "morning": True, "weekdays": [7]}, format="json")
    no_dose = api.post(url, {"name": "DOLIPRANE", "morning": True, "dose": "0"}, format="json")
    as_needed = api.post(url, {"name": "DOLIPRANE", "as_needed": True}, format="json")

    assert unplanned.status_code == 400 and "moment de la journée" in str(unplanned.json())
    assert bad_time.status_code == 400 and "times.0" in bad_time.json()["fields"]
    assert bad_day.status_code == 400 and "weekdays.0" in bad_day.json()["fields"]
    assert no_dose.status_code == 400 and "dose" in no_dose.json()["fields"]
    assert as_needed.status_code == 201
    assert treatment.medications.count() == 1


def test_the_patient_changes_a_medication_and_a_stopped_one_stays_as_it_is(api, medication):
    url = reverse("api:medication", args=[medication.public_id])

    changed = api.patch(url, {"dose": "2", "evening": True, "duration_days": 10}, format="json")
    stopped = api.post(reverse("api:medication-stop", args=[medication.public_id]))
    after_stop = api.patch(url, {"dose": "3"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["dose"] == "2.00" and changed.json()["evening"] is True
    assert changed.json()["end_date"] == "2026-02-10"
    assert stopped.status_code == 200 and stopped.json()["stopped_at"] is not None
    assert after_stop.status_code == 400
    medication.refresh_from_db()
    assert medication.dose == 2


def test_a_professional_with_a_contribute_grant_adds_changes_and_stops_a_medication_and_the_patient_is_told(
    alice, bob, bob_sees_alice
):
    api = client_of(bob)

    treatment = api.post(
        reverse("api:patient-treatments", args=[alice.public_id]),
        {"title": "Hypertension", "start_date": "2026-03-02"},
        format="json",
    )
    added = api.post(
        reverse("api:treatment-medications", args=[treatment.json()["public_id"]]),
        {"name": "DOLIPRANE 1000 mg, comprimé", "morning": True},
        format="json",
    )
    changed = api.patch(reverse("api:medication", args=[added.json()["public_id"]]), {"noon": True}, format="json")
    stopped = api.post(reverse("api:medication-stop", args=[added.json()["public_id"]]))

    assert treatment.status_code == 201
    assert treatment.json()["patient"] == str(alice.public_id)
    assert treatment.json()["prescriber"] == str(bob.public_id)
    assert added.status_code == 201 and added.json()["substance"] == "PARACÉTAMOL"
    assert changed.status_code == 200 and changed.json()["noon"] is True
    assert stopped.status_code == 200 and stopped.json()["stopped_at"] is not None
    # The treatment, the medication, its change and its stop.
    assert record_added_notifications(alice).count() == 4
    assert all(notification.actor == bob for notification in record_added_notifications(alice))


def test_a_professional_with_a_read_grant_reads_but_cannot_change_anything(alice, bob, treatment, medication):
    GrantFactory(patient=alice, professional=bob, permission="read")
    api = client_of(bob)

    assert api.get(reverse("api:patient-treatments", args=[alice.public_id])).status_code == 200
    assert api.get(reverse("api:treatment", args=[treatment.public_id])).status_code == 200
    assert api.get(reverse("api:patient-plan", args=[alice.public_id])).status_code == 200
    refused = [
        api.post(
            reverse("api:patient-treatments", args=[alice.public_id]),
            {"title": "x", "start_date": "2026-03-02"},
            format="json",
        ),
        api.post(
            reverse("api:treatment-medications", args=[treatment.public_id]),
            {"name": "DOLIPRANE", "morning": True},
            format="json",
        ),
        api.patch(reverse("api:treatment", args=[treatment.public_id]), {"status": "paused"}, format="json"),
        api.patch(reverse("api:medication", args=[medication.public_id]), {"noon": True}, format="json"),
        api.post(reverse("api:medication-stop", args=[medication.public_id])),
    ]

    assert [response.status_code for response in refused] == [404] * len(refused)
    assert Treatment.objects.count() == 1 and treatment.medications.count() == 1
    medication.refresh_from_db()
    assert medication.stopped_at is None and not medication.noon
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.ACTIVE


@pytest.mark.parametrize("stranger", ["charlie", "dave"])
def test_someone_without_access_gets_404_on_every_endpoint_about_alices_data(
    request, stranger, alice, treatment, medication
):
    api = client_of(request.getfixturevalue(stranger))
    dose = {"medication": str(medication.public_id), "local_date": "2026-02-10", "moment": "morning"}
    calls = [
        ("get", reverse("api:patient-treatments", args=[alice.public_id]), None),
        ("post", reverse("api:patient-treatments", args=[alice.public_id]), {"title": "x", "start_date": "2026-03-02"}),
        ("get", reverse("api:treatment", args=[treatment.public_id]), None),
        ("patch", reverse("api:treatment", args=[treatment.public_id]), {"status": "paused"}),
        ("post", reverse("api:treatment-medications", args=[treatment.public_id]), {"name": "x", "morning": True}),
        ("patch", reverse("api:medication", args=[medication.public_id]), {"noon": True}),
        ("post", reverse("api:medication-stop", args=[medication.public_id]), None),
        ("get", reverse("api:patient-plan", args=[alice.public_id]), None),
        ("get", reverse("api:patient-plan", args=[alice.public_id]) + "?date=nonsense", None),
        ("post", reverse("api:doses"), {**dose, "answer": "taken"}),
    ]

    statuses = {
        (method, url): getattr(api, method)(url, data, format="json").status_code for method, url, data in calls
    }

    assert set(statuses.values()) == {404}, statuses
    assert not Intake.objects.exists()
    assert Treatment.objects.count() == 1 and not record_added_notifications(alice).exists()


def test_the_api_needs_a_signed_in_user(alice, treatment):
    api = APIClient()

    assert api.get(reverse("api:patient-treatments", args=[alice.public_id])).status_code == 401
    assert api.get(reverse("api:treatment", args=[treatment.public_id])).status_code == 401
    assert api.get(reverse("api:drugs"), {"q": "doliprane"}).status_code == 401
    assert api.get(reverse("api:reminder-settings")).status_code == 401


def test_the_list_puts_current_treatments_first(api, alice):
    TreatmentFactory(patient=alice, title="Old but ongoing", start_date=datetime.date(2025, 1, 1))
    TreatmentFactory(
        patient=alice, title="Recent but finished", start_date=datetime.date(2026, 2, 1), status="finished"
    )
    TreatmentFactory(patient=alice, title="Paused", start_date=datetime.date(2025, 6, 1), status="paused")
    TreatmentFactory(title="Someone else's")

    listed = api.get(reverse("api:patient-treatments", args=[alice.public_id])).json()

    assert [treatment["title"] for treatment in listed["results"]] == [
        "Paused",
        "Old but ongoing",
        "Recent but finished",
    ]


def test_the_detail_shows_the_medications_and_how_well_the_treatment_is_taken(api, alice):
    with time_machine.travel(paris(2026, 2, 9, 7, 0), tick=False):
        treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 9))
        medication = MedicationFactory(treatment=treatment, morning=True)

    with time_machine.travel(paris(2026, 2, 10, 9, 0), tick=False):
        api.post(
            reverse("api:doses"),
            {
                "medication": str(medication.public_id),
                "local_date": "2026-02-10",
                "moment": "morning",
                "answer": "taken",
            },
            format="json",
        )
        detail = api.get(reverse("api:treatment", args=[treatment.public_id])).json()

    assert [item["public_id"] for item in detail["medications"]] == [str(medication.public_id)]
    # Monday's dose was neither reminded nor answered: not tracked, and not counted against the patient.
    assert detail["adherence"] == {
        "rate": 100,
        "taken": 1,
        "skipped": 0,
        "not_answered": 0,
        "asked": 1,
        "not_tracked": 1,
        "due": 2,
        "not_tracked_because": None,
        "tracked_since": "2026-02-09T07:00:00+01:00",
    }


def test_the_status_changes_and_an_unknown_one_is_refused(api, treatment, medication):
    url = reverse("api:treatment", args=[treatment.public_id])

    paused = api.patch(url, {"status": "paused"}, format="json")
    unknown = api.patch(url, {"status": "forgotten"}, format="json")
    stopped = api.patch(url, {"status": "stopped"}, format="json")
    added_after = api.post(
        reverse("api:treatment-medications", args=[treatment.public_id]),
        {"name": "DOLIPRANE", "morning": True},
        format="json",
    )

    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert unknown.status_code == 400 and "status" in unknown.json()["fields"]
    assert stopped.json()["status"] == "stopped"
    assert added_after.status_code == 400 and "terminé" in str(added_after.json())


# The day's plan and doses ------------------------------------------------------------------------------------------


def test_the_plan_lists_todays_doses_and_a_dose_marked_taken_shows_as_taken(api, alice, treatment):
    doliprane = MedicationFactory(treatment=treatment, name="DOLIPRANE", morning=True, evening=True)
    MedicationFactory(treatment=treatment, name="AMOXICILLINE", morning=True, dose_unit="gélule")
    MedicationFactory(treatment=treatment, name="SPASFON", as_needed=True, morning=False)
    url = reverse("api:patient-plan", args=[alice.public_id])

    with time_machine.travel(paris(2026, 2, 10, 9, 0), tick=False):
        before = api.get(url).json()
        marked = api.post(
            reverse("api:doses"),
            {
                "medication": str(doliprane.public_id),
                "local_date": "2026-02-10",
                "moment": "morning",
                "answer": "taken",
            },
            format="json",
        )
        after = api.get(url).json()

    assert before["date"] == "2026-02-10"
    assert [(group["moment"], group["due_at"]) for group in before["groups"]] == [
        ("morning", "2026-02-10T08:00:00+01:00"),
        ("evening", "2026-02-10T19:00:00+01:00"),
    ]
    morning = before["groups"][0]
    assert morning["label"]
    assert [(item["medication"]["name"], item["status"]) for item in morning["items"]] == [
        ("DOLIPRANE", "due"),
        ("AMOXICILLINE", "due"),
    ]
    assert morning["items"][1]["medication"] == {
        "public_id": morning["items"][1]["medication"]["public_id"],
        "name": "AMOXICILLINE",
        "dose": "1.00",
        "dose_unit": "gélule",
    }
    assert marked.status_code == 200, marked.json()
    assert marked.json()["status"] == "taken" and marked.json()["answered_at"] is not None
    statuses = {
        (group["moment"], item["medication"]["name"]): item["status"]
        for group in after["groups"]
        for item in group["items"]
    }
    assert statuses == {
        ("morning", "DOLIPRANE"): "taken",
        ("morning", "AMOXICILLINE"): "due",
        ("evening", "DOLIPRANE"): "due",
    }


def test_the_plan_of_another_day_and_a_wrong_date(api, alice, medication):
    url = reverse("api:patient-plan", args=[alice.public_id])

    before_the_start = api.get(url, {"date": "2026-01-31"})
    first_day = api.get(url, {"date": "2026-02-01"})
    wrong = api.get(url, {"date": "31/01/2026"})

    assert before_the_start.json() == {"date": "2026-01-31", "can_answer": True, "groups": []}
    assert [group["moment"] for group in first_day.json()["groups"]] == ["morning"]
    assert wrong.status_code == 400 and "date" in wrong.json()["fields"]


def test_a_snoozed_dose_is_reminded_again_after_the_patients_snooze(api, alice, medication):
    api.patch(reverse("api:reminder-settings"), {"snooze_minutes": 30}, format="json")

    with time_machine.travel(paris(2026, 2, 10, 8, 5), tick=False):
        snoozed = api.post(
            reverse("api:doses"),
            {
                "medication": str(medication.public_id),
                "local_date": "2026-02-10",
                "moment": "morning",
                "answer": "snoozed",
            },
            format="json",
        )

    assert snoozed.json()["status"] == "snoozed"
    assert snoozed.json()["snoozed_until"] == "2026-02-10T08:35:00+01:00"


def test_only_the_patient_marks_a_dose_and_only_a_planned_one(api, alice, bob, bob_sees_alice, medication):
    dose = {"medication": str(medication.public_id), "local_date": "2026-02-10", "answer": "taken"}

    by_bob = client_of(bob).post(reverse("api:doses"), {**dose, "moment": "morning"}, format="json")
    not_planned = api.post(reverse("api:doses"), {**dose, "moment": "noon"}, format="json")
    before_the_start = api.post(
        reverse("api:doses"), {**dose, "moment": "morning", "local_date": "2026-01-01"}, format="json"
    )
    unknown_answer = api.post(reverse("api:doses"), {**dose, "moment": "morning", "answer": "maybe"}, format="json")

    assert by_bob.status_code == 404
    assert not_planned.status_code == 404
    assert before_the_start.status_code == 404
    assert unknown_answer.status_code == 400 and "answer" in unknown_answer.json()["fields"]
    assert not Intake.objects.exists()


# Reminder settings and drugs ---------------------------------------------------------------------------------------


def test_the_patient_reads_and_changes_their_reminder_settings(api):
    url = reverse("api:reminder-settings")

    initial = api.get(url).json()
    too_short = api.patch(url, {"snooze_minutes": 4}, format="json")
    too_long = api.patch(url, {"snooze_minutes": 241}, format="json")
    bad_time = api.patch(url, {"morning_at": "7h"}, format="json")
    changed = api.patch(url, {"snooze_minutes": 240, "morning_at": "07:30", "show_drug_names": True}, format="json")
    shortest = api.patch(url, {"snooze_minutes": 5}, format="json")

    assert initial == {
        "enabled": True,
        "morning_at": "08:00",
        "noon_at": "12:00",
        "evening_at": "19:00",
        "bedtime_at": "22:00",
        "snooze_minutes": 15,
        "show_drug_names": False,
    }
    assert too_short.status_code == 400 and "snooze_minutes" in too_short.json()["fields"]
    assert too_long.status_code == 400 and "snooze_minutes" in too_long.json()["fields"]
    assert bad_time.status_code == 400 and "morning_at" in bad_time.json()["fields"]
    assert changed.status_code == 200
    assert changed.json() | {"snooze_minutes": 0} == initial | {
        "morning_at": "07:30",
        "show_drug_names": True,
        "snooze_minutes": 0,
    }
    assert shortest.json()["snooze_minutes"] == 5
    assert api.get(url).json()["morning_at"] == "07:30"


def test_reminder_settings_are_for_patients_only(bob):
    api = client_of(bob)

    assert api.get(reverse("api:reminder-settings")).status_code == 404
    assert api.patch(reverse("api:reminder-settings"), {"enabled": False}, format="json").status_code == 404


def test_the_drug_search_ignores_accents_and_case(api, charlie):
    without_accent = api.get(reverse("api:drugs"), {"q": "paracetamol"})
    with_accent = api.get(reverse("api:drugs"), {"q": "PARACÉTAMOL"})
    by_a_professional = client_of(charlie).get(reverse("api:drugs"), {"q": "doliprane 1000"})

    assert without_accent.status_code == 200
    drugs = without_accent.json()
    assert 0 < len(drugs) <= 10
    assert set(drugs[0]) == {"cis", "name", "brand", "strength", "form", "substances"}
    assert all("PARACÉTAMOL" in drug["substances"] for drug in drugs)
    assert with_accent.json() == drugs
    assert "DOLIPRANE 1000 mg, comprimé" in [drug["name"] for drug in by_a_professional.json()]
    assert api.get(reverse("api:drugs")).json() == []


# The schema --------------------------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_treatments_api(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    paths = schema["paths"]
    for path, methods in {
        "/api/v1/patients/{patient_id}/treatments/": {"get", "post"},
        "/api/v1/patients/{patient_id}/plan/": {"get"},
        "/api/v1/treatments/{treatment_id}/": {"get", "patch"},
        "/api/v1/treatments/{treatment_id}/medications/": {"post"},
        "/api/v1/medications/{medication_id}/": {"patch"},
        "/api/v1/medications/{medication_id}/stop/": {"post"},
        "/api/v1/doses/": {"post"},
        "/api/v1/reminder-settings/": {"get", "patch"},
        "/api/v1/drugs/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    treatment_get = paths["/api/v1/treatments/{treatment_id}/"]["get"]
    assert treatment_get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TreatmentDetail"
    )
    assert "duration_days" in schema["components"]["schemas"]["NewTreatment"]["properties"]
    assert "date" in [
        parameter["name"] for parameter in paths["/api/v1/patients/{patient_id}/plan/"]["get"]["parameters"]
    ]
