import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access.models import Grant
from access.policy import Action, decide
from audit.models import AccessEvent
from notifications.models import Notification
from sharing import services as sharing
from sharing.models import AccessRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    return sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])


def request_url(profile):
    return reverse("sharing:emergency_request", args=[sharing.emergency_token_of(profile)])


VISITOR = {
    "name": "Nora Martin",
    "role": "other",
    "organisation": "",
    "reason": "Je suis sa fille, elle est hospitalisée.",
    "contact_email": "nora@example.org",
    "contact_phone": "",
}


def test_a_visitor_asks_for_access_and_the_patient_is_told(client, alice, profile, alice_records):
    response = client.post(request_url(profile), VISITOR)

    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    assert access_request.expires_at - access_request.created_at == pytest.approx(
        datetime.timedelta(hours=72), abs=datetime.timedelta(seconds=5)
    )
    assert Notification.objects.filter(recipient=alice, event="access_request_received").exists()


def test_a_professional_must_give_an_rpps_and_anyone_a_way_to_answer(client, profile):
    no_rpps = client.post(request_url(profile), {**VISITOR, "role": "professional"})
    no_contact = client.post(request_url(profile), {**VISITOR, "contact_email": ""})

    assert "rpps" in no_rpps.context["form"].errors
    assert no_contact.context["form"].non_field_errors()
    assert not AccessRequest.objects.exists()


def test_approving_a_visitor_sends_them_a_link_to_the_chosen_scope(
    client, alice, profile, alice_records, django_capture_on_commit_callbacks
):
    client.post(request_url(profile), VISITOR)
    access_request = AccessRequest.objects.get()
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sharing:request", args=[access_request.public_id]),
            {"decision": "approve", "scope": "kinds", "kinds": ["imaging"], "permission": "read", "duration": "4h"},
        )

    access_request.refresh_from_db()
    link = access_request.share_link
    assert access_request.status == "approved"
    assert [record.title for record in link.records.all()] == ["IRM genou"]
    assert link.expires_at - link.created_at == datetime.timedelta(hours=4)
    assert mail.outbox[-1].to == ["nora@example.org"]
    assert sharing.access_request_link_url(access_request) in mail.outbox[-1].body
    assert response.url == reverse("sharing:request", args=[access_request.public_id])


def test_approving_a_member_professional_gives_a_grant_until_the_end_of_the_duration(
    client, alice, bob, profile, alice_records
):
    bob_client = client.__class__()
    bob_client.force_login(bob)
    bob_client.post(request_url(profile), {**VISITOR, "name": "Dr Bob", "role": "professional", "rpps": "10003456786"})
    access_request = AccessRequest.objects.get()
    assert not decide(bob, Action.VIEW, alice)  # nothing before approval
    client.force_login(alice)

    client.post(
        reverse("sharing:request", args=[access_request.public_id]),
        {"decision": "approve", "scope": "all", "permission": "comment", "duration": "24h"},
    )

    grant = Grant.objects.active().get(professional=bob)
    assert grant.origin == "access_request"
    assert grant.ends_at - grant.starts_at == pytest.approx(
        datetime.timedelta(hours=24), abs=datetime.timedelta(seconds=5)
    )
    assert decide(bob, Action.COMMENT, alice)
    assert Notification.objects.filter(recipient=bob, event="access_request_answered").exists()


def test_refusing_gives_nothing(client, alice, profile):
    client.post(request_url(profile), VISITOR)
    access_request = AccessRequest.objects.get()
    client.force_login(alice)

    client.post(reverse("sharing:request", args=[access_request.public_id]), {"decision": "refuse"})

    access_request.refresh_from_db()
    assert access_request.status == "refused"
    assert access_request.share_link is None and access_request.grant is None


def test_a_request_expires_after_72_hours(client, alice, profile, alice_records):
    client.post(request_url(profile), VISITOR)
    access_request = AccessRequest.objects.get()
    AccessRequest.objects.filter(pk=access_request.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    access_request.refresh_from_db()

    with pytest.raises(ValidationError) as refusal:
        sharing.access_request_approve(
            actor=alice,
            access_request=access_request,
            scope="all",
            permission="read",
            duration=datetime.timedelta(hours=1),
        )
    assert refusal.value.code == "expired"


def test_the_duration_is_between_one_hour_and_thirty_days(client, alice, profile, alice_records):
    client.post(request_url(profile), VISITOR)
    access_request = AccessRequest.objects.get()

    for duration in (datetime.timedelta(minutes=30), datetime.timedelta(days=31)):
        with pytest.raises(ValidationError):
            sharing.access_request_approve(
                actor=alice, access_request=access_request, scope="all", permission="read", duration=duration
            )


# --- Break-glass ----------------------------------------------------------------------------------


@pytest.fixture
def verified_bob(bob, staff):
    from accounts.services import professionals_verify

    professionals_verify(actor=staff, profiles=[bob.professional_profile])
    bob.professional_profile.refresh_from_db()
    return bob


def break_glass(client, profile, reason="Patiente inconsciente aux urgences, allergies ?"):
    return client.post(reverse("sharing:break_glass", args=[sharing.emergency_token_of(profile)]), {"reason": reason})


def test_break_glass_is_off_by_default(client, alice, verified_bob, profile):
    client.force_login(verified_bob)

    assert break_glass(client, profile).status_code == 404
    assert not decide(verified_bob, Action.VIEW, alice)


def test_break_glass_opens_the_file_for_24_hours_and_alerts_the_patient(
    client, alice, verified_bob, profile, alice_records
):
    profile.break_glass_enabled = True
    profile.save()
    client.force_login(verified_bob)

    response = break_glass(client, profile)

    assert response.url == reverse("health_records:timeline", args=[alice.public_id])
    grant = Grant.objects.active().get(professional=verified_bob)
    assert (grant.origin, grant.permission, grant.scope) == ("break_glass", "read", "all")
    assert grant.ends_at - grant.starts_at == pytest.approx(
        datetime.timedelta(hours=24), abs=datetime.timedelta(seconds=5)
    )
    assert Notification.objects.filter(recipient=alice, event="break_glass").exists()
    client.get(response.url)
    paths = set(AccessEvent.objects.filter(actor=verified_bob).values_list("access_path", flat=True))
    assert paths == {"emergency"}  # it stands out in the access log
    assert AccessEvent.objects.filter(actor=verified_bob, action="break_glass").exists()


def test_break_glass_needs_a_reason(client, verified_bob, profile):
    profile.break_glass_enabled = True
    profile.save()
    client.force_login(verified_bob)

    break_glass(client, profile, reason="urgent")

    assert not Grant.objects.exists()


def test_break_glass_is_for_verified_professionals_only(client, bob, profile):
    profile.break_glass_enabled = True
    profile.save()
    client.force_login(bob)

    assert break_glass(client, profile).status_code == 404
    assert not Grant.objects.exists()


# --- Floods -----------------------------------------------------------------------------------------


def test_a_flood_of_requests_from_one_address_reaches_the_patient_only_up_to_the_limit(client, alice, profile):
    answers = [client.post(request_url(profile), VISITOR).status_code for _request in range(10)]

    assert answers == [302] * 5 + [429] * 5
    assert AccessRequest.objects.count() == 5
    assert Notification.objects.filter(recipient=alice, event="access_request_received").count() == 5


def test_a_flood_of_requests_from_many_addresses_reaches_the_patient_only_up_to_the_limit(client, alice, profile):
    answers = [
        client.post(request_url(profile), VISITOR, REMOTE_ADDR=f"198.51.100.{number}").status_code
        for number in range(15)
    ]

    assert answers == [302] * 10 + [429] * 5
    assert Notification.objects.filter(recipient=alice, event="access_request_received").count() == 10


def test_the_reason_is_capped_at_500_characters(client, profile):
    response = client.post(request_url(profile), {**VISITOR, "reason": "x" * 501})

    assert "reason" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


def test_a_web_address_in_the_name_is_refused_by_the_form(client, profile):
    response = client.post(request_url(profile), {**VISITOR, "name": "Nora, see evil.example/pay"})

    assert "name" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


def test_the_patients_message_never_carries_a_link_the_visitor_wrote(alice, profile):
    """The form refuses a name with a web address; any other way in (a face search, a future API) is made
    harmless in the message itself."""
    fields = {**VISITOR, "name": "Nora https://evil.example/pay www.evil.fr"}
    sharing.access_request_create(profile=profile, requester=None, fields=fields)

    message = Notification.objects.get(recipient=alice, event="access_request_received").message

    assert "https://" not in message and "evil.example" not in message and "www.evil.fr" not in message
    assert "Nora" in message


def test_a_flood_refused_at_its_address_does_not_use_up_the_patients_limit(client, alice, profile):
    for _request in range(20):
        client.post(request_url(profile), VISITOR, REMOTE_ADDR="192.0.2.9")

    first_responder = client.post(request_url(profile), VISITOR, REMOTE_ADDR="198.51.100.7")

    assert AccessRequest.objects.count() == 6
    assert first_responder.status_code == 302
