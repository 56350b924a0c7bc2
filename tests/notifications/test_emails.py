import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from notifications.tasks import send_notification_email
from tests.factories import PatientFactory
from tests.notifications.conftest import make_notification

pytestmark = pytest.mark.django_db


def test_the_email_greets_the_user_and_links_to_the_site(alice, settings):
    settings.SITE_URL = "https://relyfe.example/"
    notification = make_notification(alice)

    send_notification_email(notification.pk)

    email = mail.outbox[0]
    assert email.subject == "ReLyfe — Dr Bob added a document to your file."
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Dr Bob added a document to your file." in email.body
    assert "https://relyfe.example/records/" in email.body
    assert "https://relyfe.example/notifications/preferences/" in email.body


def test_a_notification_without_link_points_to_the_centre(alice):
    notification = make_notification(alice, url="")

    send_notification_email(notification.pk)

    assert "/notifications/\n" in mail.outbox[0].body


def test_the_email_is_in_french_by_default(alice):
    notification = make_notification(alice)

    send_notification_email(notification.pk)

    with translation.override("fr"):
        greeting = gettext("Hello %(name)s") % {"name": "Alice"}
    assert mail.outbox[0].body.startswith(greeting)
    assert "Hello Alice" not in mail.outbox[0].body


def test_the_email_is_in_the_recipients_language(db):
    patient = PatientFactory(email="erin@example.org", first_name="Erin", language="en")
    notification = make_notification(patient)

    send_notification_email(notification.pk)

    assert mail.outbox[0].body.startswith("Hello Erin,")
    assert "To choose which notifications you receive" in mail.outbox[0].body


def test_the_subject_is_one_short_line(alice):
    notification = make_notification(alice, message="Dr Bob\nadded " + "a document " * 20)

    send_notification_email(notification.pk)

    subject = mail.outbox[0].subject
    assert "\n" not in subject
    assert len(subject) <= len("ReLyfe — ") + 70


def test_the_task_run_twice_sends_one_email(alice):
    notification = make_notification(alice)

    send_notification_email(notification.pk)
    send_notification_email(notification.pk)

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_task_skips_a_notification_that_no_longer_exists(alice):
    notification = make_notification(alice)
    notification.delete()

    send_notification_email(notification.pk)

    assert mail.outbox == []


def test_the_task_skips_a_user_who_removed_their_address(db):
    patient = PatientFactory(email="erin@example.org", phone="+33612345678")
    notification = make_notification(patient)
    patient.email = None
    patient.save()

    send_notification_email(notification.pk)

    assert mail.outbox == []


def test_the_task_logs_ids_but_never_the_message(alice, caplog):
    notification = make_notification(alice, message="Dr Bob added a document to your file.")

    with caplog.at_level("DEBUG", logger="notifications"):
        send_notification_email(notification.pk)

    assert str(notification.pk) in caplog.text
    assert "Dr Bob" not in caplog.text
