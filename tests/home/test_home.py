import datetime

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_how_to_sign_up_or_log_in(client):
    page = client.get(reverse("home")).content.decode()

    assert reverse("accounts:sign_up") in page
    assert reverse("accounts:login") in page


def test_a_patient_home_shows_records_treatments_and_sharing(client, alice):
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()

    assert "Bonjour Alice" in page
    for section in ["Mes dossiers de santé", "Mes traitements", "Partage"]:
        assert section in page
    assert reverse("admin:index") not in page


def test_a_patient_home_lists_the_latest_records(client, alice):
    from tests.factories import HealthRecordFactory

    HealthRecordFactory(patient=alice, title="Bilan récent")
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()

    assert "Bilan récent" in page
    assert reverse("health_records:mine") in page


def test_a_professional_home_shows_patients_and_inbox(client, bob):
    client.force_login(bob)

    page = client.get(reverse("home")).content.decode()

    assert "Mes patients" in page
    assert "Activité" in page
    assert "pas encore vérifié" in page


def test_a_staff_member_home_leads_to_the_administration(client, staff):
    client.force_login(staff)

    page = client.get(reverse("home")).content.decode()

    assert reverse("admin:index") in page


def test_the_language_switcher_changes_the_interface_to_english(client, alice):
    client.force_login(alice)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert "My health records" in client.get(reverse("home")).content.decode()


def test_pages_that_need_an_account_send_visitors_to_log_in(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_professional_home_lists_the_patients_who_gave_access(client, alice, dave, bob):
    from sharing import services as sharing

    sharing.grant_give(actor=alice, professional=bob, scope="all", permission="read")
    client.force_login(bob)

    page = client.get(reverse("home")).content.decode()

    assert alice.full_name in page and dave.full_name not in page
    assert reverse("health_records:timeline", args=[alice.public_id]) in page


def test_a_professional_dashboard_shows_what_is_new_on_each_patient_and_who_was_seen_lately(client, alice, bob):
    from comments import services as comments
    from sharing import services as sharing
    from tests.factories import HealthRecordFactory

    sharing.grant_give(actor=alice, professional=bob, scope="all", permission="comment")
    record = HealthRecordFactory(patient=alice, title="Bilan")
    comments.comment_create(actor=alice, record=record, text="Qu’en pensez-vous ?")
    client.force_login(bob)
    client.get(reverse("health_records:timeline", args=[alice.public_id]))

    response = client.get(reverse("home"))

    [entry] = response.context["patients"]
    assert (entry["patient"], entry["new_records"], entry["unread_comments"]) == (alice, 1, 1)
    assert [seen["patient"] for seen in response.context["recent"]] == [alice]
    assert any("Alice" in notification.message for notification in response.context["activity"])


def current_treatment(patient, **values):
    from tests.factories import MedicationFactory, TreatmentFactory
    from treatments.selectors import patient_today

    today = patient_today(patient)
    treatment = TreatmentFactory(patient=patient, start_date=today - datetime.timedelta(days=2), **values)
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    return treatment


def test_a_patient_home_shows_the_current_treatments_and_todays_doses(client, alice):
    from tests.factories import TreatmentFactory

    treatment = current_treatment(alice, title="Angine")
    TreatmentFactory(
        patient=alice,
        title="Ancienne cure",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 1, 10),
    )
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()

    assert reverse("treatments:detail", args=[treatment.public_id]) in page
    assert "Ancienne cure" not in page and "Aucun traitement en cours" not in page
    assert page.count("AMOXICILLINE 1 g") == 2  # morning and evening
    assert page.count('<input type="hidden" name="next" value="/">') == 2
    assert page.count('<button class="button button--small button--primary" name="answer" value="taken">Pris') == 2


def test_a_patient_without_a_current_treatment_reads_so_on_the_home(client, alice):
    client.force_login(alice)

    assert "Aucun traitement en cours." in client.get(reverse("home")).content.decode()


def test_a_dose_answered_from_the_home_comes_back_to_the_home_marked_taken(client, alice):
    from treatments.models import Intake
    from treatments.selectors import patient_today

    treatment = current_treatment(alice)
    medication = treatment.medications.get()
    client.force_login(alice)

    response = client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": patient_today(alice).isoformat(),
            "moment": "evening",
            "answer": "taken",
            "next": "/",
        },
    )

    assert response.status_code == 302 and response.url == "/"
    assert Intake.objects.get(medication=medication, moment="evening").status == "taken"
    assert '<li class="plan-item plan-item--taken">' in client.get("/").content.decode()


def test_a_dose_answer_never_sends_the_patient_to_another_site(client, alice):
    from treatments.selectors import patient_today

    medication = current_treatment(alice).medications.get()
    client.force_login(alice)

    response = client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": patient_today(alice).isoformat(),
            "moment": "morning",
            "answer": "skipped",
            "next": "https://example.com/",
        },
    )

    assert response.url == reverse("treatments:mine")


def test_the_patient_home_costs_the_same_queries_with_one_or_many_treatments(
    client, alice, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    current_treatment(alice)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for title in ("Hypertension", "Diabète", "Asthme"):
        current_treatment(alice, title=title)

    with django_assert_max_num_queries(len(one)):
        page = client.get(reverse("home")).content.decode()

    assert page.count("AMOXICILLINE 1 g") == 8
