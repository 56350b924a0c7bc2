"""Caregivers' services: asking a member, inviting by e-mail or text message, accepting, changing the rights,
ending; what the policy then lets the caregiver do, and what the patient's access log and notifications say."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access import policy
from access.models import AccessPath, Caregiver
from access.policy import Action
from audit.models import AccessEvent, ObjectType
from notifications.models import Event, Notification
from sharing import services
from sharing.services import Rights
from tests.factories import PatientFactory, ProfessionalFactory, StaffFactory, TreatmentFactory
from tests.sms import PHONE

pytestmark = pytest.mark.django_db

SEES_TREATMENTS = Rights(view_treatments=True)
ANSWERS_DOSES = Rights(view_treatments=True, answer_doses=True, missed_dose_alerts=True, missed_dose_delay_minutes=30)


@pytest.fixture
def carol(db):
    return PatientFactory(email="carol@example.org", first_name="Carol", phone="+33698765432")


def ask(alice, identifier, rights=SEES_TREATMENTS, actor=None):
    return services.caregiver_add(actor=actor or alice, patient=alice, identifier=identifier, rights=rights)


def invitation_token(text: str) -> str:
    return re.search(r"/caregivers/invitation/([^/\s]+)/", text).group(1)


def test_a_member_found_by_exact_email_is_asked_and_acts_only_once_they_accept(alice, carol):
    treatment = TreatmentFactory(patient=alice)

    caregiver, token = ask(alice, "  Carol@Example.org ")

    assert token is None and caregiver.caregiver == carol and caregiver.accepted_at is None
    assert not policy.decide(carol, Action.VIEW, alice, treatment=treatment)
    asked = Notification.objects.get(recipient=carol, event=Event.CAREGIVER)
    assert asked.url == f"/caregivers/helping/{caregiver.public_id}/"

    services.caregiver_accept(actor=carol, caregiver=caregiver)

    assert policy.decide(carol, Action.VIEW, alice, treatment=treatment).path == AccessPath.CAREGIVER
    assert Notification.objects.filter(recipient=alice, event=Event.CAREGIVER, actor=carol).exists()


def test_a_member_is_found_by_phone_and_a_professional_can_be_a_caregiver(alice, carol):
    nurse = ProfessionalFactory(phone="+33611223344")

    by_phone, _ = ask(alice, "06 98 76 54 32")
    professional, _ = ask(alice, "+33 6 11 22 33 44")

    assert (by_phone.caregiver, professional.caregiver) == (carol, nurse)


def test_only_an_exact_address_finds_a_member(alice, carol):
    caregiver, token = ask(alice, "carol@example.com")

    assert caregiver.caregiver is None and caregiver.invited_email == "carol@example.com" and token


def test_an_invitation_by_email_is_accepted_after_signing_up(alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        caregiver, token = ask(alice, "paul@example.org", ANSWERS_DOSES)

    (message,) = mailoutbox
    assert message.to == ["paul@example.org"] and alice.full_name in message.subject
    assert invitation_token(message.body) == token
    assert caregiver.invitation_token_hash != token and len(caregiver.invitation_token_hash) == 64
    assert caregiver.invitation_expires_at - timezone.now() > datetime.timedelta(days=13, hours=23)
    paul = PatientFactory(email="paul@example.org")

    accepted = services.caregiver_invitation_accept(actor=paul, token=token)

    assert accepted.caregiver == paul and accepted.accepted_at is not None and accepted.invitation_token_hash == ""
    assert policy.decide(paul, Action.ANSWER_DOSE, alice)
    assert services.caregiver_invitation_of(token) is None


def test_an_invitation_by_phone_is_texted(alice, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        caregiver, token = ask(alice, PHONE)

    (message,) = sms_outbox
    assert message.to == PHONE and invitation_token(message.body) == token
    assert caregiver.invited_phone == PHONE


def test_a_declined_invitation_tells_the_patient_and_opens_nothing(alice):
    caregiver, token = ask(alice, "paul@example.org")

    services.caregiver_invitation_decline(token=token)

    caregiver.refresh_from_db()
    assert caregiver.revoked_at is not None
    assert Notification.objects.filter(recipient=alice, event=Event.CAREGIVER).exists()
    with pytest.raises(ValidationError):
        services.caregiver_invitation_accept(actor=PatientFactory(), token=token)


def test_an_expired_invitation_is_not_accepted_and_a_new_one_replaces_it(alice):
    caregiver, token = ask(alice, "paul@example.org")
    Caregiver.objects.filter(pk=caregiver.pk).update(invitation_expires_at=timezone.now())

    with pytest.raises(ValidationError):
        services.caregiver_invitation_accept(actor=PatientFactory(), token=token)
    again, new_token = ask(alice, "paul@example.org")

    caregiver.refresh_from_db()
    assert caregiver.revoked_at is not None and again.revoked_at is None and new_token != token


@pytest.mark.parametrize(
    ("identifier", "code"),
    [("alice@example.org", "oneself"), ("not an address", "bad_identifier"), ("carol@example.org", "already")],
)
def test_the_patient_is_told_what_is_wrong(alice, carol, identifier, code):
    ask(alice, "carol@example.org")

    with pytest.raises(ValidationError) as error:
        ask(alice, identifier)

    assert error.value.code == code


def test_no_right_at_all_or_a_delay_out_of_range_is_refused(alice, carol):
    for rights in (Rights(view_treatments=False), Rights(missed_dose_alerts=True, missed_dose_delay_minutes=5)):
        with pytest.raises(ValidationError):
            ask(alice, "carol@example.org", rights)
    assert not Caregiver.objects.exists()


def test_a_patient_has_at_most_twenty_caregivers(alice):
    for number in range(services.caregivers.MAX_CAREGIVERS):
        ask(alice, f"friend{number}@example.org")

    with pytest.raises(ValidationError):
        ask(alice, "one-more@example.org")


@pytest.mark.parametrize("who", ["a professional with a grant", "a caregiver managing the file", "another patient"])
def test_only_the_patient_chooses_caregivers(alice, bob_sees_alice, bob, carol, who):
    actor = {"a professional with a grant": bob, "another patient": PatientFactory()}.get(who)
    if actor is None:
        caregiver, _ = ask(alice, "carol@example.org", Rights(manage_file=True))
        services.caregiver_accept(actor=carol, caregiver=caregiver)
        actor = carol

    with pytest.raises(PermissionDenied):
        ask(alice, "paul@example.org", actor=actor)


def test_a_guardian_chooses_the_caregivers_of_their_dependant(alice, carol):
    Caregiver.objects.create(
        patient=alice, caregiver=carol, guardian=True, accepted_at=timezone.now(), created_by=alice
    )

    caregiver, _ = ask(alice, "paul@example.org", actor=carol)

    assert AccessEvent.objects.get(object_id=caregiver.public_id).access_path == AccessPath.GUARDIAN


def test_changing_the_rights_replaces_the_row_keeping_the_acceptance_and_the_history(alice, carol):
    caregiver, _ = ask(alice, "carol@example.org")
    services.caregiver_accept(actor=carol, caregiver=caregiver)

    changed = services.caregiver_rights_change(actor=alice, caregiver=caregiver, rights=ANSWERS_DOSES)

    caregiver.refresh_from_db()
    assert caregiver.revoked_at is not None and not caregiver.answer_doses
    assert changed.pk != caregiver.pk and changed.answer_doses and changed.accepted_at == caregiver.accepted_at
    assert changed.missed_dose_delay_minutes == 30
    assert policy.decide(carol, Action.ANSWER_DOSE, alice)
    events = AccessEvent.objects.filter(patient=alice, object_type=ObjectType.CAREGIVER).order_by("id")
    assert list(events.values_list("action", flat=True)) == ["share", "create", "update"]
    assert Notification.objects.filter(recipient=carol, event=Event.CAREGIVER).count() == 2


def test_the_same_rights_change_nothing(alice, carol):
    caregiver, _ = ask(alice, "carol@example.org")

    assert services.caregiver_rights_change(actor=alice, caregiver=caregiver, rights=SEES_TREATMENTS) == caregiver


def test_a_revoked_caregiver_is_told_and_reaches_nothing(alice, carol):
    caregiver, _ = ask(alice, "carol@example.org", ANSWERS_DOSES)
    services.caregiver_accept(actor=carol, caregiver=caregiver)

    services.caregiver_revoke(actor=alice, caregiver=caregiver)

    assert not policy.decide(carol, Action.VIEW, alice)
    assert Notification.objects.filter(recipient=carol).count() == 2
    assert AccessEvent.objects.filter(object_id=caregiver.public_id, action="revoke", actor=alice).exists()


def test_the_caregiver_stops_helping_and_the_patient_sees_it_done_by_them(alice, carol):
    caregiver, _ = ask(alice, "carol@example.org")
    services.caregiver_accept(actor=carol, caregiver=caregiver)

    services.caregiver_stop(actor=carol, caregiver=caregiver)

    assert not policy.decide(carol, Action.VIEW, alice)
    event = AccessEvent.objects.get(object_id=caregiver.public_id, action="revoke")
    assert (event.actor, event.access_path) == (carol, AccessPath.CAREGIVER)
    assert "carol" in Notification.objects.filter(recipient=alice).latest("id").message.lower()


def test_nobody_else_answers_for_the_caregiver(alice, carol):
    caregiver, _ = ask(alice, "carol@example.org")

    for someone in (alice, PatientFactory(), StaffFactory()):
        with pytest.raises(PermissionDenied):
            services.caregiver_accept(actor=someone, caregiver=caregiver)


def test_staff_cannot_accept_an_invitation(alice):
    _caregiver, token = ask(alice, "paul@example.org")

    with pytest.raises(ValidationError):
        services.caregiver_invitation_accept(actor=StaffFactory(), token=token)
