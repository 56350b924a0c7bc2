"""An e-mail or a push that failed says so in the notification centre, and its recipient can try again."""

import pytest
from django.conf import settings
from django.urls import reverse

from notifications.models import Delivery, Event, Notification
from notifications.services import notify
from relyfe.models import OutboxMessage
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(alice):
    notification = notify(recipient=alice, event=Event.COMMENT, message="Dr M. wrote")
    Notification.objects.filter(pk=notification.pk).update(
        email_state=Delivery.FAILED, email_attempts=8, delivery_failed_reason="e-mail not delivered after 8 attempts"
    )
    OutboxMessage.objects.update(state=OutboxMessage.State.SENT)
    return notification


def centre(client, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("notifications:list")).content.decode()


def test_the_recipient_sees_that_the_e_mail_failed_with_a_way_to_try_again(client, alice, failed):
    client.force_login(alice)

    page = centre(client)

    assert "This notification could not be sent to you by e-mail." in page
    assert f'method="post" action="{reverse("notifications:delivery_retry", args=[failed.public_id])}"' in page


def test_in_french_too(client, alice, failed):
    client.force_login(alice)

    page = centre(client, "fr")

    assert "Cette notification n’a pas pu vous être envoyée par e-mail." in page
    assert "Réessayer" in page


def test_trying_again_sends_the_e_mail_again_from_the_start(client, alice, failed):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.post(reverse("notifications:delivery_retry", args=[failed.public_id]), follow=True).content.decode()

    assert "It will be sent again in a moment." in page
    assert "could not be sent to you by e-mail" not in page
    failed.refresh_from_db()
    assert (failed.email_state, failed.email_attempts, failed.delivery_failed_reason) == (Delivery.PENDING, 0, "")
    message = OutboxMessage.objects.get(key=f"notifications.tasks.notification_send_email:{failed.pk}")
    assert message.state == OutboxMessage.State.PENDING


def test_a_delivered_notification_offers_no_retry(client, alice):
    notification = notify(recipient=alice, event=Event.COMMENT, message="Dr M. wrote")
    client.force_login(alice)

    page = centre(client)

    assert reverse("notifications:delivery_retry", args=[notification.public_id]) not in page


def test_someone_else_gets_404_and_nothing_is_sent(client, failed):
    client.force_login(PatientFactory())

    response = client.post(reverse("notifications:delivery_retry", args=[failed.public_id]))

    assert response.status_code == 404
    failed.refresh_from_db()
    assert failed.email_state == Delivery.FAILED


def test_it_only_answers_post(client, alice, failed):
    client.force_login(alice)

    assert client.get(reverse("notifications:delivery_retry", args=[failed.public_id])).status_code == 405
