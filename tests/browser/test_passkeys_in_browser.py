"""Passkeys end to end, in Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain):
the phone's screen lock, played by Chromium, answers django-otp-webauthn's real ceremonies."""

import pytest
from django.contrib.sessions.models import Session

from accounts.models import Passkey
from notifications.models import Event, Notification
from tests.browser.passkeys import add_a_passkey, add_virtual_authenticator, log_in_with_password, sign_out
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_adds_a_passkey_then_signs_in_with_it_alone(page, site, alice):
    add_virtual_authenticator(page)
    log_in_with_password(page, site, "alice@example.org")

    add_a_passkey(page, site)
    assert Passkey.objects.filter(user=alice).count() == 1
    assert Notification.objects.filter(recipient=alice, event=Event.ACCOUNT_SECURITY).count() == 1

    sign_out(page, site)
    page.goto(site + "/accounts/login/")
    page.click("#passkey-verification-button")

    page.wait_for_selector("h1:has-text('Bonjour Alice')")
    passkey = Passkey.objects.get(user=alice)
    assert passkey.last_used_at is not None
    # The session is verified by the passkey: a second factor, for django-otp (`request.user.is_verified()`).
    session_key = next(cookie["value"] for cookie in page.context.cookies(site) if cookie["name"] == "sessionid")
    assert Session.objects.get(session_key=session_key).get_decoded()["otp_device_id"] == passkey.persistent_id


@pytest.mark.answers(404)
def test_a_removed_passkey_no_longer_signs_in(page, site, alice):
    add_virtual_authenticator(page)
    log_in_with_password(page, site, "alice@example.org")
    add_a_passkey(page, site)

    page.click("[data-passkey] >> text=Retirer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Retirer')")
    page.wait_for_selector("text=Vous n’avez pas encore de clé d’accès.")
    assert not Passkey.objects.filter(user=alice).exists()

    sign_out(page, site)
    page.goto(site + "/accounts/login/")
    # The phone still holds the passkey and offers it; ReLyfe no longer knows it.
    page.click("#passkey-verification-button")

    page.wait_for_selector("#passkey-verification-status-message:has-text('elle a peut-être été retirée')")
    assert page.is_visible("h1:has-text('Connexion à ReLyfe')")


def test_a_professional_made_to_enrol_registers_a_passkey_then_passes_the_second_step_with_it(page, site, bob):
    add_virtual_authenticator(page)

    def log_in_with_bobs_password():
        page.goto(site + "/accounts/login/")
        page.fill("input[name=username]", "bob@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].button--primary")

    log_in_with_bobs_password()
    # Without a second factor, a professional is held on the Security page, which offers a passkey too.
    page.wait_for_selector("text=Votre compte professionnel doit être protégé par une double authentification.")
    page.click("#passkey-register-button")
    # Registering it (unlocked by the phone's screen lock) verifies this session: the site opens.
    page.wait_for_selector("[data-passkey]")
    page.goto(site + "/")
    page.wait_for_selector("h1:has-text('Bonjour')")

    sign_out(page, site)
    log_in_with_bobs_password()
    # The next sign-in asks for the second step, which the passkey passes.
    page.wait_for_selector("h1:has-text('Confirmez que c’est vous')")
    page.click("#passkey-verification-button")
    page.wait_for_selector("h1:has-text('Bonjour')")
    session_key = next(cookie["value"] for cookie in page.context.cookies(site) if cookie["name"] == "sessionid")
    assert Session.objects.get(session_key=session_key).get_decoded()["otp_device_id"] == (
        Passkey.objects.get(user=bob).persistent_id
    )
