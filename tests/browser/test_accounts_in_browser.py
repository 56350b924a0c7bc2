import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_logs_in_on_a_phone_and_reaches_their_home(page, alice):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "alice@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")

    page.wait_for_selector("h1:has-text('Bonjour Alice')")
    assert page.is_visible("text=Mes dossiers de santé")
    # On a phone the menu folds behind a button, which opens it.
    assert not page.is_visible("#site-nav")
    page.click(".nav-toggle")
    assert page.is_visible("#site-nav >> text=Mon profil")


def test_the_language_switcher_works_without_inline_script(page, alice):
    page.goto(page.base_url + "/accounts/login/")
    page.click(".nav-toggle")
    page.select_option("#language-select", "en")

    page.wait_for_selector("h1:has-text('Log in to ReLyfe')")
