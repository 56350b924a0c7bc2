"""The factories make what the services make: objects the database and the models' checks accept, that the
access policy and the pages read as the real thing."""

import pytest
from django.test import Client
from django.urls import reverse

from access.models import AccessPath, Grant, Permission, Scope
from access.policy import Action, decide
from sharing.models import ShareLink
from tests.factories import (
    CommentFactory,
    GrantFactory,
    HealthRecordFactory,
    ProfessionalFactory,
    ShareLinkFactory,
)

pytestmark = pytest.mark.django_db


def test_bob_sees_alice_is_an_active_whole_file_grant_to_add_records(alice, bob, bob_sees_alice):
    bob_sees_alice.full_clean()
    access = decide(bob, Action.CREATE, alice)

    assert access.path == AccessPath.GRANT and access.grant == bob_sees_alice and access.whole_file
    assert Grant.objects.active().get() == bob_sees_alice


def test_a_grant_on_kinds_or_records_covers_only_them(alice, bob):
    imaging = HealthRecordFactory(patient=alice, kind="imaging")
    lab = HealthRecordFactory(patient=alice, kind="lab_result")
    on_kinds = GrantFactory(patient=alice, professional=bob, kinds=["imaging"])
    on_kinds.full_clean()

    assert on_kinds.scope == Scope.KINDS and on_kinds.permission == Permission.READ
    assert decide(bob, Action.VIEW, alice, record=imaging) and not decide(bob, Action.VIEW, alice, record=lab)

    on_kinds.delete()
    on_records = GrantFactory(patient=alice, professional=bob, scope=Scope.RECORDS, records=[lab])
    on_records.full_clean()
    assert decide(bob, Action.VIEW, alice, record=lab) and not decide(bob, Action.VIEW, alice, record=imaging)


@pytest.mark.parametrize("trait", ["expired", "revoked"])
def test_an_expired_or_revoked_grant_gives_nothing(alice, bob, trait):
    grant = GrantFactory(patient=alice, professional=bob, **{trait: True})
    grant.full_clean()

    assert not grant.is_active
    assert not decide(bob, Action.VIEW, alice)


def test_a_professional_may_be_made_verified(bob):
    doctor = ProfessionalFactory(verified=True)

    assert doctor.professional_profile.verified and doctor.professional_profile.verified_at is not None
    assert not bob.professional_profile.verified and bob.professional_profile.verified_at is None


def test_a_break_glass_grant_reads_the_whole_file_as_emergency_access(alice):
    doctor = ProfessionalFactory(verified=True)
    grant = GrantFactory(patient=alice, professional=doctor, break_glass=True)
    grant.full_clean()

    access = decide(doctor, Action.VIEW, alice)
    assert access.path == AccessPath.EMERGENCY and access.whole_file
    assert not decide(doctor, Action.CREATE, alice)
    assert grant.created_by == doctor and grant.is_active


def test_a_share_link_opens_with_its_token(alice):
    record = HealthRecordFactory(patient=alice, title="Bilan sanguin")
    link = ShareLinkFactory(patient=alice, records=[record])
    link.full_clean()
    client = Client()

    client.get(reverse("sharing:link_open", args=[link.token]))
    response = client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "radiologue"})

    assert response.url == reverse("sharing:link_records")
    assert "Bilan sanguin" in client.get(response.url).content.decode()
    assert link.token not in link.token_hash


def test_a_share_link_with_a_passcode_asks_it(alice):
    link = ShareLinkFactory(patient=alice, passcode="123456")
    client = Client()
    client.get(reverse("sharing:link_open", args=[link.token]))

    assert client.post(reverse("sharing:link_start"), {"passcode": "123456"}).url == reverse("sharing:link_start")
    assert link.records.get().patient == alice


@pytest.mark.parametrize("trait", ["expired", "revoked"])
def test_an_expired_or_revoked_share_link_does_not_open(alice, trait):
    link = ShareLinkFactory(patient=alice, **{trait: True})
    link.full_clean()

    assert not ShareLink.objects.usable().exists()
    assert Client().get(reverse("sharing:link_open", args=[link.token])).status_code == 404


def test_comments_for_everyone_and_for_professionals_show_to_whom_they_should(alice, bob, bob_sees_alice):
    record = HealthRecordFactory(patient=alice)
    shared = CommentFactory(record=record, text="Faut-il s’inquiéter")
    secret = CommentFactory(record=record, author=bob, for_professionals=True, text="Entre nous")
    link = ShareLinkFactory(patient=alice, records=[record], allow_comments=True)
    by_link = CommentFactory(record=record, author=None, share_link=link)
    for comment in (shared, secret, by_link):
        comment.full_clean()

    assert shared.author == alice and shared.patient == alice and secret.author_label == bob.full_name
    alice_sees, bob_sees = (thread_of(user, record) for user in (alice, bob))
    assert shared.text in alice_sees and by_link.text in alice_sees and secret.text not in alice_sees
    assert shared.text in bob_sees and by_link.text in bob_sees and secret.text in bob_sees


def thread_of(user, record) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("comments:thread", args=[record.public_id])).content.decode()
