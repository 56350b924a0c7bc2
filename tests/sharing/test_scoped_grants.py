"""What a professional with a scoped grant (chosen kinds or chosen records) may do beyond reading records:
propose colleagues, use the emergency page, enrol the patient's face. Each keeps to the scope."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from access.models import Grant, Permission, Scope
from comments import services as comments
from sharing import services as sharing
from sharing.models import CareTeamProposal
from tests.factories import HealthRecordFactory, ProfessionalFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    return ProfessionalFactory(last_name="Collègue")


@pytest.fixture
def profile(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    return sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "allergies": "Pénicilline", "conditions": "Asthme sévère"},
        visible_sections=["allergies"],
    )


def proposal_form(colleague, **fields):
    return {"professional": str(colleague.public_id), "message": "", "permission": "read", **fields}


def test_a_kind_scoped_professional_proposes_a_colleague_only_for_kinds_they_see(
    client, alice, bob, colleague, grant_to_bob
):
    grant_to_bob(scope=Scope.KINDS, kinds=["imaging", "photo"])
    sharing.sharing_settings_update(actor=alice, team_may_invite=True, invite_max_permission=Permission.READ)
    client.force_login(bob)
    url = reverse("sharing:propose", args=[alice.public_id])

    offered = client.get(url).context["form"]
    whole_file = client.post(url, proposal_form(colleague, scope="all"))
    beyond = client.post(url, proposal_form(colleague, scope="kinds", kinds=["imaging", "prescription"]))
    within = client.post(url, proposal_form(colleague, scope="kinds", kinds=["imaging"]))

    assert [value for value, _label in offered.fields["scope"].choices] == ["kinds"]
    assert [value for value, _label in offered.fields["kinds"].choices] == ["imaging", "photo"]
    assert whole_file.context["form"].errors and beyond.context["form"].errors
    assert within.status_code == 302
    grant = Grant.objects.active().get(professional=colleague)
    assert (grant.scope, grant.kinds) == (Scope.KINDS, ["imaging"])


def test_the_service_refuses_a_proposal_beyond_the_proposers_scope(alice, bob, colleague, grant_to_bob):
    grant_to_bob(scope=Scope.KINDS, kinds=["imaging"])

    with pytest.raises(ValidationError) as refused:
        sharing.care_team_propose(
            actor=bob, patient=alice, professional=colleague, message="", scope="all", kinds=[], permission="read"
        )

    assert refused.value.code == "beyond_scope"
    assert not CareTeamProposal.objects.exists()


def test_a_records_scoped_professional_proposes_nobody(client, alice, bob, colleague, grant_to_bob):
    grant_to_bob(scope=Scope.RECORDS, records=[HealthRecordFactory(patient=alice)])
    client.force_login(bob)
    api = APIClient()
    api.force_authenticate(bob)

    page = client.get(reverse("sharing:propose", args=[alice.public_id]))
    posted = api.post(
        reverse("api:proposals", args=[alice.public_id]),
        {"professional": str(colleague.public_id), "scope": "kinds", "kinds": ["imaging"]},
        format="json",
    )

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not CareTeamProposal.objects.exists()


def test_a_scoped_professional_reads_the_public_emergency_page_and_only_the_whole_file_skips_it(
    client, alice, bob, profile, grant_to_bob
):
    grant_to_bob(scope=Scope.KINDS, kinds=["imaging"])
    client.force_login(bob)
    url = reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])

    page = client.get(url).content.decode()
    grant_to_bob(scope=Scope.ALL)
    with_whole_file = client.get(url)

    assert "Pénicilline" in page and "Asthme sévère" not in page
    assert with_whole_file.url == reverse("health_records:timeline", args=[alice.public_id])


def test_a_scoped_professional_does_not_enrol_the_patients_face(client, alice, bob, grant_to_bob):
    grant_to_bob(scope=Scope.KINDS, kinds=["photo"], permission=Permission.CONTRIBUTE)
    client.force_login(bob)

    enrol = client.get(reverse("faces:enrol_patient", args=[alice.public_id]))
    consent = client.get(reverse("api:face-consent", args=[alice.public_id]))
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode()

    assert (enrol.status_code, consent.status_code) == (404, 404)
    assert reverse("faces:enrol_patient", args=[alice.public_id]) not in timeline


def test_counts_badges_and_suggestions_count_only_what_the_scope_covers(client, alice, bob, grant_to_bob):
    xray = HealthRecordFactory(patient=alice, kind="imaging", title="Radio")
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance")
    knee = HealthRecordFactory(patient=alice, kind="photo", title="Genou", body_site="genou")
    RecordFileFactory(record=knee)
    grant_to_bob(scope=Scope.RECORDS, records=[xray], permission=Permission.COMMENT)
    kate = ProfessionalFactory(first_name="Kate", last_name="Radiologue")
    sharing.grant_give(actor=alice, professional=kate, scope=Scope.KINDS, kinds=["imaging"], permission="comment")
    for record in (xray, prescription, knee):
        comments.comment_create(actor=alice, record=record, text="Qu’en pensez-vous ?")
    client.force_login(bob)

    home = client.get(reverse("home"))
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id]))
    gallery = client.get(reverse("health_records:gallery", args=[alice.public_id]))
    on_xray = client.get(reverse("comments:mention_suggestions", args=[xray.public_id]), {"q": "radio"})
    client.force_login(alice)
    on_prescription = client.get(reverse("comments:mention_suggestions", args=[prescription.public_id]), {"q": "k"})

    [entry] = home.context["patients"]
    assert (entry["new_records"], entry["unread_comments"]) == (1, 1)
    assert list(timeline.context["record_badges"]) == [xray.pk]
    assert [record.title for record in timeline.context["page"]] == ["Radio"]
    assert gallery.context["groups"] == []
    assert "Kate Radiologue" in on_xray.content.decode()
    assert "Kate Radiologue" not in on_prescription.content.decode()
