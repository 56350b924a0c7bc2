"""Caregivers' pages: the patient's "My caregivers", the member's answer, the invitation opened from an
e-mail, and the API."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from access import policy
from access.models import AccessPath, Caregiver
from access.policy import Action
from audit.models import AccessEvent
from notifications.models import Notification
from sharing import services
from sharing.services import Rights
from tests.factories import PatientFactory, TreatmentFactory, api_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(db):
    return PatientFactory(email="carol@example.org", first_name="Carol", last_name="Petit")


def add_form(identifier, **rights):
    return {"identifier": identifier, "missed_dose_delay_minutes": 60, "view_treatments": "on", **rights}


def test_the_patient_asks_a_member_who_accepts_from_the_notification(client, alice, carol):
    client.force_login(alice)

    response = client.post(reverse("sharing:caregivers"), add_form("carol@example.org", answer_doses="on"))

    assert response.status_code == 302
    page = client.get(reverse("sharing:caregivers")).content.decode()
    assert "Carol Petit" in page and "En attente de réponse" in page
    client.force_login(carol)
    helping = client.get(Notification.objects.get(recipient=carol).url)
    assert "vous demande d’être son aidant" in helping.content.decode()

    client.post(helping.request["PATH_INFO"], {"decision": "accept"})

    caregiver = Caregiver.objects.get(caregiver=carol)
    assert caregiver.accepted_at is not None and caregiver.answer_doses
    assert policy.decide(carol, Action.ANSWER_DOSE, alice)
    helping_page = client.get(helping.request["PATH_INFO"]).content.decode()
    assert "Arrêter d’aider" in helping_page
    assert reverse("treatments:patient", args=[alice.public_id]) in helping_page
    assert reverse("health_records:timeline", args=[alice.public_id]) not in helping_page


def test_managing_the_whole_file_is_offered_with_a_warning(client, alice):
    client.force_login(alice)

    page = client.get(reverse("sharing:caregivers")).content.decode()

    assert "Gérer tout mon dossier" in page and "Seul le partage de votre dossier reste entre vos mains" in page


def test_an_unknown_address_is_invited_by_email_and_accepted_after_signing_in(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sharing:caregivers"), add_form("paul@example.org"))
    (message,) = mailoutbox
    path = re.search(r"https?://[^/]+(/caregivers/invitation/[^/\s]+/)", message.body).group(1)
    client.logout()

    invitation = client.get(path).content.decode()
    sign_in = client.post(path, {"decision": "accept"})

    assert alice.full_name in invitation and "Voir les traitements et les prises" in invitation
    assert sign_in.status_code == 302 and sign_in.url.startswith(reverse("accounts:login"))
    paul = PatientFactory(email="paul@example.org")
    client.force_login(paul)
    client.post(path, {"decision": "accept"})
    assert Caregiver.objects.active().get(patient=alice).caregiver == paul


def test_a_declined_invitation_no_longer_opens(client, alice):
    _caregiver, token = services.caregiver_add(
        actor=alice, patient=alice, identifier="paul@example.org", rights=Rights()
    )
    path = reverse("sharing:caregiver_invitation", args=[token])

    client.post(path, {"decision": "decline"})

    assert client.get(path).status_code == 404
    assert client.get(reverse("sharing:caregiver_invitation", args=["made-up"])).status_code == 404


def test_the_patient_changes_the_rights_and_ends_the_help(client, alice, carol):
    caregiver, _ = services.caregiver_add(actor=alice, patient=alice, identifier=carol.email, rights=Rights())
    services.caregiver_accept(actor=carol, caregiver=caregiver)
    client.force_login(alice)

    client.post(reverse("sharing:caregiver_edit", args=[caregiver.public_id]), add_form("", manage_file="on"))
    current = Caregiver.objects.active().get(caregiver=carol)
    client.post(reverse("sharing:caregiver_revoke", args=[current.public_id]))

    assert current.manage_file and not Caregiver.objects.active().exists()
    assert not policy.decide(carol, Action.VIEW, alice)


def test_a_caregiver_who_sees_treatments_opens_them_but_not_the_records(client, alice, carol):
    caregiver, _ = services.caregiver_add(actor=alice, patient=alice, identifier=carol.email, rights=Rights())
    services.caregiver_accept(actor=carol, caregiver=caregiver)
    treatment = TreatmentFactory(patient=alice)
    client.force_login(carol)

    assert client.get(reverse("treatments:patient", args=[alice.public_id])).status_code == 200
    assert client.get(reverse("treatments:detail", args=[treatment.public_id])).status_code == 200
    assert client.get(reverse("health_records:timeline", args=[alice.public_id])).status_code == 404
    assert AccessEvent.objects.filter(patient=alice, actor=carol, access_path=AccessPath.CAREGIVER).exists()


# --- API ------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def test_the_api_adds_changes_and_ends_a_caregiver_who_accepts_through_it(alice, carol):
    patient, helper = api(alice), api(carol)

    added = patient.post("/api/v1/caregivers/", {"identifier": "carol@example.org"}, format="json")
    asked = helper.get("/api/v1/caring-for/").json()
    accepted = helper.post(f"/api/v1/caring-for/{added.json()['public_id']}/accept/")
    changed = patient.patch(f"/api/v1/caregivers/{added.json()['public_id']}/", {"answer_doses": True}, format="json")
    ended = patient.delete(f"/api/v1/caregivers/{changed.json()['public_id']}/")

    assert added.status_code == 201 and added.json()["status"] == "pending"
    assert [row["patient"]["full_name"] for row in asked] == [alice.full_name]
    assert accepted.json()["status"] == "active"
    assert changed.json()["answer_doses"] and changed.json()["public_id"] != added.json()["public_id"]
    assert changed.json()["view_treatments"]
    assert ended.json()["status"] == "ended"
    statuses = [row["status"] for row in patient.get("/api/v1/caregivers/").json()]
    assert sorted(statuses) == ["ended", "ended"]


def test_the_api_says_what_is_wrong_in_one_shape(alice):
    response = api(alice).post(
        "/api/v1/caregivers/", {"identifier": "nope", "missed_dose_delay_minutes": 5}, format="json"
    )

    assert response.status_code == 400
    assert (
        set(response.json()) == {"code", "detail", "fields"}
        and "missed_dose_delay_minutes" in response.json()["fields"]
    )


def test_the_caregiver_stops_helping_through_the_api(alice, carol):
    caregiver, _ = services.caregiver_add(actor=alice, patient=alice, identifier=carol.email, rights=Rights())
    services.caregiver_accept(actor=carol, caregiver=caregiver)

    response = api(carol).post(f"/api/v1/caring-for/{caregiver.public_id}/stop/")

    assert response.json()["status"] == "ended" and not policy.decide(carol, Action.VIEW, alice)
    assert api(alice).post(f"/api/v1/caring-for/{caregiver.public_id}/accept/").status_code == 404
