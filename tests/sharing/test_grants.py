import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Grant, Permission, Scope
from access.policy import Action, decide
from audit.models import AccessEvent
from notifications.models import Notification
from sharing import services as sharing

pytestmark = pytest.mark.django_db


def timeline_titles(client, patient):
    response = client.get(reverse("health_records:timeline", args=[patient.public_id]))
    if response.status_code != 200:
        return response.status_code
    return sorted(record.title for record in response.context["page"].object_list)


def test_a_patient_finds_a_professional_and_gives_access_to_the_whole_file(client, alice, bob, alice_records):
    client.force_login(alice)

    found = client.get(reverse("sharing:professional_search"), {"q": bob.last_name[:4]}).content.decode()
    response = client.post(
        reverse("sharing:grant_new"),
        {"professional": str(bob.public_id), "scope": "all", "permission": "comment", "ends_on": ""},
    )

    assert str(bob.public_id) in found
    assert response.url == reverse("sharing:care_team")
    grant = Grant.objects.get()
    assert (grant.patient, grant.professional, grant.scope, grant.permission) == (alice, bob, "all", "comment")
    assert Notification.objects.filter(recipient=bob, event="grant_given").exists()
    assert bob.full_name in client.get(reverse("sharing:care_team")).content.decode()


def test_a_professional_sees_only_patients_with_an_active_grant(client, alice, dave, bob, grant_to_bob):
    grant_to_bob()
    client.force_login(bob)

    page = client.get(reverse("sharing:my_patients")).content.decode()

    assert alice.full_name in page and dave.full_name not in page


@pytest.mark.parametrize(
    ("scope", "options", "visible"),
    [
        (Scope.ALL, {}, ["Bilan sanguin", "IRM genou", "Note très privée"]),
        (Scope.KINDS, {"kinds": ["imaging"]}, ["IRM genou"]),
        (Scope.RECORDS, {"records": "lab"}, ["Bilan sanguin"]),
    ],
)
def test_a_professional_sees_the_timeline_within_the_grants_scope(
    client, bob, alice, alice_records, grant_to_bob, scope, options, visible
):
    if "records" in options:
        options = {"records": [alice_records[options["records"]]]}
    grant_to_bob(scope=scope, **options)
    client.force_login(bob)

    assert timeline_titles(client, alice) == visible
    hidden = [record for record in alice_records.values() if record.title not in visible]
    for record in hidden:
        assert client.get(reverse("health_records:detail", args=[record.public_id])).status_code == 404


def test_a_contributing_professional_adds_a_record_and_the_patient_is_told(client, alice, bob, grant_to_bob):
    grant_to_bob(scope=Scope.KINDS, permission=Permission.CONTRIBUTE, kinds=["imaging"])
    client.force_login(bob)

    client.post(
        reverse("health_records:create", args=[alice.public_id]),
        {"kind": "medical_report", "title": "Compte rendu de consultation", "clinical_date": "2026-02-02"},
    )

    record = alice.health_records.get()
    assert record.author == bob
    # Outside his kinds, but he wrote it: he still sees it.
    assert client.get(reverse("health_records:detail", args=[record.public_id])).status_code == 200
    notification = Notification.objects.get(recipient=alice, event="record_added")
    assert bob.full_name in notification.message
    assert "Compte rendu" not in notification.message


def test_a_reading_professional_cannot_add_records(client, alice, bob, grant_to_bob):
    grant_to_bob(permission=Permission.READ)
    client.force_login(bob)

    response = client.post(
        reverse("health_records:create", args=[alice.public_id]),
        {"kind": "note", "title": "x", "clinical_date": "2026-02-02"},
    )

    assert response.status_code == 404
    assert not alice.health_records.exists()


def test_revoking_takes_effect_on_the_next_request_and_keeps_the_history(
    client, alice, bob, alice_records, grant_to_bob
):
    grant = grant_to_bob()
    client.force_login(bob)
    assert client.get(reverse("health_records:timeline", args=[alice.public_id])).status_code == 200

    alice_client = client.__class__()
    alice_client.force_login(alice)
    alice_client.post(reverse("sharing:grant_revoke", args=[grant.public_id]))

    assert client.get(reverse("health_records:timeline", args=[alice.public_id])).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == alice
    assert Grant.objects.count() == 1  # archived, not deleted
    assert Notification.objects.filter(recipient=bob, event="grant_revoked").exists()
    assert AccessEvent.objects.filter(patient=alice, action="revoke", object_id=grant.public_id).exists()


def test_changing_a_grant_archives_the_old_one(client, alice, bob, alice_records, grant_to_bob):
    first = grant_to_bob(scope=Scope.ALL)
    client.force_login(alice)

    client.post(
        reverse("sharing:grant_edit", args=[first.public_id]),
        {"professional": str(bob.public_id), "scope": "kinds", "kinds": ["imaging"], "permission": "read"},
    )

    first.refresh_from_db()
    assert first.revoked_at is not None
    current = Grant.objects.active().get()
    assert (current.scope, current.kinds) == ("kinds", ["imaging"])


def test_an_expired_grant_gives_no_access(alice, bob, alice_records):
    grant = sharing.grant_give(
        actor=alice,
        professional=bob,
        scope=Scope.ALL,
        permission=Permission.READ,
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert decide(bob, Action.VIEW, alice)

    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Grant.objects.filter(pk=grant.pk).update(starts_at=an_hour_ago - datetime.timedelta(hours=1), ends_at=an_hour_ago)

    assert not decide(bob, Action.VIEW, alice)


def test_the_care_team_shows_when_each_professional_last_looked(client, alice, bob, alice_records, grant_to_bob):
    grant_to_bob()
    bob_client = client.__class__()
    bob_client.force_login(bob)
    bob_client.get(reverse("health_records:detail", args=[alice_records["lab"].public_id]))
    client.force_login(alice)

    grants = client.get(reverse("sharing:care_team")).context["grants"]

    assert grants[0].last_seen is not None


def test_a_grant_cannot_go_to_a_patient_or_to_oneself(alice, dave):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        sharing.grant_give(actor=alice, professional=dave, scope=Scope.ALL, permission=Permission.READ)
