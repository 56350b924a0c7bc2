"""A caregiver sees the doses of the patients they help and, when the patient allowed it, answers them: on
their "People I help" page, on the patient's treatments page and through the API. The answer is theirs in
the access log and on the patient's pages; anyone else finds nothing (404)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from access.models import AccessPath
from audit.models import AccessEvent
from audit.models import ObjectType as AuditObject
from tests.factories import CaregiverFactory, MedicationFactory, PatientFactory, TreatmentFactory
from treatments.models import Intake, patient_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def medication(alice):
    treatment = TreatmentFactory(patient=alice, start_date=patient_today(alice))
    return MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True)


@pytest.fixture
def carol(alice):
    """Alice's daughter, who answers doses for her."""
    helper = PatientFactory(email="carol@example.org", first_name="Carol")
    CaregiverFactory(patient=alice, caregiver=helper, answer_doses=True)
    return helper


@pytest.fixture
def victor(alice):
    """A neighbour who only sees alice's doses."""
    helper = PatientFactory(email="victor@example.org", first_name="Victor")
    CaregiverFactory(patient=alice, caregiver=helper)
    return helper


def answer(client, medication, patient, value="taken", **extra):
    return client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": patient_today(patient).isoformat(),
            "moment": "morning",
            "answer": value,
            **extra,
        },
    )


def api_answer(user, medication, patient, value="taken"):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(
        reverse("api:doses"),
        {
            "medication": str(medication.public_id),
            "local_date": patient_today(patient).isoformat(),
            "moment": "morning",
            "answer": value,
        },
        format="json",
    )


def test_the_caregiver_sees_the_patients_doses_of_the_day_and_answers_them_from_their_page(
    client, alice, carol, medication
):
    client.force_login(carol)
    url = reverse("treatments:caring")

    page = client.get(url)
    response = answer(client, medication, alice, next=url)

    assert [person["patient"] for person in page.context["people"]] == [alice]
    html = page.content.decode()
    assert alice.full_name in html and "AMOXICILLINE 1 g" in html
    assert reverse("treatments:intake_answer") in html  # the answer buttons
    assert response.status_code == 302 and response.url == url
    intake = Intake.objects.get()
    assert (intake.status, intake.answered_by) == ("taken", carol)


def test_the_answer_is_logged_as_the_caregivers_and_the_patient_reads_who_answered(client, alice, carol, medication):
    client.force_login(carol)
    answer(client, medication, alice)

    event = AccessEvent.objects.get(object_type=AuditObject.INTAKE)
    client.force_login(alice)
    treatments_page = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()
    access_log = client.get(reverse("audit:access_log")).content.decode()

    assert (event.actor, event.patient, event.access_path) == (carol, alice, AccessPath.CAREGIVER)
    assert "indiqué pris par Carol" in treatments_page
    assert carol.full_name in access_log


def test_the_patients_own_answer_names_nobody(client, alice, carol, medication):
    client.force_login(alice)
    answer(client, medication, alice)

    page = client.get(reverse("treatments:patient", args=[alice.public_id])).content.decode()

    assert Intake.objects.get().answered_by == alice
    assert "indiqué pris par" not in page


def test_the_patients_treatments_page_shows_the_answer_buttons_to_a_caregiver_who_may_answer(
    client, alice, carol, victor, medication
):
    url = reverse("treatments:patient", args=[alice.public_id])
    client.force_login(carol)
    for_carol = client.get(url)
    client.force_login(victor)
    for_victor = client.get(url)

    assert for_carol.context["can_answer"] and not for_victor.context["can_answer"]
    assert reverse("treatments:intake_answer") in for_carol.content.decode()
    assert reverse("treatments:intake_answer") not in for_victor.content.decode()
    assert "AMOXICILLINE 1 g" in for_victor.content.decode()


def test_a_caregiver_who_only_sees_cannot_answer(client, alice, victor, medication):
    client.force_login(victor)

    page = client.get(reverse("treatments:caring"))
    response = answer(client, medication, alice)

    assert "AMOXICILLINE 1 g" in page.content.decode()
    assert reverse("treatments:intake_answer") not in page.content.decode()
    assert response.status_code == 404
    assert api_answer(victor, medication, alice).status_code == 404
    assert not Intake.objects.exists()


def test_a_stranger_and_a_revoked_caregiver_find_nothing(client, alice, dave, medication):
    former = PatientFactory(first_name="Fanny")
    CaregiverFactory(patient=alice, caregiver=former, answer_doses=True, revoked=True)

    for user in (dave, former):
        client.force_login(user)
        page = client.get(reverse("treatments:caring"))
        assert page.context["people"] == []
        assert alice.full_name not in page.content.decode()
        assert answer(client, medication, alice).status_code == 404
        assert api_answer(user, medication, alice).status_code == 404
        assert client.get(reverse("treatments:patient", args=[alice.public_id])).status_code == 404
    assert not Intake.objects.exists()


def test_the_navigation_shows_people_i_help_only_to_caregivers(client, alice, carol, dave):
    client.force_login(carol)
    for_carol = client.get(reverse("home")).content.decode()
    client.force_login(dave)
    for_dave = client.get(reverse("home")).content.decode()

    assert reverse("treatments:caring") in for_carol and "Les personnes que j’aide" in for_carol
    assert reverse("treatments:caring") not in for_dave


def test_a_caregiver_only_alerted_sees_the_patient_listed_without_their_doses(client, alice, medication):
    watcher = PatientFactory(first_name="Wanda")
    CaregiverFactory(patient=alice, caregiver=watcher, view_treatments=False, missed_dose_alerts=True)
    client.force_login(watcher)

    page = client.get(reverse("treatments:caring"))

    (person,) = page.context["people"]
    assert person["patient"] == alice and not person["can_view"]
    assert "AMOXICILLINE" not in page.content.decode()
    assert client.get(reverse("treatments:patient", args=[alice.public_id])).status_code == 404


def test_the_caregivers_page_is_in_the_patients_access_log(client, alice, carol, medication):
    client.force_login(carol)
    client.get(reverse("treatments:caring"))

    event = AccessEvent.objects.get()
    assert (event.actor, event.patient, event.object_type, event.access_path) == (
        carol,
        alice,
        AuditObject.TREATMENTS,
        AccessPath.CAREGIVER,
    )


def test_the_api_lets_a_caregiver_find_the_patients_plan_and_answer_a_dose(alice, carol, victor, medication):
    client = APIClient()
    client.force_authenticate(carol)

    cared_for = client.get(reverse("api:caring-for-patients")).json()
    answered = api_answer(carol, medication, alice, value="skipped")
    plan = client.get(reverse("api:patient-plan", args=[alice.public_id])).json()
    client.force_authenticate(victor)
    plan_for_victor = client.get(reverse("api:patient-plan", args=[alice.public_id])).json()

    assert cared_for == [
        {
            "patient": str(alice.public_id),
            "name": alice.full_name,
            "can_view": True,
            "can_answer": True,
            "missed_dose_alerts": False,
            "missed_dose_delay_minutes": 60,
        }
    ]
    assert answered.status_code == 200 and answered.json()["status"] == "skipped"
    assert AccessEvent.objects.filter(actor=carol, object_type=AuditObject.INTAKE).get().access_path == "caregiver"
    assert plan["can_answer"] is True and not plan_for_victor["can_answer"]
    item = plan["groups"][0]["items"][0]
    assert (item["status"], item["answered_by"]) == ("skipped", carol.full_name)


def test_the_api_lists_nobody_for_a_member_who_helps_nobody(alice, dave, medication):
    client = APIClient()
    client.force_authenticate(dave)

    assert client.get(reverse("api:caring-for-patients")).json() == []
    assert client.get(reverse("api:patient-plan", args=[alice.public_id])).status_code == 404
