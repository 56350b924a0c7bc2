import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from notifications.models import Channels, Event, Notification
from notifications.services import notify, notify_translated, preferences_update
from tests.factories import PatientFactory
from tests.notifications.conftest import subscribe

pytestmark = pytest.mark.django_db


def test_notify_creates_a_notification_and_sends_one_email(
    alice, bob, django_capture_on_commit_callbacks, tasks_run_at_once
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=alice,
            event=Event.RECORD_ADDED,
            message="Dr Bob added a document to your file.",
            url="/records/",
            actor=bob,
        )

    assert Notification.objects.get() == notification
    assert (notification.recipient, notification.actor, notification.read_at) == (alice, bob, None)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_email_waits_for_the_transaction_to_commit(alice, django_capture_on_commit_callbacks, tasks_run_at_once):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipient=alice, event=Event.GRANT_REVOKED, message="Access was withdrawn.")

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_phone_only_user_gets_the_notification_but_no_email(django_capture_on_commit_callbacks, tasks_run_at_once):
    patient = PatientFactory(email=None, phone="+33612345678")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(recipient=patient, event=Event.RECORD_ADDED, message="Dr Bob added a document.")

    assert notification is not None
    assert callbacks == []
    assert mail.outbox == []


def test_share_link_opened_is_not_emailed_by_default(alice, django_capture_on_commit_callbacks, tasks_run_at_once):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, event=Event.SHARE_LINK_OPENED, message="A share link was opened.")

    assert notification is not None
    assert mail.outbox == []


def test_turning_in_app_off_keeps_the_email_but_not_the_centre(
    alice, django_capture_on_commit_callbacks, tasks_run_at_once
):
    preferences_update(actor=alice, values={Event.RECORD_ADDED: Channels(in_app=False, email=True, push=True)})

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, event=Event.RECORD_ADDED, message="Dr Bob added a document.")

    assert notification is None
    assert len(mail.outbox) == 1


def test_turning_both_channels_off_makes_nothing(alice, django_capture_on_commit_callbacks, tasks_run_at_once):
    preferences_update(actor=alice, values={Event.RECORD_ADDED: Channels(in_app=False, email=False, push=False)})

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, event=Event.RECORD_ADDED, message="Dr Bob added a document.")

    assert notification is None
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_break_glass_reaches_the_patient_even_after_trying_to_turn_it_off(
    alice, django_capture_on_commit_callbacks, tasks_run_at_once
):
    preferences_update(actor=alice, values={Event.BREAK_GLASS: Channels(in_app=False, email=False, push=False)})

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, event=Event.BREAK_GLASS, message="Emergency access to your file.")

    assert notification is not None
    assert len(mail.outbox) == 1


def test_a_deactivated_account_is_not_notified(alice, django_capture_on_commit_callbacks):
    alice.is_active = False
    alice.save()

    with django_capture_on_commit_callbacks() as callbacks:
        assert notify(recipient=alice, event=Event.RECORD_ADDED, message="Dr Bob added a document.") is None

    assert callbacks == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "records/"])
def test_notify_refuses_a_link_that_leaves_the_site(alice, url):
    with pytest.raises(ValidationError):
        notify(recipient=alice, event=Event.RECORD_ADDED, message="Dr Bob added a document.", url=url)

    assert not Notification.objects.exists()


def test_a_long_message_is_cut_to_300_characters(alice):
    notification = notify(recipient=alice, event=Event.GRANT_GIVEN, message="x" * 400)

    assert len(notification.message) == 300


TAKEN = {"action": "taken", "title": "Pris", "url": "/treatments/reminders/1/taken/?token=abc"}
SNOOZE = {"action": "snooze", "title": "Plus tard", "url": "/treatments/reminders/1/snooze/?token=def"}


def test_notify_stores_the_actions(alice):
    notification = notify(recipient=alice, event=Event.REMINDER, message="Time.", actions=[TAKEN, SNOOZE])

    notification.refresh_from_db()
    assert notification.actions == [TAKEN, SNOOZE]


def test_notify_translated_passes_the_actions_on(alice):
    notification = notify_translated(recipient=alice, event=Event.REMINDER, text="Time.", actions=[TAKEN])

    assert notification.actions == [TAKEN]


@pytest.mark.parametrize(
    "actions",
    [
        [{**TAKEN, "url": "https://evil.example/"}],
        [{**TAKEN, "url": "//evil.example/"}],
        [{**TAKEN, "url": "treatments/"}],
        [{"action": "taken", "title": "Pris"}],
        [{**TAKEN, "extra": "x"}],
        [{**TAKEN, "title": ""}],
        [{**TAKEN, "title": 12}],
        [{**TAKEN, "title": "x" * 41}],
        [TAKEN, TAKEN],
        [TAKEN, SNOOZE, {**TAKEN, "action": "third"}],
        ["taken"],
    ],
)
def test_notify_refuses_actions_that_are_not_buttons_within_the_site(alice, actions):
    with pytest.raises(ValidationError):
        notify(recipient=alice, event=Event.REMINDER, message="Time.", actions=actions)

    assert not Notification.objects.exists()


def test_a_reminder_is_pushed_but_not_emailed_by_default(
    alice, vapid, push_service, browser, django_capture_on_commit_callbacks, tasks_run_at_once
):
    subscribe(alice, browser, push_service.url + "/push/1")

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, event=Event.REMINDER, message="Time.", actions=[TAKEN])

    assert mail.outbox == []
    assert len(push_service.requests) == 1
    notification.refresh_from_db()
    assert notification.pushed_at is not None


def test_no_push_is_queued_for_a_user_without_devices(alice, vapid, django_capture_on_commit_callbacks):
    preferences_update(actor=alice, values={Event.GRANT_GIVEN: Channels(in_app=True, email=False, push=True)})

    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipient=alice, event=Event.GRANT_GIVEN, message="Hi")

    assert callbacks == []


def test_no_push_is_queued_when_push_is_off_for_the_event(alice, vapid, browser, django_capture_on_commit_callbacks):
    subscribe(alice, browser, "https://push.example/1")
    preferences_update(actor=alice, values={Event.GRANT_GIVEN: Channels(in_app=True, email=False, push=False)})

    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipient=alice, event=Event.GRANT_GIVEN, message="Hi")

    assert callbacks == []


def test_no_push_is_queued_when_the_server_has_no_keys(alice, settings, browser, django_capture_on_commit_callbacks):
    settings.DEBUG = False
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    subscribe(alice, browser, "https://push.example/1")

    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipient=alice, event=Event.REMINDER, message="Time.")

    assert callbacks == []


def test_turning_in_app_off_keeps_the_push(
    alice, vapid, push_service, browser, django_capture_on_commit_callbacks, tasks_run_at_once
):
    subscribe(alice, browser, push_service.url + "/push/1")
    preferences_update(actor=alice, values={Event.GRANT_GIVEN: Channels(in_app=False, email=False, push=True)})

    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient=alice, event=Event.GRANT_GIVEN, message="Hi") is None

    assert Notification.objects.get().in_app is False
    assert len(push_service.requests) == 1
