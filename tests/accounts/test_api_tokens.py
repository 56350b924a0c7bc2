"""Per-device API tokens, written as the attacks: a token that outlives a password change, an expired or
revoked token, someone else revoking my device."""

import importlib
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens as api_tokens
from accounts.models import ApiToken
from tests.factories import PASSWORD, api_token_for
from tests.sms import texted_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"  # pragma: allowlist secret
INVALID = {"code": "authentication_failed", "fields": {}}


def sign_in(identifier="alice@example.org", device=None, **headers):
    data = {"identifier": identifier, "password": PASSWORD}
    if device is not None:
        data["device"] = device
    return APIClient().post(reverse("api:token"), data, **headers)


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def me(token: str):
    return with_token(token).get(reverse("api:me"))


def refused(response) -> bool:
    """401 in the API's one error shape, saying which scheme to use."""
    body = response.json()
    return (
        response.status_code == 401
        and response["WWW-Authenticate"] == "Token"
        and {key: body[key] for key in INVALID} == INVALID
        and bool(body["detail"])
    )


# Signing in, one token per device -----------------------------------------------------------------------------


def test_two_devices_get_two_tokens_and_revoking_one_keeps_the_other(alice):
    phone = sign_in(device="Pixel d'Alice").json()
    tablet = sign_in(device="iPad").json()

    assert phone["token"] != tablet["token"]
    assert with_token(phone["token"]).delete(reverse("api:token-revoke", args=[tablet["id"]])).status_code == 204

    assert refused(me(tablet["token"]))
    assert me(phone["token"]).json()["public_id"] == str(alice.public_id)


def test_the_sign_in_answer_names_the_device_and_its_expiry_and_is_not_cached(alice, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30

    response = sign_in(device="  Pixel   d'Alice ")

    assert "no-store" in response["Cache-Control"]
    body = response.json()

    assert body["device"] == "Pixel d'Alice"
    expires_in = datetime.fromisoformat(body["expires_at"]) - timezone.now()
    assert timedelta(days=29, hours=23) < expires_in <= timedelta(days=30)
    assert body["current"] is False and body["last_used_at"] is None


def test_without_a_device_name_the_user_agent_names_it_cut_to_fit(alice):
    body = APIClient().post(
        reverse("api:token"),
        {"identifier": "alice@example.org", "password": PASSWORD},
        HTTP_USER_AGENT="ReLyfe/2.3 (Android 15; Pixel 9) " + "x" * 500,
    )

    device = body.json()["device"]
    assert device.startswith("ReLyfe/2.3 (Android 15; Pixel 9)") and len(device) == 100


def test_signing_in_in_a_loop_keeps_the_devices_signed_in_bounded(alice, monkeypatch):
    """Past the limit, the device least recently used (or signed in) is signed out."""
    monkeypatch.setattr(api_tokens, "LIVE_TOKENS_PER_USER", 3)
    phone, tablet, laptop = (sign_in(device=name).json()["token"] for name in ("Phone", "Tablet", "Laptop"))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        me(phone)
        sign_in(device="Watch")

    assert me(phone).status_code == 200 and me(laptop).status_code == 200
    assert refused(me(tablet))
    assert ApiToken.objects.get(device_name="Tablet").revoked_reason == "too_many"

    for attempt in range(5):
        sign_in(device=f"Script {attempt}")
    assert ApiToken.objects.live().count() == 3


def test_a_device_name_too_long_is_refused(alice):
    response = sign_in(device="d" * 101)

    assert response.status_code == 400 and "device" in response.json()["fields"]


def test_only_a_digest_of_the_token_is_stored(alice):
    token = sign_in().json()["token"]

    stored = ApiToken.objects.get(user=alice)
    assert token not in {stored.prefix, stored.digest, stored.device_name}
    assert not any(token in str(value) for value in ApiToken.objects.filter(user=alice).values_list())


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(alice):
    token = sign_in().json()["token"]
    forged = token[:12] + ("A" if token[12] != "A" else "B") + token[13:]

    assert refused(me(forged))


# Expiry and renewal ------------------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(alice, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    token = sign_in().json()["token"]

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = me(token)

    assert refused(response)
    assert response.json()["detail"] == "Ce jeton a expiré : reconnectez-vous."


def test_a_token_used_within_its_lifetime_keeps_going(alice, settings):
    """The expiry slides: used every 20 days, a 30-day token never ends."""
    settings.API_TOKEN_LIFETIME_DAYS = 30
    token = sign_in().json()["token"]
    start = timezone.now()

    for days in (20, 40, 60):
        with time_machine.travel(start + timedelta(days=days)):
            assert me(token).status_code == 200


def test_the_last_use_is_written_at_most_once_an_hour(alice):
    token = sign_in().json()["token"]
    start = timezone.now()
    me(token)
    first_use = ApiToken.objects.get().last_used_at

    with time_machine.travel(start + timedelta(minutes=30)):
        me(token)
    assert ApiToken.objects.get().last_used_at == first_use

    with time_machine.travel(start + timedelta(minutes=61)):
        me(token)
    renewed = ApiToken.objects.get()
    assert renewed.last_used_at > first_use
    assert renewed.last_used_address == "127.0.0.1"


def test_a_request_with_a_token_costs_one_query_and_no_write_within_the_hour(alice, django_assert_num_queries):
    client = with_token(api_token_for(alice))
    client.get(reverse("api:me"))  # the first use is written

    with django_assert_num_queries(1):
        assert client.get(reverse("api:me")).status_code == 200


# Revocation ---------------------------------------------------------------------------------------------------


def test_a_device_signs_out_and_its_token_is_refused(alice):
    token = sign_in().json()["token"]

    assert with_token(token).delete(reverse("api:token-current")).status_code == 204

    response = me(token)
    assert refused(response)
    assert response.json()["detail"] == "Ce jeton a été révoqué : reconnectez-vous."


def test_another_user_cannot_revoke_my_token(alice, dave):
    mine = sign_in().json()
    daves = api_token_for(dave)

    response = with_token(daves).delete(reverse("api:token-revoke", args=[mine["id"]]))

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert me(mine["token"]).status_code == 200


def test_the_list_shows_only_my_live_devices_and_marks_this_one(alice, dave):
    api_token_for(dave, device="Dave's phone")
    old = sign_in(device="Old phone").json()
    with_token(old["token"]).delete(reverse("api:token-current"))
    current = sign_in(device="New phone").json()

    listed = with_token(current["token"]).get(reverse("api:tokens")).json()

    assert [(device["device"], device["current"]) for device in listed] == [("New phone", True)]


def test_signing_out_with_a_session_says_there_is_no_token(client, alice):
    client.force_login(alice)

    response = client.delete(reverse("api:token-current"))

    assert response.status_code == 400 and response.json()["code"] == "no_token"


# A new password ends every token ------------------------------------------------------------------------------


def test_the_token_after_a_password_change_is_refused(client, alice):
    token = sign_in().json()["token"]
    client.force_login(alice)

    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert refused(me(token))
    assert ApiToken.objects.get().revoked_reason == "password_changed"


def test_the_token_after_a_password_reset_by_email_is_refused(client, alice):
    token = sign_in().json()["token"]

    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert refused(me(token))


@pytest.mark.usefixtures("tasks_run_at_once")
def test_the_token_after_a_password_reset_by_text_message_is_refused(
    client, phone_only, sms_outbox, django_capture_on_commit_callbacks
):
    token = sign_in("06 12 34 56 78").json()["token"]
    assert me(token).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset_phone"),
            {"code": texted_code(sms_outbox[0]), "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    assert refused(me(token))


def test_the_token_after_staff_set_a_new_password_in_the_admin_is_refused(client, alice, staff):
    token = sign_in().json()["token"]
    client.force_login(staff)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert refused(me(token))


def test_a_password_hash_upgrade_at_sign_in_is_not_a_password_change(alice):
    token = api_token_for(alice)
    alice.password = make_password(PASSWORD, hasher="pbkdf2_sha256")  # not the first hasher: upgraded at sign-in
    alice.save()

    assert sign_in().status_code == 200

    alice.refresh_from_db()
    assert not alice.password.startswith("pbkdf2_sha256$")
    assert me(token).status_code == 200


# Staff ----------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("tasks_run_at_once")
def test_staff_revoke_every_token_of_an_account_audited_and_the_owner_is_emailed(
    client, alice, staff, django_capture_on_commit_callbacks
):
    tokens = [sign_in(device=name).json()["token"] for name in ("Phone", "Tablet")]
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "revoke_api_tokens", "_selected_action": [alice.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert all(refused(me(token)) for token in tokens)
    assert set(ApiToken.objects.values_list("revoked_reason", "revoked_by")) == {("by_staff", staff.pk)}
    entry = LogEntry.objects.get(object_id=str(alice.pk))
    assert entry.user == staff and "2" in entry.get_change_message()
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "/accounts/sessions/" in message.body


# The page of sessions and devices ----------------------------------------------------------------------------------


def test_the_sessions_page_lists_my_devices_and_not_anyone_elses(client, alice, dave):
    sign_in(device="Pixel d'Alice", REMOTE_ADDR="203.0.113.7")
    api_token_for(dave, device="Dave's phone")
    client.force_login(alice)

    page = client.get(reverse("accounts:sessions")).content.decode()

    assert "Pixel d&#x27;Alice" in page and "203.0.113.7" in page
    assert "Dave" not in page


def test_the_sessions_page_speaks_french_about_devices(client, alice):
    sign_in(device="Pixel")
    client.force_login(alice)

    page = client.get(reverse("accounts:sessions"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Applications connectées" in page and "Révoquer" in page


def test_revoke_on_the_sessions_page_signs_that_device_out(client, alice):
    phone, tablet = (sign_in(device=name).json() for name in ("Phone", "Tablet"))
    client.force_login(alice)

    response = client.post(reverse("accounts:device_revoke", args=[phone["id"]]), follow=True)

    assert "“Phone” is signed out." in response.content.decode() or "« Phone » est déconnecté" in (
        response.content.decode()
    )
    assert refused(me(phone["token"]))
    assert me(tablet["token"]).status_code == 200


def test_revoke_all_on_the_sessions_page_signs_every_device_out(client, alice, dave):
    mine = [sign_in(device=name).json()["token"] for name in ("Phone", "Tablet")]
    daves = api_token_for(dave)
    client.force_login(alice)

    client.post(reverse("accounts:devices_revoke_all"))

    assert all(refused(me(token)) for token in mine)
    assert me(daves).status_code == 200


def test_one_cannot_revoke_anothers_device_from_the_sessions_page(client, alice, dave):
    daves = api_token_for(dave)
    [dave_token] = ApiToken.objects.filter(user=dave)
    client.force_login(alice)

    response = client.post(reverse("accounts:device_revoke", args=[dave_token.public_id]))

    assert response.status_code == 404
    assert me(daves).status_code == 200


# The tokens of before ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor does not work inside a test's transaction
def test_a_token_of_the_one_token_per_user_era_keeps_working_until_it_expires(alice, settings):
    """Migration 0008 reads rest_framework.authtoken's table by name, hashes its tokens and empties it."""
    settings.API_TOKEN_LIFETIME_DAYS = 30
    migration = importlib.import_module("accounts.migrations.0008_api_tokens_from_authtoken")
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # pragma: allowlist secret
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamp)")
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, alice.pk, timezone.now()])

        with connection.schema_editor() as schema_editor:
            migration.convert(apps, schema_editor)

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone() == (0,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    assert me(old_key).json()["public_id"] == str(alice.public_id)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert refused(me(old_key))
