import pytest
from django.db import IntegrityError
from django.urls import reverse

from notifications.models import Event, NotificationPreference
from notifications.selectors import channels_for, preferences_for_user
from notifications.services import preferences_update

pytestmark = pytest.mark.django_db


def all_checked(**overrides) -> dict[str, str]:
    data = {f"{event}-{channel}": "on" for event in Event.values for channel in ("in_app", "email", "push")}
    for name, value in overrides.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return data


def test_every_event_is_on_by_default_but_share_link_emails_and_pushes_and_reminder_emails(alice):
    preferences = preferences_for_user(user=alice)

    assert all(channels.in_app for channels in preferences.values())
    assert {event for event, channels in preferences.items() if not channels.email} == {
        Event.SHARE_LINK_OPENED,
        Event.REMINDER,
    }
    assert [event for event, channels in preferences.items() if not channels.push] == [Event.SHARE_LINK_OPENED]


def test_a_preference_turns_a_channel_off_for_that_user_only(alice, dave):
    preferences_update(actor=alice, values={Event.GRANT_REVOKED: (True, False, True)})

    assert channels_for(user=alice, event=Event.GRANT_REVOKED) == (True, False, True)
    assert channels_for(user=dave, event=Event.GRANT_REVOKED) == (True, True, True)


def test_updating_twice_keeps_one_row_per_event(alice):
    preferences_update(actor=alice, values={Event.GRANT_REVOKED: (True, False, True)})
    preferences_update(actor=alice, values={Event.GRANT_REVOKED: (False, True, False)})

    assert NotificationPreference.objects.filter(user=alice).count() == 1
    assert channels_for(user=alice, event=Event.GRANT_REVOKED) == (False, True, False)


def test_the_service_ignores_turning_break_glass_off(alice):
    preferences_update(actor=alice, values={Event.BREAK_GLASS: (False, False, False)})

    assert not NotificationPreference.objects.filter(event=Event.BREAK_GLASS).exists()
    assert channels_for(user=alice, event=Event.BREAK_GLASS) == (True, True, True)


@pytest.mark.parametrize("off", ["in_app", "email", "push"])
def test_the_database_refuses_break_glass_turned_off(alice, off):
    with pytest.raises(IntegrityError):
        NotificationPreference.objects.create(user=alice, event=Event.BREAK_GLASS, **{off: False})


def test_the_preferences_page_shows_a_labelled_check_box_for_each_event_and_channel(client, alice):
    client.force_login(alice)

    response = client.get(reverse("notifications:preferences"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    form = response.context["form"]
    assert len(form.rows()) == len(Event.values)
    assert form[f"{Event.SHARE_LINK_OPENED}-email"].initial is False
    assert form[f"{Event.SHARE_LINK_OPENED}-push"].initial is False
    assert form[f"{Event.BREAK_GLASS}-email"].field.disabled
    assert form[f"{Event.BREAK_GLASS}-push"].field.disabled
    content = response.content.decode()
    assert content.count('type="checkbox"') == 3 * len(Event.values)
    assert "<script>" not in content and "style=" not in content


def test_the_preferences_form_turns_channels_off(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("notifications:preferences"),
        all_checked(
            **{
                f"{Event.RECORD_ADDED}-email": None,
                f"{Event.GRANT_GIVEN}-in_app": None,
                f"{Event.GRANT_REVOKED}-push": None,
            }
        ),
    )

    assert response.status_code == 302
    assert channels_for(user=alice, event=Event.RECORD_ADDED) == (True, False, True)
    assert channels_for(user=alice, event=Event.GRANT_GIVEN) == (False, True, True)
    assert channels_for(user=alice, event=Event.GRANT_REVOKED) == (True, True, False)
    assert channels_for(user=alice, event=Event.ACCESS_REQUEST_RECEIVED) == (True, True, True)


def test_the_preferences_form_cannot_turn_break_glass_off(client, alice):
    client.force_login(alice)

    client.post(
        reverse("notifications:preferences"),
        all_checked(**{f"{Event.BREAK_GLASS}-{channel}": None for channel in ("in_app", "email", "push")}),
    )

    assert channels_for(user=alice, event=Event.BREAK_GLASS) == (True, True, True)


def test_the_preferences_page_needs_a_signed_in_user(client):
    response = client.get(reverse("notifications:preferences"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
