"""A mail server that refuses after the commit does not turn what was made into an error page."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from sharing import services as sharing
from sharing.models import AccessRequest, ShareLink


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"


@pytest.mark.django_db(transaction=True)
def test_a_share_link_is_made_and_shown_when_its_e_mail_cannot_be_sent(client, alice, alice_records, mail_server_down):
    client.force_login(alice)

    response = client.post(
        reverse("sharing:links"),
        {
            "records": [alice_records["lab"].pk],
            "days": 7,
            "label": "Dr Durand",
            "recipient_email": "durand@example.org",
        },
    )

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert response.context["url"] in response.content.decode() and link.recipient_email == "durand@example.org"


@pytest.mark.django_db(transaction=True)
def test_an_access_request_is_recorded_when_its_status_e_mail_cannot_be_sent(client, alice, mail_server_down):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    visitor = {
        "name": "Nora Martin",
        "role": "other",
        "reason": "Elle est hospitalisée.",
        "contact_email": "nora@example.org",
    }

    response = client.post(
        reverse("sharing:emergency_request", args=[sharing.emergency_token_of(profile)]), visitor, follow=True
    )

    assert response.status_code == 200
    access_request = AccessRequest.objects.get(patient=alice)
    assert response.redirect_chain[-1][0] in sharing.access_request_status_url(access_request)
