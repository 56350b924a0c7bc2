"""A phone-only patient gets back into their account with a code sent by SMS, on a phone, in French.

The live server runs in the test's process and tasks run at once, so the codes land in the same
`notifications.sms.outbox` the test reads.
"""

import os
import time

import pytest

from tests.factories import PASSWORD, PatientFactory
from tests.sms import PHONE, another_code, texted_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]

SHOTS = os.environ.get("SMS_SHOTS_DIR", "/tmp/shots/sms")  # noqa: S108 (screenshots to look at, not secrets)
NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"


@pytest.fixture
def french_page(page):
    """The page of a visitor whose phone speaks French: before signing in, the browser's language counts."""
    page.set_extra_http_headers({"Accept-Language": "fr-FR,fr;q=0.9"})
    return page


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def texted_to(outbox, number: str, *, count: int):
    """The `count`-th message to `number`, once the live server has sent it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        messages = [message for message in outbox if message.to == number]
        if len(messages) >= count:
            return messages[count - 1]
        time.sleep(0.1)
    pytest.fail(f"no SMS number {count} to {number}")


def test_a_phone_only_patient_resets_their_password_with_a_texted_code(french_page, sms_outbox):
    page = french_page
    PatientFactory(email=None, phone=PHONE, first_name="Paul")

    page.goto(page.base_url + "/accounts/login/")
    page.click("text=Mot de passe oublié ?")
    page.fill("input[name=email]", "06 12 34 56 78")
    shot(page, "1-reset-page")
    page.click("button:has-text('Continuer')")

    page.wait_for_selector("h1:has-text('Saisissez le code')")
    assert page.is_visible("text=Si un compte utilise le 06 12 34 56 78")
    page.fill("input[name=code]", texted_code(texted_to(sms_outbox, PHONE, count=1)))
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    shot(page, "2-code-page")
    page.click("button:has-text('Enregistrer mon nouveau mot de passe')")

    page.wait_for_selector("h1:has-text('Votre mot de passe est modifié')")
    shot(page, "3-password-changed")
    assert "a été changé" in texted_to(sms_outbox, PHONE, count=2).body
    page.click("main a:has-text('Se connecter')")
    page.fill("input[name=username]", "06 12 34 56 78")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1:has-text('Bonjour Paul')")
    # The code proved the phone is his: no banner asks him to confirm it.
    assert not page.is_visible("text=Confirmez votre numéro de téléphone")
    shot(page, "4-signed-in")


def test_a_wrong_code_says_so_and_keeps_the_old_password(french_page, sms_outbox):
    page = french_page
    PatientFactory(email=None, phone=PHONE, first_name="Paul")

    page.goto(page.base_url + "/accounts/password/reset/")
    page.fill("input[name=email]", "+33 6 12 34 56 78")
    page.click("button:has-text('Continuer')")
    page.wait_for_selector("h1:has-text('Saisissez le code')")
    code = texted_code(texted_to(sms_outbox, PHONE, count=1))
    page.fill("input[name=code]", another_code(code))
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("button:has-text('Enregistrer mon nouveau mot de passe')")

    page.wait_for_selector("text=Ce code est faux ou ne fonctionne plus")
    shot(page, "5-wrong-code")


def test_a_patient_confirms_their_phone_from_the_banner(french_page, sms_outbox):
    page = french_page
    PatientFactory(email=None, phone=PHONE, first_name="Paul")

    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "06 12 34 56 78")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("text=Confirmez votre numéro de téléphone")
    shot(page, "6-banner")
    page.click(".phone-banner button:has-text('M’envoyer un code')")

    page.wait_for_selector("h1:has-text('Confirmez votre numéro de téléphone')")
    shot(page, "7-confirm-page")
    page.fill("input[name=code]", texted_code(texted_to(sms_outbox, PHONE, count=1)))
    page.click("button:has-text('Confirmer')")

    page.wait_for_selector("text=Votre numéro de téléphone est confirmé.")
    assert not page.is_visible(".phone-banner")
    shot(page, "8-confirmed")
