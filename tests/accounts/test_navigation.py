import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.context_processors import navigation_facts
from notifications.models import Event, Notification
from tests.factories import CaregiverFactory, PatientFactory

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def drawn(facts: dict) -> dict:
    """The facts as the template reads them: it calls each one."""
    return {name: value() for name, value in facts.items()}


def test_the_menu_asks_one_query_for_notifications_people_helped_and_files_kept(alice, dave, django_assert_num_queries):
    for read_at in (None, None, timezone.now()):
        Notification.objects.create(recipient=alice, event=Event.GRANT_GIVEN, message="Hi", read_at=read_at)
    Notification.objects.create(recipient=dave, event=Event.GRANT_GIVEN, message="Hi")
    Notification.objects.create(recipient=alice, event=Event.GRANT_GIVEN, message="By e-mail only", in_app=False)
    CaregiverFactory(patient=dave, caregiver=alice, accepted_at=timezone.now())
    child = PatientFactory(first_name="Léa")
    CaregiverFactory(patient=child, caregiver=alice, accepted_at=timezone.now(), guardian=True)

    with django_assert_num_queries(1):
        facts = drawn(navigation_facts(request_of(alice)))

    assert facts == {"unread_notifications": 2, "helps_someone": True, "guards_someone": True}


@pytest.mark.parametrize(
    ("row", "helps", "guards"),
    [
        ({"accepted_at": None}, False, False),  # not accepted yet
        ({"revoked_at": timezone.now()}, False, False),
        ({"guardian": True}, True, True),
        ({}, True, False),
    ],
)
def test_only_caregiver_rows_in_force_show_in_the_menu(alice, dave, row, helps, guards):
    CaregiverFactory(patient=dave, caregiver=alice, **({"accepted_at": timezone.now()} | row))

    facts = drawn(navigation_facts(request_of(alice)))

    assert (facts["helps_someone"], facts["guards_someone"]) == (helps, guards)


def test_a_patient_who_left_is_no_longer_someone_helped(alice, dave):
    CaregiverFactory(patient=dave, caregiver=alice, accepted_at=timezone.now())
    dave.is_active = False
    dave.save(update_fields=["is_active"])

    assert drawn(navigation_facts(request_of(alice)))["helps_someone"] is False


def test_it_adds_nothing_for_a_visitor(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert navigation_facts(request_of(AnonymousUser())) == {}


def test_only_a_verified_professional_is_offered_identify_in_the_menu(client, bob, charlie):
    bob.professional_profile.verified, bob.professional_profile.verified_at = True, timezone.now()
    bob.professional_profile.save(update_fields=["verified", "verified_at"])
    shown = {}
    for professional in (bob, charlie):
        client.force_login(professional)
        shown[professional.first_name] = reverse("faces:identify") in client.get(reverse("accounts:directory")).text

    assert shown == {bob.first_name: True, charlie.first_name: False}
    assert drawn(navigation_facts(request_of(bob)))["verified_professional"] is True
