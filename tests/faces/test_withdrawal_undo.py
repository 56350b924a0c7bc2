"""Withdrawing face identification: a confirmation, an undo for a few seconds, the erasure after it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from faces import services
from faces.engine.base import Candidate
from faces.models import FaceConsent, FaceTemplate
from faces.tasks import erase_face_templates, erase_overdue_face_templates
from relyfe.models import OutboxMessage
from relyfe.undo import UNDO_WINDOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_backend(settings):
    settings.FACES_BACKEND = "local"


@pytest.fixture
def enrolled_alice(alice):
    consent = FaceConsent.objects.create(patient=alice, method="self", recorded_by=alice)
    FaceTemplate.objects.create(
        patient=alice, consent=consent, backend="local", face_id="f1", embedding=bytes(512), enrolled_by=alice
    )
    return consent


def withdraw(client):
    return client.post(reverse("faces:withdraw"), follow=True).content.decode()


def later():
    """The undo window has passed."""
    FaceConsent.objects.update(withdrawn_at=timezone.now() - UNDO_WINDOW - datetime.timedelta(seconds=10))


def found_by_face(doctor, patient) -> bool:
    candidate = Candidate(external_id=str(patient.public_id), face_id="f1", similarity=99.0)
    search = services._search_save(actor=doctor, candidates=[candidate], threshold=90.0, request=None)
    return search.candidates.exists()


def test_withdrawing_asks_first_with_the_button_apart(client, alice, enrolled_alice):
    client.force_login(alice)

    mine = client.get(reverse("faces:mine")).content.decode()
    confirm = client.get(reverse("faces:withdraw")).content.decode()

    assert f'<a class="button button--danger" href="{reverse("faces:withdraw")}">' in mine
    assert f'method="post" action="{reverse("faces:withdraw")}"' not in mine
    assert f'method="post" action="{reverse("faces:withdraw")}"' in confirm
    assert FaceConsent.objects.active().exists()


def test_after_withdrawal_the_face_is_not_used_but_kept_until_the_window_ends(client, alice, bob, enrolled_alice):
    client.force_login(alice)

    page = withdraw(client)

    assert "data-undo " in page
    assert not found_by_face(bob, alice)
    assert FaceTemplate.objects.count() == 1  # not yet erased: the undo is still possible
    assert services.face_templates_erase(consent_id=enrolled_alice.pk) is False  # too early: the task waits
    assert FaceTemplate.objects.count() == 1


def test_an_erasure_run_too_early_is_queued_again_for_the_end_of_the_window_under_the_consents_key(
    client, alice, enrolled_alice
):
    client.force_login(alice)
    withdraw(client)
    OutboxMessage.objects.update(state=OutboxMessage.State.SENT)  # the withdrawal's task, taken by the broker

    erase_face_templates(enrolled_alice.pk)  # delivered early (a clock ahead, a message sent twice)

    enrolled_alice.refresh_from_db()
    [message] = OutboxMessage.objects.filter(task="faces.tasks.face_templates_erase")
    assert message.state == OutboxMessage.State.PENDING
    assert message.args == [enrolled_alice.pk]
    assert message.eta == enrolled_alice.withdrawn_at + services.ERASE_DELAY
    assert FaceTemplate.objects.count() == 1


def test_undo_within_the_window_turns_identification_back_on(client, alice, bob, enrolled_alice):
    client.force_login(alice)
    page = withdraw(client)

    client.post(re.search(r'data-undo .*?<form method="post" action="([^"]+)"', page, re.S).group(1))

    assert FaceConsent.objects.active().get() == enrolled_alice
    assert found_by_face(bob, alice)
    services.face_templates_erase(consent_id=enrolled_alice.pk)  # the queued task, when it runs
    assert FaceTemplate.objects.count() == 1
    actions = AccessEvent.objects.filter(object_id=enrolled_alice.public_id).values_list("action", flat=True)
    assert list(actions.order_by("at")) == ["revoke", "restore"]


def test_after_the_window_the_undo_is_refused_and_the_templates_are_erased(client, alice, enrolled_alice):
    client.force_login(alice)
    withdraw(client)
    later()

    page = client.post(reverse("faces:withdraw_undo"), follow=True).content.decode()
    erase_face_templates(enrolled_alice.pk)  # the task queued at withdrawal, run by a worker

    assert "trop tard pour annuler" in page
    assert not FaceConsent.objects.active().exists()
    assert not FaceTemplate.objects.exists()
    assert AccessEvent.objects.filter(patient=alice, object_type="face_template", action="revoke").count() == 1


def test_the_erasure_is_queued_for_after_the_window(client, alice, enrolled_alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.face_consent_withdraw(actor=alice, patient=alice)

    assert len(callbacks) == 1
    assert FaceTemplate.objects.count() == 1


def test_the_sweeper_erases_what_a_lost_task_left(alice, enrolled_alice):
    services.face_consent_withdraw(actor=alice, patient=alice)
    FaceConsent.objects.update(withdrawn_at=timezone.now() - datetime.timedelta(hours=1))

    erase_overdue_face_templates()

    assert not FaceTemplate.objects.exists()
