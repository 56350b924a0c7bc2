"""Withdrawing an access or stopping a link: a confirmation first, then an undo for a few seconds."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access.models import Grant
from access.policy import Action, decide
from audit.models import AccessEvent
from relyfe.undo import UNDO_WINDOW
from sharing import services as sharing
from sharing.models import ShareLink

pytestmark = pytest.mark.django_db


def undo_action(page: str) -> str:
    return re.search(r'data-undo .*?<form method="post" action="([^"]+)"', page, re.S).group(1)


def test_the_care_team_asks_before_withdrawing_and_keeps_the_button_apart_from_change(client, alice, bob, grant_to_bob):
    grant = grant_to_bob()
    client.force_login(alice)

    care_team = client.get(reverse("sharing:care_team")).content.decode()
    confirm = client.get(reverse("sharing:grant_revoke", args=[grant.public_id]))

    revoke_url = reverse("sharing:grant_revoke", args=[grant.public_id])
    danger_zone = re.search(r'<div class="danger-zone">\s*<a [^>]*href="([^"]+)"', care_team)
    assert danger_zone.group(1) == revoke_url
    assert f'method="post" action="{revoke_url}"' not in care_team  # no one-tap withdrawal
    assert confirm.status_code == 200 and f'method="post" action="{revoke_url}"' in confirm.content.decode()
    assert Grant.objects.active().filter(pk=grant.pk).exists()  # asking changes nothing


def test_undo_within_the_window_gives_the_access_back_and_both_are_logged(client, alice, bob, grant_to_bob):
    grant = grant_to_bob()
    client.force_login(alice)

    page = client.post(reverse("sharing:grant_revoke", args=[grant.public_id]), follow=True).content.decode()
    assert not decide(bob, Action.VIEW, alice)
    client.post(undo_action(page))

    assert decide(bob, Action.VIEW, alice)
    assert Grant.objects.count() == 1 and Grant.objects.active().get() == grant
    actions = AccessEvent.objects.filter(object_id=grant.public_id).order_by("at").values_list("action", flat=True)
    assert list(actions)[-2:] == ["revoke", "restore"]


def test_undo_after_the_window_is_refused(client, alice, bob, grant_to_bob):
    grant = grant_to_bob()
    client.force_login(alice)
    client.post(reverse("sharing:grant_revoke", args=[grant.public_id]))
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now() - UNDO_WINDOW - datetime.timedelta(seconds=1))

    response = client.post(reverse("sharing:grant_restore", args=[grant.public_id]), follow=True)

    assert "trop tard pour annuler" in response.content.decode()
    assert not decide(bob, Action.VIEW, alice)


def test_only_who_withdrew_can_undo(alice, bob, grant_to_bob):
    grant = grant_to_bob()
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now(), revoked_by=bob)  # e.g. a replaced grant
    grant.refresh_from_db()

    with pytest.raises(ValidationError) as refusal:
        sharing.grant_restore(actor=alice, grant=grant)
    assert refusal.value.code == "undo_too_late"
    assert not decide(bob, Action.VIEW, alice)


def test_a_stopped_link_can_be_undone_for_a_few_seconds_only(client, alice, alice_records):
    link, _token, _passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]])
    client.force_login(alice)

    assert (
        f'href="{reverse("sharing:link_revoke", args=[link.public_id])}"'
        in client.get(reverse("sharing:links")).content.decode()
    )
    page = client.post(reverse("sharing:link_revoke", args=[link.public_id]), follow=True).content.decode()
    assert not ShareLink.objects.get().is_usable
    client.post(undo_action(page))
    assert ShareLink.objects.get().is_usable

    client.post(reverse("sharing:link_revoke", args=[link.public_id]))
    ShareLink.objects.update(revoked_at=timezone.now() - UNDO_WINDOW - datetime.timedelta(seconds=1))
    client.post(reverse("sharing:link_restore", args=[link.public_id]))
    assert not ShareLink.objects.get().is_usable
