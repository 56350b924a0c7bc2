"""Quick re-entry end to end (accounts.quick_unlock): on a phone with a passkey, the session runs out, the
next page is the lock screen with the person's first name, and their passkey — Chromium's virtual
authenticator — brings them back, signed in, to the page they were on."""

import os
import tempfile
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session

from accounts.models import UserSession
from tests.browser.passkeys import add_a_passkey, add_virtual_authenticator, log_in_with_password, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots to look at after a run: /tmp/shots/unlock/ unless SCREENSHOTS_DIR says otherwise.
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", tempfile.gettempdir())) / "shots" / "unlock"


def session_runs_out():
    """What SESSION_IDLE_SECONDS without a request does: the server forgets the session."""
    Session.objects.all().delete()


def test_after_the_idle_timeout_the_passkey_unlocks_back_to_the_same_page(page, site, alice):
    add_virtual_authenticator(page)
    log_in_with_password(page, site, "alice@example.org")
    add_a_passkey(page, site)
    page.goto(site + "/treatments/")
    page.wait_for_selector("h1")
    treatments = page.url

    session_runs_out()
    # The next navigation (here a reload of the page left open) finds the session gone.
    page.reload()

    page.wait_for_selector("h1:has-text('Alice')")
    assert page.url.startswith(site + "/accounts/login/?next=/patients/")
    assert not page.is_visible("input[name=password]")
    assert not page.is_visible("text=alice@example.org")
    assert page.evaluate("document.body.hasAttribute('data-signed-in')") is False
    sessions_before = UserSession.objects.filter(user=alice).count()
    button = page.wait_for_selector("#passkey-verification-button")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lock-screen-390x844.png"))
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    button.click()

    page.wait_for_url(treatments)
    assert page.evaluate("document.body.hasAttribute('data-signed-in')") is True
    assert Session.objects.count() == 1
    # A sign-in like any other: the session's row in "Your sessions and devices".
    assert UserSession.objects.filter(user=alice).count() == sessions_before + 1


def test_after_signing_out_the_phone_shows_the_form_and_no_name(page, site, alice):
    add_virtual_authenticator(page)
    log_in_with_password(page, site, "alice@example.org")
    add_a_passkey(page, site)

    sign_out(page, site)
    page.goto(site + "/accounts/login/")

    page.wait_for_selector("input[name=password]")
    assert not page.is_visible("text=Alice")


def test_not_you_shows_the_password_form_and_forgets_the_phone(page, site, alice):
    add_virtual_authenticator(page)
    log_in_with_password(page, site, "alice@example.org")
    add_a_passkey(page, site)
    session_runs_out()
    page.goto(site + "/accounts/login/")
    page.wait_for_selector("#passkey-verification-button")

    page.click(".lock-screen__not-you button")

    page.wait_for_selector("input[name=password]")
    assert not page.is_visible("text=Alice")
    page.reload()
    page.wait_for_selector("input[name=password]")
