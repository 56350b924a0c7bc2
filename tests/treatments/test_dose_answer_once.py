"""A dose answered twice with the same answer (a double tap, or the phone re-sending an answer it kept
offline after its first send lost the reply) is one answer: one dose, one entry in the access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from tests.factories import MedicationFactory, TreatmentFactory
from treatments.models import Intake

pytestmark = pytest.mark.django_db


def _answer(client, medication, answer, **headers):
    return client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": timezone.localdate().isoformat(),
            "moment": "morning",
            "answer": answer,
        },
        headers=headers,
    )


def _dose_entries(intake):
    return AccessEvent.objects.filter(object_id=intake.public_id).count()


@pytest.fixture
def medication(alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    return MedicationFactory(treatment=treatment, name="AMOXICILLINE", morning=True)


def test_the_same_answer_sent_twice_is_saved_once(client, alice, medication):
    client.force_login(alice)

    _answer(client, medication, "taken")
    intake = Intake.objects.get()
    first_answered_at = intake.answered_at
    _answer(client, medication, "taken")

    intake.refresh_from_db()
    assert Intake.objects.count() == 1
    assert intake.status == "taken" and intake.answered_at == first_answered_at
    assert _dose_entries(intake) == 1


def test_a_different_answer_is_a_new_answer(client, alice, medication):
    client.force_login(alice)

    _answer(client, medication, "taken")
    _answer(client, medication, "skipped")

    intake = Intake.objects.get()
    assert intake.status == "skipped"
    assert _dose_entries(intake) == 2


def test_snoozing_again_once_the_snooze_ran_out_is_a_new_answer(client, alice, medication):
    client.force_login(alice)
    _answer(client, medication, "snoozed")
    intake = Intake.objects.get()
    Intake.objects.filter(pk=intake.pk).update(snoozed_until=timezone.now() - datetime.timedelta(minutes=1))

    _answer(client, medication, "snoozed")
    _answer(client, medication, "snoozed")

    intake.refresh_from_db()
    assert intake.snoozed_until > timezone.now()
    assert _dose_entries(intake) == 2


def test_the_page_sending_a_kept_answer_is_told_it_was_saved(client, alice, medication):
    client.force_login(alice)

    response = _answer(client, medication, "taken", Accept="application/json")

    assert response.status_code == 200
    assert response.json() == {"status": "taken"}


def test_a_kept_answer_sent_for_someone_else_is_not_saved(client, dave, medication):
    client.force_login(dave)

    response = _answer(client, medication, "taken", Accept="application/json")

    assert response.status_code == 404
    assert not Intake.objects.exists()
