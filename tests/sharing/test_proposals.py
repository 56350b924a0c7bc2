import pytest
from django.urls import reverse

from access.models import Grant
from access.policy import Action, decide
from audit.models import AccessEvent
from notifications.models import Notification
from sharing import services as sharing
from sharing.models import CareTeamProposal, SharingSettings
from tests.factories import ProfessionalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    return ProfessionalFactory(last_name="Collègue")


def propose(client, patient, colleague, **fields):
    data = {
        "professional": str(colleague.public_id),
        "message": "Kiné pour la rééducation du genou",
        "scope": "all",
        "permission": "read",
        **fields,
    }
    return client.post(reverse("sharing:propose", args=[patient.public_id]), data)


def test_a_professional_of_the_care_team_proposes_a_colleague_and_the_patient_approves(
    client, alice, bob, colleague, grant_to_bob
):
    grant_to_bob()
    client.force_login(bob)
    propose(client, alice, colleague)
    assert not decide(colleague, Action.VIEW, alice)  # nothing before the patient answers
    assert Notification.objects.filter(recipient=alice, event="access_request_received").exists()

    alice_client = client.__class__()
    alice_client.force_login(alice)
    page = alice_client.get(reverse("sharing:care_team")).content.decode()
    proposal = CareTeamProposal.objects.get()
    alice_client.post(reverse("sharing:proposal_answer", args=[proposal.public_id]), {"decision": "approve"})

    assert "Kiné pour la rééducation du genou" in page
    grant = Grant.objects.active().get(professional=colleague)
    assert (grant.origin, grant.permission) == ("proposal", "read")
    assert decide(colleague, Action.VIEW, alice)
    assert Notification.objects.filter(recipient=colleague, event="grant_given").exists()


def test_the_patient_refuses_a_proposal(client, alice, bob, colleague, grant_to_bob):
    grant_to_bob()
    proposal = sharing.care_team_propose(
        actor=bob, patient=alice, professional=colleague, message="", scope="all", kinds=[], permission="read"
    )
    client.force_login(alice)

    client.post(reverse("sharing:proposal_answer", args=[proposal.public_id]), {"decision": "refuse"})

    proposal.refresh_from_db()
    assert proposal.status == "refused"
    assert not decide(colleague, Action.VIEW, alice)


def test_a_pre_authorised_care_team_invites_at_once_but_not_beyond_the_limit(
    client, alice, bob, colleague, grant_to_bob
):
    grant_to_bob()
    sharing.sharing_settings_update(actor=alice, team_may_invite=True, invite_max_permission="comment")
    other = ProfessionalFactory()

    within = sharing.care_team_propose(
        actor=bob, patient=alice, professional=colleague, message="", scope="all", kinds=[], permission="comment"
    )
    beyond = sharing.care_team_propose(
        actor=bob, patient=alice, professional=other, message="", scope="all", kinds=[], permission="contribute"
    )

    assert within.status == "approved" and decide(colleague, Action.COMMENT, alice)
    assert beyond.status == "pending" and not decide(other, Action.VIEW, alice)


def test_only_a_professional_with_access_may_propose(client, alice, charlie, colleague):
    client.force_login(charlie)

    assert client.get(reverse("sharing:propose", args=[alice.public_id])).status_code == 404
    assert propose(client, alice, colleague).status_code == 404
    assert not CareTeamProposal.objects.exists()


def test_the_api_proposes_a_colleague_and_the_patient_answers(alice, bob, colleague, grant_to_bob):
    from rest_framework.test import APIClient

    grant_to_bob()
    as_bob, as_alice = APIClient(), APIClient()
    as_bob.force_authenticate(bob)
    as_alice.force_authenticate(alice)

    created = as_bob.post(
        reverse("api:proposals", args=[alice.public_id]),
        {"professional": str(colleague.public_id), "permission": "comment"},
        format="json",
    )
    pending = as_alice.get(reverse("api:proposals", args=[alice.public_id])).json()
    answered = as_alice.post(
        reverse("api:proposal-answer", args=[created.json()["public_id"]]), {"approve": True}, format="json"
    )

    assert created.status_code == 201 and [proposal["professional"] for proposal in pending] == [
        str(colleague.public_id)
    ]
    assert answered.json()["status"] == "approved"
    assert decide(colleague, Action.COMMENT, alice)


def test_the_api_directory_shows_only_public_parts(alice):
    from rest_framework.test import APIClient

    hidden = ProfessionalFactory(last_name="Discret", professional_profile__city="Nantes")
    hidden.professional_profile.city_public = False
    hidden.professional_profile.save()
    api = APIClient()
    api.force_authenticate(alice)

    [entry] = api.get(reverse("api:directory"), {"q": "discret"}).json()["results"]

    assert entry["city"] == "" and entry["name"].endswith("Discret")


def test_the_patients_log_says_a_colleague_was_proposed_not_that_access_was_given(
    client, alice, bob, colleague, grant_to_bob
):
    grant_to_bob()
    proposal = sharing.care_team_propose(
        actor=bob, patient=alice, professional=colleague, message="", scope="all", kinds=[], permission="read"
    )
    client.force_login(alice)

    page = client.get(reverse("audit:access_log"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "a créé une proposition pour votre équipe soignante" in page
    assert "a partagé un accès" not in page
    assert AccessEvent.objects.filter(object_id=proposal.public_id, object_type="care_team_proposal").exists()


def test_the_care_team_page_writes_no_settings_until_the_patient_saves_them(client, alice):
    client.force_login(alice)

    client.get(reverse("sharing:care_team"))

    assert not SharingSettings.objects.filter(patient=alice).exists()
    sharing.sharing_settings_update(actor=alice, team_may_invite=True, invite_max_permission="comment")
    assert SharingSettings.objects.get(patient=alice).allows("comment")
