"""The visitor's access request: a form that asks only what it needs, and a status page to come back to."""

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from sharing import services as sharing
from sharing.models import AccessRequest

pytestmark = pytest.mark.django_db

VISITOR = {
    "name": "Nora Martin",
    "role": "other",
    "reason": "Je suis sa fille, elle est hospitalisée.",
    "contact_email": "nora@example.org",
}


@pytest.fixture
def profile(alice, alice_records):
    profile = sharing.emergency_profile_ensure(patient=alice)
    return sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])


def request_url(profile):
    return reverse("sharing:emergency_request", args=[sharing.emergency_token_of(profile)])


def send(client, profile, **fields):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(request_url(profile), {**VISITOR, **fields}, follow=True)


def answer(client, patient, access_request, decision="approve"):
    client.force_login(patient)
    fields = {"decision": decision, "scope": "all", "permission": "read", "duration": "24h"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("sharing:request", args=[access_request.public_id]), fields)
    client.logout()
    return response


def test_the_role_is_a_choice_nobody_made_for_the_visitor(client, profile):
    page = client.get(request_url(profile)).content.decode()

    assert "---------" not in page
    roles = re.findall(r'<input type="radio" name="role"[^>]*>', page)
    assert len(roles) == 2 and not any("checked" in role for role in roles)
    assert all("required" in role for role in roles)


def test_a_request_without_a_role_is_refused_with_an_error_on_the_role(client, profile):
    response = client.post(request_url(profile), {**VISITOR, "role": ""})

    assert "role" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


def test_fields_marked_optional_can_be_left_empty(client, profile):
    page = client.get(request_url(profile)).content.decode()
    response = send(client, profile)  # no organisation, no phone, no RPPS

    assert re.search(r'id_organisation">[^<]*<span class="optional">', page)
    assert not re.search(r'id_rpps">[^<]*<span class="optional">', page)  # required for professionals
    assert not re.search(r'id_contact_phone">[^<]*<span class="optional">', page)  # one contact is required
    assert re.search(r'<input type="text" name="name"[^>]*required', page)
    assert response.status_code == 200
    assert AccessRequest.objects.count() == 1


def test_after_sending_the_visitor_sees_the_request_waiting_on_a_page_of_its_own(client, profile):
    response = send(client, profile)

    status_path = response.redirect_chain[-1][0]
    assert status_path.startswith("/r/")
    assert 'data-request-status="pending"' in response.content.decode()
    access_request = AccessRequest.objects.get()
    assert str(access_request.public_id) not in status_path
    assert access_request.status_token_hash and access_request.status_token_hash not in status_path
    assert client.__class__().get(status_path).status_code == 200  # another browser, later


def test_the_status_address_is_sent_to_the_visitor_without_what_they_wrote(client, profile):
    response = send(client, profile, contact_email="nora@example.org")

    status_url = sharing.access_request_status_url(AccessRequest.objects.get())
    assert response.redirect_chain[-1][0] in status_url
    message = mail.outbox[-1]
    assert message.to == ["nora@example.org"]
    assert status_url in message.body
    assert "Nora" not in message.body and "hospitalisée" not in message.body


@pytest.mark.parametrize("name", ["Visit https://evil.example", "www.evil.example", "Nora evil.fr/win"])
def test_a_name_cannot_carry_a_web_address_to_the_patient(client, profile, name):
    response = client.post(request_url(profile), {**VISITOR, "name": name})

    assert "name" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


def test_an_unknown_status_token_shows_nothing(client, profile):
    send(client, profile)

    assert client.get(reverse("sharing:request_status", args=["x" * 43])).status_code == 404


def test_once_approved_the_status_page_gives_the_link_that_opens_the_documents(client, alice, profile):
    status_path = send(client, profile).redirect_chain[-1][0]
    access_request = AccessRequest.objects.get()
    answer(client, alice, access_request)

    page = client.get(status_path).content.decode()

    assert 'data-request-status="approved"' in page
    link_url = sharing.access_request_link_url(AccessRequest.objects.get())
    assert link_url and link_url in page
    opened = client.get(link_url.removeprefix("http://127.0.0.1:8000"))
    assert opened.url == reverse("sharing:link_start")


def test_once_refused_the_status_page_says_so(client, alice, profile):
    status_path = send(client, profile).redirect_chain[-1][0]
    answer(client, alice, AccessRequest.objects.get(), decision="refuse")

    page = client.get(status_path).content.decode()

    assert 'data-request-status="refused"' in page
    assert "/s/" not in page
    assert "n’a pas été acceptée" in mail.outbox[-1].body  # in the language the visitor used


def test_the_patient_sees_the_link_again_on_their_requests(client, alice, profile):
    send(client, profile)
    answer(client, alice, AccessRequest.objects.get())
    link_url = sharing.access_request_link_url(AccessRequest.objects.get())
    client.force_login(alice)

    requests_page = client.get(reverse("sharing:requests")).content.decode()
    request_page = client.get(reverse("sharing:request", args=[AccessRequest.objects.get().public_id]))

    assert link_url in requests_page
    assert link_url in request_page.content.decode()


def test_a_stopped_link_is_no_longer_shown(client, alice, profile):
    status_path = send(client, profile).redirect_chain[-1][0]
    answer(client, alice, AccessRequest.objects.get())
    access_request = AccessRequest.objects.get()
    sharing.share_link_revoke(actor=alice, link=access_request.share_link)

    page = client.get(status_path).content.decode()

    assert sharing.access_request_link_url(access_request) == ""
    assert "/s/" not in page


def test_one_address_cannot_send_requests_without_end(client, profile):
    for _attempt in range(5):
        send(client, profile)

    assert client.post(request_url(profile), VISITOR).status_code == 429
    assert AccessRequest.objects.count() == 5


def test_a_phone_number_given_receives_the_link_by_sms(client, alice, profile, sms_outbox):
    send(client, profile, contact_email="", contact_phone="06 12 34 56 78")
    assert sms_outbox == []  # nothing is texted before the patient answers: the form cannot send SMS at will

    answer(client, alice, AccessRequest.objects.get())

    link_url = sharing.access_request_link_url(AccessRequest.objects.get())
    assert [(message.to, link_url in message.body) for message in sms_outbox] == [("+33612345678", True)]


def test_a_refusal_reaches_the_phone_too(client, alice, profile, sms_outbox):
    send(client, profile, contact_email="", contact_phone="06 12 34 56 78")

    answer(client, alice, AccessRequest.objects.get(), decision="refuse")

    assert [message.to for message in sms_outbox] == ["+33612345678"]
    assert "/s/" not in sms_outbox[0].body
