"""notify_many: what `notify` does for each recipient, for a whole batch with a fixed number of queries, its
e-mails and pushes delivered afterwards in batches."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Channels, Delivery, Event, Notification
from notifications.services import DELIVERY_BATCH, Outgoing, notify_many, preferences_update, quiet_hours_update
from relyfe.models import OutboxMessage
from tests.factories import PatientFactory
from tests.notifications.conftest import subscribe

pytestmark = pytest.mark.django_db


def send(event, recipients, message="Dr Bob added a document to your file."):
    with transaction.atomic():
        return notify_many(event=event, outgoing=[Outgoing(recipient=each, message=message) for each in recipients])


def test_it_follows_each_recipients_preferences_like_notify(alice, dave):
    preferences_update(actor=dave, values={Event.RECORD_ADDED: Channels(in_app=True, email=False, push=False)})
    gone = PatientFactory(is_active=False)

    made = send(Event.RECORD_ADDED, [alice, dave, gone])

    by_recipient = {each.recipient: each for each in Notification.objects.all()}
    assert made == [by_recipient[alice].pk, by_recipient[dave].pk, None]
    assert set(by_recipient) == {alice, dave}  # nothing for a closed account
    assert by_recipient[alice].email_state == Delivery.PENDING
    assert by_recipient[dave].email_state == Delivery.NOT_ASKED


def test_a_recipient_with_in_app_off_gets_the_email_but_nothing_in_the_centre(alice):
    preferences_update(actor=alice, values={Event.RECORD_ADDED: Channels(in_app=False, email=True, push=False)})

    assert send(Event.RECORD_ADDED, [alice]) == [None]

    notification = Notification.objects.get()
    assert (notification.in_app, notification.email_state) == (False, Delivery.PENDING)


def test_quiet_hours_hold_back_the_email_except_for_a_reminder(alice):
    quiet_hours_update(actor=alice, start=time(22, 0), end=time(7, 0))
    preferences_update(actor=alice, values={Event.REMINDER: Channels(in_app=True, email=True, push=False)})

    with time_machine.travel(datetime(2026, 1, 15, 23, 30, tzinfo=UTC), tick=False):
        send(Event.RECORD_ADDED, [alice])
        send(Event.REMINDER, [alice], message="Time for your medications")

    states = dict(Notification.objects.values_list("event", "email_state"))
    assert states == {Event.RECORD_ADDED: Delivery.NOT_ASKED, Event.REMINDER: Delivery.PENDING}


def test_pushes_go_to_recipients_with_a_device_only(alice, dave, vapid, browser, push_service):
    subscribe(alice, browser, f"{push_service.url}/alice")

    send(Event.RECORD_ADDED, [alice, dave])

    states = dict(Notification.objects.values_list("recipient", "push_state"))
    assert states == {alice.pk: Delivery.PENDING, dave.pk: Delivery.NOT_ASKED}


def test_the_number_of_queries_does_not_grow_with_the_recipients():
    few, many = PatientFactory.create_batch(2), PatientFactory.create_batch(40)
    with CaptureQueriesContext(connection) as for_few:
        send(Event.RECORD_ADDED, few)
    with CaptureQueriesContext(connection) as for_many:
        send(Event.RECORD_ADDED, many)

    assert len(for_many) == len(for_few)


def test_emails_are_delivered_afterwards_in_batches_once_each(django_capture_on_commit_callbacks, tasks_run_at_once):
    recipients = PatientFactory.create_batch(DELIVERY_BATCH + 5)

    with django_capture_on_commit_callbacks(execute=True):
        send(Event.RECORD_ADDED, recipients)

    batches = OutboxMessage.objects.filter(task="notifications.tasks.notification_emails_send")
    assert sorted(len(batch.args) for batch in batches) == [5, DELIVERY_BATCH]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(each.email for each in recipients)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Delivery.SENT}

    from notifications.tasks import send_notification_emails

    send_notification_emails(*batches.first().args)  # delivered twice by the broker
    assert len(mail.outbox) == len(recipients)


def test_a_link_leaving_the_site_is_refused_and_nothing_is_written(alice, dave):
    with pytest.raises(ValidationError), transaction.atomic():
        notify_many(
            event=Event.RECORD_ADDED,
            outgoing=[Outgoing(recipient=alice, message="ok"), Outgoing(recipient=dave, message="x", url="//evil")],
        )

    assert not Notification.objects.exists()
