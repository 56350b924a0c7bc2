"""The passkeys pages: who reaches them, rename and remove, and what a passkey is to the rest of the project.
The WebAuthn ceremonies themselves run in a real Chromium with a virtual authenticator
(tests/browser/test_passkeys_in_browser.py)."""

import os
import re

import django_otp
import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Passkey
from notifications.models import Event, Notification
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def passkey_of(user, name="Mon téléphone") -> Passkey:
    """A passkey row as django-otp-webauthn stores one (its key material does not matter here)."""
    return Passkey.objects.create(
        user=user,
        name=name,
        credential_id=os.urandom(32),
        public_key=os.urandom(77),
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def test_an_anonymous_visitor_is_sent_to_log_in(client, alice):
    passkey = passkey_of(alice)

    for url in (
        reverse("accounts:passkeys"),
        reverse("accounts:passkey_rename", args=[passkey.public_id]),
        reverse("accounts:passkey_remove", args=[passkey.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_page_lists_the_users_own_passkeys_only(client, alice, dave):
    passkey_of(alice, "Téléphone d'Alice")
    passkey_of(dave, "Clé de Dave")
    client.force_login(alice)

    page = client.get(reverse("accounts:passkeys")).content.decode()

    assert "Téléphone d&#x27;Alice" in page
    assert "Clé de Dave" not in page
    assert 'id="passkey-register-button"' in page


def test_someone_elses_passkey_is_not_found(client, alice, dave):
    passkey = passkey_of(dave)
    client.force_login(alice)

    rename = reverse("accounts:passkey_rename", args=[passkey.public_id])
    assert client.get(rename).status_code == 404
    assert client.post(rename, {"name": "À moi"}).status_code == 404
    response = client.post(reverse("accounts:passkey_remove", args=[passkey.public_id]), {"password": PASSWORD})
    assert response.status_code == 404
    passkey.refresh_from_db()
    assert passkey.name == "Mon téléphone"


def test_the_owner_renames_a_passkey(client, alice):
    passkey = passkey_of(alice)
    client.force_login(alice)

    response = client.post(reverse("accounts:passkey_rename", args=[passkey.public_id]), {"name": "  Clé bleue "})

    assert response.status_code == 302
    passkey.refresh_from_db()
    assert passkey.name == "Clé bleue"


def test_removing_a_passkey_asks_for_the_password(client, alice):
    passkey = passkey_of(alice)
    client.force_login(alice)

    response = client.post(reverse("accounts:passkey_remove", args=[passkey.public_id]), {"password": "wrong"})

    assert response.status_code == 200
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_a_removed_passkey_is_gone_and_its_owner_is_told_by_email(
    client, alice, tasks_run_at_once, django_capture_on_commit_callbacks
):
    passkey = passkey_of(alice, "Clé bleue")
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:passkey_remove", args=[passkey.public_id]), {"password": PASSWORD})

    assert response.status_code == 302
    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    notification = Notification.objects.get(recipient=alice, event=Event.ACCOUNT_SECURITY)
    assert "Clé bleue" in notification.message
    assert notification.message.startswith("Une clé d’accès a été retirée de votre compte")
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]


def test_a_passkey_is_a_second_factor_for_the_rest_of_the_project(alice, dave):
    passkey_of(alice)

    assert django_otp.user_has_device(alice)
    assert not django_otp.user_has_device(dave)


def test_the_login_page_offers_a_passkey_without_inline_script(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert 'id="passkey-verification-button"' in page
    assert "Se connecter avec une clé d’accès" in page
    # Only data blocks and files: the Content-Security-Policy forbids inline scripts.
    for script in re.findall(r"<script[^>]*>", page):
        assert "src=" in script or 'type="application/json"' in script


def test_registering_needs_a_signed_in_user(client):
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert response.status_code == 403


def test_an_account_with_a_second_factor_proves_it_before_adding_a_passkey(client, alice):
    passkey_of(alice)
    client.force_login(alice)  # a password only: the session is not verified

    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"


def test_a_signed_in_user_gets_a_registration_challenge_for_a_discoverable_passkey(client, alice):
    client.force_login(alice)

    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    options = response.json()
    assert options["rp"] == {"name": "ReLyfe", "id": "localhost"}
    assert options["user"]["name"] == "alice@example.org"
    assert options["authenticatorSelection"]["residentKey"] == "required"


def test_the_script_messages_are_in_french(client):
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog")).content.decode()

    assert '"Registration aborted.": "Ajout interrompu."' in catalog


def test_the_second_step_button_is_the_passkey_ceremony(rf):
    request = rf.get("/accounts/login/second-step/")

    html = render_to_string("accounts/passkeys/_second_step_button.html", request=request)

    assert 'id="passkey-verification-button"' in html
    assert "Utiliser une clé d’accès" in html
    assert 'id="otp_webauthn_config" type="application/json"' in html
