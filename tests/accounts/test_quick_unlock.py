"""Quick re-entry (accounts.quick_unlock): a browser where someone with a passkey signed in shows them a lock
screen when their session runs out, and their passkey — theirs only — unlocks it. The ceremony with a real
authenticator runs in Chromium (tests/browser/test_quick_unlock_in_browser.py); here, who is remembered,
when, and what is refused."""

import base64
import json
import os

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.urls import reverse

from accounts import quick_unlock
from accounts.models import Passkey
from tests.factories import PASSWORD
from tests.two_factor import authenticator_for, code_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings, alice, dave):
    """These tests read the pages in English; a signed-in person's pages speak their own language (kept after
    the session runs out), so alice and dave choose English too."""
    settings.LANGUAGE_CODE = "en"
    for person in (alice, dave):
        person.language = "en"
        person.save(update_fields=["language"])


def passkey_of(user) -> Passkey:
    """A passkey row as django-otp-webauthn stores one (its key material does not matter here)."""
    return Passkey.objects.create(
        user=user,
        name="Phone",
        credential_id=os.urandom(32),
        public_key=os.urandom(77),
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def sign_in(client, user, next_url=""):
    """The login form, then the code of the authenticator app (an account with a passkey has a second
    factor: the password alone does not sign it in)."""
    device = user.totpdevice_set.first() or authenticator_for(user)
    data = {"username": user.email, "password": PASSWORD, "next": next_url}
    response = client.post(reverse("accounts:login"), data)
    if response.url == reverse("accounts:second_step"):
        response = client.post(reverse("accounts:second_step"), {"code": code_of(device)})
    assert client.session.get("_auth_user_id") == str(user.pk)
    return response


def session_runs_out():
    """What SESSION_IDLE_SECONDS without a request does: the server forgets the session."""
    Session.objects.all().delete()


def remembered_by(client, user):
    """The cookie a sign-in of `user` would have left in this browser."""
    signer = signing.get_cookie_signer(salt=quick_unlock.COOKIE_NAME + quick_unlock.SALT)
    client.cookies[quick_unlock.COOKIE_NAME] = signer.sign(str(user.public_id))


def login_page(client, next_url="/records/"):
    return client.get(reverse("accounts:login"), {"next": next_url}).content.decode()


def is_lock_screen(page: str) -> bool:
    return "Unlock with your passkey" in page and 'name="password"' not in page


# --- Who is remembered --------------------------------------------------------------------------------------


def test_signing_in_with_a_passkey_on_the_account_remembers_the_browser_by_an_opaque_signed_cookie(client, alice):
    passkey_of(alice)

    sign_in(client, alice)

    cookie = client.cookies[quick_unlock.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 30 * 24 * 60 * 60
    assert str(alice.public_id) in cookie.value
    assert "alice" not in cookie.value.lower()


def test_someone_without_a_passkey_is_not_remembered(client, dave):
    sign_in(client, dave)

    assert quick_unlock.COOKIE_NAME not in client.cookies


def test_someone_without_a_passkey_signing_in_makes_the_browser_forget_the_one_before(client, alice, dave):
    passkey_of(alice)
    remembered_by(client, alice)

    sign_in(client, dave)
    session_runs_out()

    assert client.cookies[quick_unlock.COOKIE_NAME].value == ""
    assert not is_lock_screen(login_page(client))


# --- The lock screen ----------------------------------------------------------------------------------------


def test_when_the_session_runs_out_the_login_page_is_a_lock_screen_with_the_first_name(client, alice):
    passkey_of(alice)
    sign_in(client, alice)

    session_runs_out()
    response = client.get("/records/")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()

    assert is_lock_screen(page)
    assert "Welcome back, Alice" in page
    assert "alice@example.org" not in page
    # The unlock ceremony goes to its own views, and back to the page the person was on.
    assert reverse("accounts:unlock_begin") in page and reverse("accounts:unlock_complete") in page
    assert '<input type="hidden" name="next" value="/records/">' in page
    assert "Not you?" in page


def test_an_unsafe_next_is_not_kept_on_the_lock_screen(client, alice):
    passkey_of(alice)
    remembered_by(client, alice)

    page = login_page(client, next_url="https://evil.example/")

    assert is_lock_screen(page)
    assert '<input type="hidden" name="next" value="">' in page
    assert 'value="https://evil.example/"' not in page


def test_after_signing_out_the_login_page_is_the_form_without_the_name(client, alice):
    passkey_of(alice)
    sign_in(client, alice)

    response = client.post(reverse("accounts:logout"))

    assert response.cookies[quick_unlock.COOKIE_NAME]["max-age"] == 0
    page = login_page(client)
    assert not is_lock_screen(page)
    assert "Alice" not in page


def test_a_tampered_cookie_shows_the_form_and_is_deleted(client, alice, dave):
    passkey_of(alice)
    passkey_of(dave)
    remembered_by(client, alice)
    signed = client.cookies[quick_unlock.COOKIE_NAME].value
    client.cookies[quick_unlock.COOKIE_NAME] = signed.replace(str(alice.public_id), str(dave.public_id))

    response = client.get(reverse("accounts:login"))

    assert not is_lock_screen(response.content.decode())
    assert "Dave" not in response.content.decode()
    assert response.cookies[quick_unlock.COOKIE_NAME]["max-age"] == 0


def test_an_unsigned_public_id_is_not_enough(client, alice):
    passkey_of(alice)
    client.cookies[quick_unlock.COOKIE_NAME] = str(alice.public_id)

    assert not is_lock_screen(login_page(client))


def test_a_deactivated_account_is_not_offered(client, alice):
    passkey_of(alice)
    remembered_by(client, alice)
    alice.is_active = False
    alice.save()

    assert not is_lock_screen(login_page(client))


def test_removing_the_last_passkey_stops_the_lock_screen(client, alice):
    passkey = passkey_of(alice)
    sign_in(client, alice)

    response = client.post(reverse("accounts:passkey_remove", args=[passkey.public_id]), {"password": PASSWORD})
    session_runs_out()

    assert response.cookies[quick_unlock.COOKIE_NAME]["max-age"] == 0
    assert not is_lock_screen(login_page(client))


def test_not_you_forgets_the_browser_and_shows_the_form(client, alice):
    passkey_of(alice)
    remembered_by(client, alice)

    response = client.post(reverse("accounts:unlock_forget"), {"next": "/records/"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=%2Frecords%2F"
    assert response.cookies[quick_unlock.COOKIE_NAME]["max-age"] == 0
    page = client.get(response.url).content.decode()
    assert not is_lock_screen(page)
    assert "Alice" not in page


# --- The unlock ceremony ------------------------------------------------------------------------------------


def begin(client):
    return client.post(reverse("accounts:unlock_begin"), content_type="application/json")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assertion_with(passkey: Passkey) -> dict:
    """An authenticator's answer naming `passkey` (its signature does not matter: the owner is checked first)."""
    client_data = json.dumps({"type": "webauthn.get", "challenge": b64(b"x"), "origin": "http://localhost"})
    return {
        "id": b64(passkey.credential_id),
        "rawId": b64(passkey.credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64(client_data.encode()),
            "authenticatorData": b64(os.urandom(37)),
            "signature": b64(os.urandom(64)),
        },
        "clientExtensionResults": {},
    }


def test_the_challenge_offers_the_remembered_persons_passkeys_only_and_asks_to_verify_them(client, alice, dave):
    alices = passkey_of(alice)
    passkey_of(dave)
    remembered_by(client, alice)

    options = begin(client).json()

    assert [credential["id"] for credential in options["allowCredentials"]] == [b64(alices.credential_id)]
    assert options["userVerification"] == "required"


def test_another_persons_passkey_does_not_unlock(client, alice, dave):
    passkey_of(alice)
    daves = passkey_of(dave)
    remembered_by(client, alice)
    begin(client)

    response = client.post(
        reverse("accounts:unlock_complete") + "?next=/records/", assertion_with(daves), content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This passkey belongs to another account. Unlock with your own passkey, or sign in with your password."
    )
    assert "_auth_user_id" not in client.session


def test_an_unlock_without_a_remembered_person_is_refused(client, alice):
    alices = passkey_of(alice)

    assert begin(client).status_code == 403
    response = client.post(reverse("accounts:unlock_complete"), assertion_with(alices), content_type="application/json")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_login_pages_challenge_does_not_complete_an_unlock(client, alice):
    alices = passkey_of(alice)
    remembered_by(client, alice)
    client.post(reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json")

    response = client.post(reverse("accounts:unlock_complete"), assertion_with(alices), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"


def test_failed_unlocks_lock_the_account_as_wrong_passwords_do(client, alice, dave, settings):
    passkey_of(alice)
    daves = passkey_of(dave)
    remembered_by(client, alice)
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 1):
        begin(client)
        client.post(reverse("accounts:unlock_complete"), assertion_with(daves), content_type="application/json")

    page = login_page(client)

    assert "Too many failed attempts on this account. For your security, try again in" in page
    assert 'id="passkey-verification-button"' not in page
    assert begin(client).status_code == 429
    # The password form waits too: the lockout is the account's.
    client.post(reverse("accounts:unlock_forget"))
    response = client.post(reverse("accounts:login"), {"username": "alice@example.org", "password": PASSWORD})
    assert "Too many failed attempts on this account" in response.content.decode()


def test_wrong_passwords_lock_the_unlock_too(client, alice, settings):
    passkey_of(alice)
    wrong = {"username": "alice@example.org", "password": "wrong"}  # pragma: allowlist secret
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 1):
        client.post(reverse("accounts:login"), wrong)
    remembered_by(client, alice)

    assert begin(client).status_code == 429
    assert "Too many failed attempts on this account" in login_page(client)


# --- A page left open -------------------------------------------------------------------------------------


def test_a_part_of_a_page_asked_for_after_the_session_ran_out_sends_the_whole_page_to_the_lock_screen(client, alice):
    passkey_of(alice)
    sign_in(client, alice)
    session_runs_out()
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/treatments/?day=2"}

    response = client.get("/notifications/", headers=htmx, follow=True)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("accounts:login") + "?next=%2Ftreatments%2F%3Fday%3D2"
    assert is_lock_screen(client.get(response["HX-Redirect"]).content.decode())


def test_a_part_of_a_page_of_another_site_is_not_where_the_login_goes_back_to(client):
    htmx = {"HX-Request": "true", "HX-Current-URL": "https://evil.example/treatments/"}

    response = client.get(reverse("accounts:login"), {"next": "/notifications/"}, headers=htmx)

    assert response["HX-Redirect"] == reverse("accounts:login")
