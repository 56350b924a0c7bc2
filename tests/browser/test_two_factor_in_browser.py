import base64

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from tests.two_factor import code_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_password(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")


def set_up_the_authenticator(page):
    """Reads the key shown for manual entry, as an app would take it, and types the app's code."""
    secret = page.text_content("[data-testid=totp-secret]").replace(" ", "")
    assert page.locator(".qr svg").count() == 1
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{TOTP(key).token():06d}")
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("[data-testid=recovery-codes]")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10


def test_a_patient_sets_up_an_authenticator_and_signs_in_with_its_code(page, alice):
    type_password(page, alice.email)
    page.goto(page.base_url + "/accounts/profile/")
    page.click("text=Sécurité et double authentification")
    page.click("text=Configurer une application d’authentification")
    set_up_the_authenticator(page)
    page.click("text=Je les ai gardés, continuer")
    page.context.clear_cookies()

    type_password(page, alice.email)
    assert "/accounts/login/second-step/" in page.url
    page.fill("input[name=code]", code_of(TOTPDevice.objects.get(user=alice)))
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")

    assert page.text_content("h1") == "Bonjour Alice"


def test_a_professional_must_set_up_a_second_factor_at_the_next_sign_in(page, bob):
    type_password(page, bob.email)

    assert "/accounts/security/" in page.url
    assert "Votre compte professionnel doit être protégé par une double authentification" in page.content()
    page.goto(page.base_url + "/accounts/directory/")  # nothing else opens until it is done
    assert "/accounts/security/" in page.url
    page.click("text=Configurer une application d’authentification")
    set_up_the_authenticator(page)
    page.click("text=Je les ai gardés, continuer")
    page.wait_for_selector("h1")

    assert "/accounts/directory/" in page.url  # where they were going
    assert TOTPDevice.objects.get(user=bob).confirmed
