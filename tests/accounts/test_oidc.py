"""Signing professionals in with an OpenID Connect provider (Pro Santé Connect), through a real provider on the
loopback (tests/accounts/oidc_provider.py): the test client goes to ReLyfe, the provider and back, and ReLyfe
calls the provider's token, JWKS and user info endpoints over HTTP."""

import html

import pytest
import requests
from django.contrib.auth.signals import user_logged_in
from django.urls import reverse

from accounts.oidc import rpps_from_claim
from tests.accounts.oidc_provider import OIDCTestProvider
from tests.factories import (
    PatientFactory,
    ProfessionalFactory,
    ProfessionalProfileFactory,
    StaffFactory,
    rpps_with_a_valid_key,
)

pytestmark = pytest.mark.django_db

BACKEND = "accounts.oidc.ProfessionalOIDCBackend"
REFUSED = "La connexion avec Pro Santé Connect n’a pas abouti."


@pytest.fixture
def provider():
    provider = OIDCTestProvider()
    yield provider
    provider.close()


@pytest.fixture
def oidc_on(settings, provider):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    return provider


@pytest.fixture
def doctor(db):
    return ProfessionalFactory(email="doctor@example.org", first_name="Hélène", verified=True)


def signs_in_as(provider, rpps):
    """The provider will vouch for this RPPS number, as PSC does: "8" and the number in preferred_username."""
    provider.claims = {**provider.claims, "preferred_username": f"8{rpps}"}


def sign_in_with_the_provider(client, provider, start_query=""):
    """Press the button, pass through the provider, come back: the page the professional ends on."""
    start = client.get(reverse("accounts:oidc_start") + start_query)
    assert start.status_code == 302 and start.url.startswith(provider.url)
    at_provider = requests.get(start.url, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    return client.get(at_provider.headers["Location"], follow=True)


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_a_professional_signs_in_with_their_rpps_number_and_the_session_is_strongly_authenticated(
    client, oidc_on, doctor
):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on)

    assert response.status_code == 200
    assert response.context["user"] == doctor
    assert client.session["accounts_strong_auth"] == "pro_sante_connect"
    assert client.session["_auth_user_backend"] == BACKEND


def test_a_professional_signed_in_with_a_password_steps_up_in_a_new_session(client, oidc_on, doctor):
    client.force_login(doctor)
    password_session_key = client.session.session_key
    signs_in_as(oidc_on, doctor.professional_profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on)

    assert response.context["user"] == doctor
    assert client.session["accounts_strong_auth"] == "pro_sante_connect"
    assert client.session.session_key != password_session_key


def test_a_sign_in_with_the_provider_is_recorded_like_any_sign_in(client, oidc_on, doctor):
    signed_in = []

    def receiver(sender, user, request, **kwargs):
        signed_in.append(user)

    user_logged_in.connect(receiver)
    try:
        signs_in_as(oidc_on, doctor.professional_profile.rpps)
        sign_in_with_the_provider(client, oidc_on)
    finally:
        user_logged_in.disconnect(receiver)

    assert signed_in == [doctor]
    doctor.refresh_from_db()
    assert doctor.last_login is not None


def test_the_request_asks_for_pkce_state_nonce_and_the_configured_scopes(client, oidc_on, doctor, settings):
    settings.OIDC_RP_SCOPES = "openid scope_all"
    signs_in_as(oidc_on, doctor.professional_profile.rpps)

    sign_in_with_the_provider(client, oidc_on)

    [asked] = oidc_on.authorization_requests
    assert asked["scope"] == "openid scope_all"
    assert asked["code_challenge_method"] == "S256"
    assert asked["acr_values"] == "eidas1"
    assert asked["state"] and asked["nonce"]


def test_the_professional_comes_back_to_the_page_they_were_going_to(client, oidc_on, doctor):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on, "?next=/accounts/profile/")

    assert response.redirect_chain[-1][0] == "/accounts/profile/"
    assert response.context["user"] == doctor


def test_an_rpps_number_without_an_account_shows_a_clear_page_with_a_sign_up_link(client, oidc_on, doctor):
    # A valid number that no factory gives: the first professional a test process creates has 10000000009.
    signs_in_as(oidc_on, rpps_with_a_valid_key("1999999999"))

    response = sign_in_with_the_provider(client, oidc_on)

    assert response.redirect_chain[-1][0] == reverse("accounts:oidc_refused")
    assert "Aucun compte ReLyfe n’est associé à ce numéro RPPS" in text_of(response)
    assert reverse("accounts:sign_up_professional") in text_of(response)
    assert not response.context["user"].is_authenticated


def test_an_account_staff_have_not_verified_is_not_signed_in(client, oidc_on):
    unverified = ProfessionalFactory(verified=False)
    signs_in_as(oidc_on, unverified.professional_profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on)

    assert "Votre compte n’est pas encore vérifié" in text_of(response)
    assert not response.context["user"].is_authenticated


@pytest.mark.parametrize("account", ["patient", "staff"])
def test_a_patient_or_staff_account_is_never_signed_in_even_with_an_rpps_number_on_file(client, oidc_on, account):
    user = PatientFactory() if account == "patient" else StaffFactory()
    profile = ProfessionalProfileFactory(user=user, verified=True)
    signs_in_as(oidc_on, profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on)

    assert "Aucun compte ReLyfe n’est associé à ce numéro RPPS" in text_of(response)
    assert not response.context["user"].is_authenticated
    assert "accounts_strong_auth" not in client.session


def test_a_patients_identifier_in_the_claim_is_refused(client, oidc_on, alice):
    oidc_on.claims = {**oidc_on.claims, "preferred_username": alice.email}

    response = sign_in_with_the_provider(client, oidc_on)

    assert "Aucun compte ReLyfe n’est associé à ce numéro RPPS" in text_of(response)
    assert not response.context["user"].is_authenticated


def test_an_inactive_professional_is_not_signed_in(client, oidc_on, doctor):
    doctor.is_active = False
    doctor.save()
    signs_in_as(oidc_on, doctor.professional_profile.rpps)

    response = sign_in_with_the_provider(client, oidc_on)

    assert not response.context["user"].is_authenticated


@pytest.mark.parametrize(
    ("misbehaviour", "value"),
    [
        ("id_token_nonce", "not-the-nonce"),
        ("sign_with_another_key", True),
        ("tamper_with_payload", True),
        ("audience", "another-client"),
    ],
    ids=["wrong-nonce", "signed-by-another-key", "payload-changed-after-signing", "token-for-another-client"],
)
def test_an_id_token_that_fails_its_checks_is_refused_with_a_message(client, oidc_on, doctor, misbehaviour, value):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)
    setattr(oidc_on, misbehaviour, value)

    response = sign_in_with_the_provider(client, oidc_on)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert REFUSED in text_of(response)
    assert not response.context["user"].is_authenticated


def test_a_code_verifier_that_does_not_match_the_challenge_is_refused_by_the_provider(client, oidc_on, doctor):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)
    start = client.get(reverse("accounts:oidc_start"))
    session = client.session
    for state in session["oidc_states"].values():
        state["code_verifier"] = "x" * 64
    session.save()
    at_provider = requests.get(start.url, allow_redirects=False, timeout=5)

    response = client.get(at_provider.headers["Location"], follow=True)

    assert REFUSED in text_of(response)
    assert not response.context["user"].is_authenticated


def test_a_professional_who_cancels_at_the_provider_lands_on_the_login_page_with_a_message(client, oidc_on, doctor):
    oidc_on.deny = True

    response = sign_in_with_the_provider(client, oidc_on)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "La connexion avec Pro Santé Connect a été annulée." in text_of(response)
    assert not response.context["user"].is_authenticated


def test_a_callback_with_a_state_this_browser_never_asked_for_is_refused_without_an_error(client, oidc_on, doctor):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)
    client.get(reverse("accounts:oidc_start"))  # this browser has a state of its own, another one comes back

    response = client.get(reverse("accounts:oidc_callback"), {"code": "stolen", "state": "forged"}, follow=True)

    assert response.status_code == 200
    assert REFUSED in text_of(response)
    assert not response.context["user"].is_authenticated


def test_a_provider_that_does_not_answer_fails_the_sign_in_with_a_message(client, oidc_on, doctor):
    signs_in_as(oidc_on, doctor.professional_profile.rpps)
    start = client.get(reverse("accounts:oidc_start"))
    at_provider = requests.get(start.url, allow_redirects=False, timeout=5)
    oidc_on.close()  # the provider goes down between the browser's visit and ReLyfe's call

    response = client.get(at_provider.headers["Location"], follow=True)

    assert REFUSED in text_of(response)
    assert not response.context["user"].is_authenticated


def test_the_login_page_offers_the_provider_when_it_is_on(client, oidc_on):
    response = client.get(reverse("accounts:login"))

    assert "Se connecter avec Pro Santé Connect" in text_of(response)
    assert reverse("accounts:oidc_start") in text_of(response)


def test_the_button_says_the_configured_label(client, oidc_on, settings):
    settings.OIDC_PROVIDER_LABEL = "Keycloak de l’hôpital"

    response = client.get(reverse("accounts:login"))

    assert "Se connecter avec Keycloak de l’hôpital" in text_of(response)


def test_when_off_nothing_of_it_is_reachable(client, settings):
    assert settings.OIDC_ENABLED is False  # the default
    assert BACKEND not in settings.AUTHENTICATION_BACKENDS

    assert "Pro Santé Connect" not in text_of(client.get(reverse("accounts:login")))
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback"), {"code": "c", "state": "s"}).status_code == 404
    assert client.get(reverse("accounts:oidc_refused")).status_code == 404


def test_when_off_the_backend_signs_in_nobody_even_if_listed(client, settings, provider, doctor):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    signs_in_as(provider, doctor.professional_profile.rpps)
    start = client.get(reverse("accounts:oidc_start"))
    at_provider = requests.get(start.url, allow_redirects=False, timeout=5)
    settings.OIDC_ENABLED = False

    response = client.get(at_provider.headers["Location"])

    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_the_refused_page_without_a_refusal_sends_to_the_login_page(client, oidc_on):
    response = client.get(reverse("accounts:oidc_refused"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


@pytest.mark.parametrize(
    ("claim", "rpps"),
    [
        ("810003456789", "10003456789"),  # PSC's national identifier: "8" and the RPPS number
        ("10003456789", "10003456789"),  # the bare RPPS number
        ("0751234567", None),  # an ADELI national identifier ("0" and 9 digits) is no RPPS number
        ("910003456789", None),
        ("1000345678", None),
        (None, None),
        (810003456789, None),
    ],
    ids=["psc-national-identifier", "bare-rpps", "adeli", "other-prefix", "ten-digits", "missing", "not-a-string"],
)
def test_the_rpps_number_is_read_from_the_claim(claim, rpps):
    assert rpps_from_claim(claim) == rpps
