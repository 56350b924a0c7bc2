import pytest

from tests.accounts.oidc_provider import OIDCTestProvider
from tests.factories import ProfessionalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings):
    provider = OIDCTestProvider()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.ProfessionalOIDCBackend"]
    yield provider
    provider.close()


def test_a_professional_presses_the_pro_sante_connect_button_and_is_signed_in(page, provider):
    doctor = ProfessionalFactory(first_name="Hélène", verified=True)
    provider.claims = {**provider.claims, "preferred_username": f"8{doctor.professional_profile.rpps}"}

    page.goto(page.base_url + "/accounts/login/")
    # Chromium asks for English: the button speaks it until the professional's own language takes over.
    page.click("text=Log in with Pro Santé Connect")

    page.wait_for_selector("h1:has-text('Bonjour Hélène')")
    assert page.url == page.base_url + "/"
