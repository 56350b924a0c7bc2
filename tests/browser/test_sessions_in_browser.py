import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "alice@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1:has-text('Bonjour Alice')")


def test_a_browser_signed_out_from_another_is_signed_out_at_its_next_page(page, alice):
    sign_in(page)
    other_context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = other_context.new_page()
    other.base_url = page.base_url
    sign_in(other)

    page.goto(page.base_url + "/accounts/sessions/")
    assert page.locator("tr[data-session]").count() == 2
    this_one = page.locator("tr[data-session]", has_text="cet appareil")
    assert this_one.locator("button").count() == 0
    page.locator("tr[data-session]", has_not_text="cet appareil").locator("button", has_text="Déconnecter").click()

    page.wait_for_selector("text=est déconnecté")
    assert page.locator("tr[data-session]").count() == 1
    other.goto(other.base_url + "/accounts/profile/")
    assert "/accounts/login/" in other.url
    page.goto(page.base_url + "/accounts/profile/")
    assert "/accounts/profile/" in page.url
    other_context.close()
