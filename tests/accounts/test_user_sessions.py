"""Your sessions and devices: each browser signed in, revoked from another one, ended by a new password; and
the e-mail when a device the account never used signs in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts import user_sessions
from accounts.models import ApiToken, KnownDevice, UserSession
from accounts.user_agents import device_label
from notifications.models import Notification
from tests.factories import PASSWORD, api_token_for
from tests.sms import texted_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"  # pragma: allowlist secret
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"


def signed_in_browser(identifier="alice@example.org", user_agent=FIREFOX_WINDOWS, address="203.0.113.7", client=None):
    """A browser that signed in with the password form, as a person does."""
    client = client or Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(reverse("accounts:login"), {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def new_device_notices(user):
    return list(Notification.objects.filter(recipient=user, event="new_device"))


# The readable name of a browser ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_ANDROID, "Chrome on Android"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
            "Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
            "Safari/605.1.15",
            "Safari on macOS",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux"),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
    ids=["chrome-android", "safari-iphone", "firefox-windows", "edge", "safari-mac", "firefox-linux", "curl", "none"],
)
def test_a_browser_is_named_by_its_family_and_its_system(user_agent, label):
    with translation.override("en"):
        assert device_label(user_agent) == label


def test_the_name_of_a_browser_speaks_french():
    with translation.override("fr"):
        assert device_label(CHROME_ANDROID) == "Chrome sur Android"


# The list ---------------------------------------------------------------------------------------------------------


def test_signing_in_lists_the_browser_with_its_place_and_marks_this_one(alice):
    phone = signed_in_browser(user_agent=CHROME_ANDROID, address="198.51.100.4")
    signed_in_browser(user_agent=FIREFOX_WINDOWS, address="203.0.113.7")

    page = phone.get(reverse("accounts:sessions")).content.decode()  # alice reads French

    assert "Chrome sur Android" in page and "198.51.100.4" in page
    assert "Firefox sur Windows" in page and "203.0.113.7" in page
    rows = re.findall(r"<tr data-session.*?</tr>", page, re.S)
    assert [row for row in rows if "cet appareil" in row] == [
        this_one := next(row for row in rows if "Chrome sur Android" in row)
    ]
    assert "Déconnecter" not in this_one


def test_the_page_speaks_french(client, alice):
    signed_in_browser(client=client)

    page = client.get(reverse("accounts:sessions"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Vos sessions et appareils" in page and "cet appareil" in page
    assert "Se déconnecter partout ailleurs" in page


def test_only_a_digest_free_row_is_kept_and_the_session_holds_its_id(alice):
    """The table signs nobody in: no session key in it; the session knows its row."""
    browser = signed_in_browser()
    [row] = UserSession.objects.all()

    assert browser.session[user_sessions.SESSION_KEY] == str(row.public_id)
    assert browser.session.session_key not in str(UserSession.objects.values().get())


def test_the_list_shows_neither_anyone_elses_sessions_nor_ended_ones(alice, dave):
    mine = signed_in_browser()
    signed_in_browser("dave@example.org", user_agent=SAFARI_IPHONE)
    gone = signed_in_browser(user_agent=CHROME_ANDROID)
    gone.post(reverse("accounts:logout"))

    page = mine.get(reverse("accounts:sessions")).content.decode()

    assert "Safari sur iPhone" not in page and "Chrome sur Android" not in page
    assert "Firefox sur Windows" in page
    assert UserSession.objects.get(user=alice, ended_at__isnull=False).ended_reason == "signed_out"


def test_the_profile_links_to_the_sessions_page(client, alice):
    client.force_login(alice)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert reverse("accounts:sessions") in page


def test_a_session_idle_past_the_session_age_is_not_listed(alice, settings):
    signed_in_browser()

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 120)):
        assert list(user_sessions.user_sessions_of(alice)) == []


def test_the_last_use_is_written_at_most_once_a_minute(alice):
    browser = signed_in_browser()
    signed_in_at = UserSession.objects.get().last_seen_at

    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        browser.get(reverse("accounts:profile"), REMOTE_ADDR="192.0.2.1")
    assert UserSession.objects.get().last_seen_at == signed_in_at

    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        browser.get(reverse("accounts:profile"), REMOTE_ADDR="192.0.2.1")
    row = UserSession.objects.get()
    assert row.last_seen_at > signed_in_at and row.last_seen_address == "192.0.2.1"


def test_a_session_signed_in_before_rows_existed_gets_one(client, alice):
    client.force_login(alice)
    UserSession.objects.all().delete()
    session = client.session
    del session[user_sessions.SESSION_KEY]
    session.save()

    assert signed_in(client)
    assert UserSession.objects.get().user == alice


# Signing a browser out ------------------------------------------------------------------------------------------


def test_a_browser_signed_out_from_another_is_signed_out_at_its_next_page(alice):
    phone = signed_in_browser(user_agent=CHROME_ANDROID)
    computer = signed_in_browser(user_agent=FIREFOX_WINDOWS)
    computer_row = UserSession.objects.get(user_agent=FIREFOX_WINDOWS)

    response = phone.post(reverse("accounts:session_end", args=[computer_row.public_id]), follow=True)

    assert "« Firefox sur Windows » est déconnecté" in response.content.decode()
    assert not signed_in(computer)
    assert signed_in(phone)
    computer_row.refresh_from_db()
    assert computer_row.ended_reason == "by_user"


def test_one_cannot_sign_out_someone_elses_session(alice, dave):
    mine = signed_in_browser()
    daves = signed_in_browser("dave@example.org")
    dave_row = UserSession.objects.get(user__email="dave@example.org")

    response = mine.post(reverse("accounts:session_end", args=[dave_row.public_id]))

    assert response.status_code == 404
    assert signed_in(daves)


def test_an_ended_session_cannot_be_ended_twice(alice):
    mine = signed_in_browser()
    other = signed_in_browser(user_agent=CHROME_ANDROID)
    other.post(reverse("accounts:logout"))
    ended = UserSession.objects.get(ended_at__isnull=False)

    assert mine.post(reverse("accounts:session_end", args=[ended.public_id])).status_code == 404


def test_sign_out_everywhere_else_ends_the_other_browsers_and_every_app_but_not_this_one(alice, dave):
    mine = signed_in_browser()
    others = [signed_in_browser(user_agent=agent) for agent in (CHROME_ANDROID, SAFARI_IPHONE)]
    token = api_token_for(alice)
    daves_browser, daves_token = signed_in_browser("dave@example.org"), api_token_for(dave)

    response = mine.post(reverse("accounts:sessions_end_others"), follow=True)

    assert "Déconnecté partout ailleurs : 3 navigateurs ou applications." in response.content.decode()
    assert signed_in(mine)
    assert not any(signed_in(other) for other in others)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(reverse("api:me")).status_code == 401
    assert signed_in(daves_browser)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {daves_token}").get(reverse("api:me")).status_code == 200


def test_the_api_lists_my_browsers_and_marks_this_one(alice, dave):
    mine = signed_in_browser()
    signed_in_browser(user_agent=CHROME_ANDROID)
    signed_in_browser("dave@example.org", user_agent=SAFARI_IPHONE)

    listed = mine.get(reverse("api:sessions")).json()

    assert sorted((each["device"], each["current"]) for each in listed) == [
        ("Chrome sur Android", False),
        ("Firefox sur Windows", True),
    ]
    assert {each["last_address"] for each in listed} == {"203.0.113.7"}


# A new password -------------------------------------------------------------------------------------------------


def test_a_password_change_signs_the_other_browsers_out_and_keeps_this_one(alice):
    mine = signed_in_browser()
    other = signed_in_browser(user_agent=CHROME_ANDROID)

    mine.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert signed_in(mine)
    assert not signed_in(other)
    assert dict(UserSession.objects.values_list("user_agent", "ended_reason")) == {
        FIREFOX_WINDOWS: "",
        CHROME_ANDROID: "password_changed",
    }
    assert [each.user_agent for each in user_sessions.user_sessions_of(alice)] == [FIREFOX_WINDOWS]


def test_a_password_reset_by_email_ends_every_session(client, alice):
    browsers = [signed_in_browser(user_agent=agent) for agent in (CHROME_ANDROID, FIREFOX_WINDOWS)]

    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not any(signed_in(browser) for browser in browsers)
    assert set(UserSession.objects.values_list("ended_reason", flat=True)) == {"password_changed"}


@pytest.mark.usefixtures("tasks_run_at_once")
def test_a_password_reset_by_text_message_ends_every_session_and_app(
    client, phone_only, sms_outbox, django_capture_on_commit_callbacks
):
    browser = signed_in_browser("06 12 34 56 78")
    token = api_token_for(phone_only)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset_phone"),
            {"code": texted_code(sms_outbox[0]), "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    assert not signed_in(browser)
    assert UserSession.objects.get().ended_reason == "password_changed"
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(reverse("api:me")).status_code == 401
    assert ApiToken.objects.get().revoked_reason == "password_changed"


# A new device ---------------------------------------------------------------------------------------------------


def test_the_first_sign_in_of_an_account_tells_nothing(alice):
    signed_in_browser()

    assert new_device_notices(alice) == []
    assert KnownDevice.objects.filter(user=alice).count() == 1


def test_a_sign_in_from_a_new_browser_is_told_with_device_place_and_time(alice):
    signed_in_browser()

    with time_machine.travel(datetime(2025, 3, 4, 13, 5, tzinfo=UTC), tick=False):
        signed_in_browser(user_agent=CHROME_ANDROID, address="198.51.100.4")

    [notice] = new_device_notices(alice)
    assert "Chrome sur Android" in notice.message  # alice reads French, in Paris
    assert "198.51.100.4" in notice.message and "4 mars 2025, 14:05" in notice.message
    assert "Changez votre mot de passe" in notice.message
    assert notice.url == reverse("accounts:sessions")


def test_signing_in_again_from_a_known_browser_tells_nothing(alice):
    browser = signed_in_browser()
    signed_in_browser(user_agent=CHROME_ANDROID)
    browser.post(reverse("accounts:logout"))

    signed_in_browser(client=browser)

    assert len(new_device_notices(alice)) == 1


def test_the_device_cookie_is_long_lived_and_out_of_reach_of_scripts(alice):
    browser = signed_in_browser()

    cookie = browser.cookies[user_sessions.DEVICE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert KnownDevice.objects.get().digest != cookie.value


def test_the_device_cookie_is_secure_when_debug_is_off(alice, settings):
    settings.SESSION_COOKIE_SECURE = True

    browser = signed_in_browser()

    assert browser.cookies[user_sessions.DEVICE_COOKIE_NAME]["secure"]


@pytest.mark.usefixtures("tasks_run_at_once")
def test_the_new_device_email_goes_through_the_outbox_in_the_users_language(alice, django_capture_on_commit_callbacks):
    alice.language = "en"
    alice.save()
    signed_in_browser()

    with django_capture_on_commit_callbacks(execute=True):
        signed_in_browser(user_agent=SAFARI_IPHONE)

    [message] = [each for each in mail.outbox if "Safari" in each.body]
    assert message.to == ["alice@example.org"]
    assert "Safari on iPhone" in message.body and "Change your password" in message.body
    assert "/accounts/sessions/" in message.body


def test_an_app_signing_in_for_the_first_time_is_told_and_again_is_not(alice):
    signed_in_browser()

    for _each in range(2):
        response = APIClient().post(
            reverse("api:token"),
            {"identifier": "alice@example.org", "password": PASSWORD, "device": "Pixel d'Alice"},
            HTTP_USER_AGENT="ReLyfe/2.0 Android",
        )
        assert response.status_code == 200

    [notice] = new_device_notices(alice)
    assert "Pixel d'Alice" in notice.message
