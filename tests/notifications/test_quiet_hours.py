from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from notifications.models import Channels, Event, Notification, NotificationSettings
from notifications.selectors import in_quiet_hours
from notifications.services import notify, preferences_update, quiet_hours_update
from tests.notifications.conftest import subscribe

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# 23:30 in Paris, in winter: inside a window from 22:00 to 07:00.
NIGHT_IN_PARIS = datetime(2026, 1, 15, 23, 30, tzinfo=PARIS)
AFTERNOON_IN_PARIS = datetime(2026, 1, 15, 15, 0, tzinfo=PARIS)


@pytest.fixture
def quiet_nights(alice):
    quiet_hours_update(actor=alice, start=time(22, 0), end=time(7, 0))
    return alice


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(21, 59, False), (22, 0, True), (23, 59, True), (0, 0, True), (3, 0, True), (6, 59, True), (7, 0, False)],
)
def test_a_window_wraps_past_midnight(quiet_nights, hour, minute, quiet):
    assert in_quiet_hours(quiet_nights, datetime(2026, 1, 15, hour, minute, tzinfo=PARIS)) is quiet


def test_the_window_is_read_on_the_users_own_clock_through_the_clock_changes(quiet_nights):
    # 20:30 UTC is 21:30 in Paris in winter (UTC+1) but 22:30 in summer (UTC+2).
    assert not in_quiet_hours(quiet_nights, datetime(2026, 1, 15, 20, 30, tzinfo=UTC))
    assert in_quiet_hours(quiet_nights, datetime(2026, 7, 15, 20, 30, tzinfo=UTC))


def test_a_user_in_another_time_zone_has_their_own_nights(quiet_nights):
    quiet_nights.time_zone = "America/New_York"
    quiet_nights.save()

    # 23:30 in Paris is 17:30 in New York.
    assert not in_quiet_hours(quiet_nights, NIGHT_IN_PARIS)


def test_a_window_within_one_day(alice):
    quiet_hours_update(actor=alice, start=time(13, 0), end=time(14, 0))

    assert in_quiet_hours(alice, datetime(2026, 1, 15, 13, 30, tzinfo=PARIS))
    assert not in_quiet_hours(alice, datetime(2026, 1, 15, 14, 0, tzinfo=PARIS))
    assert not in_quiet_hours(alice, NIGHT_IN_PARIS)


def test_no_settings_means_no_quiet_hours(alice):
    assert not in_quiet_hours(alice, NIGHT_IN_PARIS)


def test_turning_quiet_hours_off_keeps_one_row(quiet_nights):
    quiet_hours_update(actor=quiet_nights, start=None, end=None)

    assert NotificationSettings.objects.get().has_quiet_hours is False
    assert not in_quiet_hours(quiet_nights, NIGHT_IN_PARIS)


@pytest.mark.parametrize(("start", "end"), [(time(22, 0), None), (None, time(7, 0)), (time(22, 0), time(22, 0))])
def test_the_database_refuses_half_a_window(alice, start, end):
    with pytest.raises(IntegrityError):
        NotificationSettings.objects.create(user=alice, quiet_start=start, quiet_end=end)


def notify_at(moment, recipient, event):
    with time_machine.travel(moment, tick=False):
        return notify(recipient=recipient, event=event, message="Something happened.", url="/records/")


@pytest.fixture
def alices_phone(quiet_nights, vapid, push_service, browser):
    subscribe(quiet_nights, browser, push_service.url + "/push/phone")
    return push_service


@pytest.mark.usefixtures("tasks_run_at_once")
def test_quiet_hours_hold_the_email_and_the_push_but_not_the_centre(
    quiet_nights, alices_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify_at(NIGHT_IN_PARIS, quiet_nights, Event.RECORD_ADDED)

    assert notification is not None and notification.in_app
    assert callbacks == []
    assert mail.outbox == [] and alices_phone.requests == []


@pytest.mark.usefixtures("tasks_run_at_once")
def test_outside_quiet_hours_the_email_and_the_push_go(quiet_nights, alices_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_at(AFTERNOON_IN_PARIS, quiet_nights, Event.RECORD_ADDED)

    assert len(mail.outbox) == 1 and len(alices_phone.requests) == 1


@pytest.mark.usefixtures("tasks_run_at_once")
def test_a_reminder_is_pushed_during_quiet_hours(quiet_nights, alices_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_at(NIGHT_IN_PARIS, quiet_nights, Event.REMINDER)

    assert len(alices_phone.requests) == 1
    assert mail.outbox == []  # reminders are not e-mailed by default, quiet hours or not


@pytest.mark.usefixtures("tasks_run_at_once")
def test_break_glass_wakes_the_patient_during_quiet_hours(
    quiet_nights, alices_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_at(NIGHT_IN_PARIS, quiet_nights, Event.BREAK_GLASS)

    assert len(mail.outbox) == 1 and len(alices_phone.requests) == 1


def test_quiet_hours_with_the_centre_turned_off_make_nothing(quiet_nights, django_capture_on_commit_callbacks):
    preferences_update(actor=quiet_nights, values={Event.GRANT_GIVEN: Channels(in_app=False, email=True, push=True)})

    with django_capture_on_commit_callbacks() as callbacks:
        assert notify_at(NIGHT_IN_PARIS, quiet_nights, Event.GRANT_GIVEN) is None

    assert callbacks == []
    assert not Notification.objects.exists()


def preferences_data(**quiet_hours) -> dict[str, str]:
    data = {f"{event}-{channel}": "on" for event in Event.values for channel in ("in_app", "email", "push")}
    return data | quiet_hours


def test_the_preferences_page_sets_quiet_hours(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("notifications:preferences"), preferences_data(quiet_start="22:00", quiet_end="07:00")
    )

    assert response.status_code == 302
    settings = NotificationSettings.objects.get(user=alice)
    assert (settings.quiet_start, settings.quiet_end) == (time(22, 0), time(7, 0))
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'type="time" name="quiet_start" value="22:00"' in page


def test_the_preferences_page_asks_for_both_times(client, alice):
    client.force_login(alice)

    response = client.post(reverse("notifications:preferences"), preferences_data(quiet_start="22:00"))

    assert response.status_code == 200
    assert response.context["quiet_hours_form"].non_field_errors()
    assert not NotificationSettings.objects.exists()
