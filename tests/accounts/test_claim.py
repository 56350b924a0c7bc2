import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccountClaim, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"
INVALID_CODE_MESSAGE = "This code is not valid, or it has expired. Ask the professional for a new one."


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def pending(bob):
    """A patient account bob created after a face identification found nobody: (user, code)."""
    return services.patient_create_for_claim(
        created_by=bob,
        public_id=uuid.uuid4(),
        first_name="Élise",
        last_name="Moreau",
        approximate_birth_year=1980,
        language="en",
    )


def claim_form(code, **overrides):
    data = {"code": code, "email": "", "phone": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return {**data, **overrides}


def sloppy(code: str) -> str:
    """The code as a patient may type it on a phone: lower case, without dashes, with spaces."""
    return " " + code.replace("-", "").lower()[:6] + " " + code.replace("-", "").lower()[6:]


def test_a_patient_claims_the_account_and_is_signed_in(client, pending):
    user, code = pending

    response = client.post(reverse("accounts:claim"), claim_form(sloppy(code), email="Elise@Example.org"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:claim_done")
    assert client.get("/").context["user"] == user
    user.refresh_from_db()
    assert user.claim_pending is False
    assert user.email == "elise@example.org"
    assert user.check_password(NEW_PASSWORD)
    assert AccountClaim.objects.get(user=user).claimed_at is not None


def test_the_done_page_welcomes_the_patient_and_points_to_their_file(client, pending):
    _user, code = pending
    client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"))

    page = client.get(reverse("accounts:claim_done")).content.decode()

    assert "Welcome to ReLyfe, Élise" in page
    assert reverse("home") in page and reverse("health_records:mine") in page
    assert reverse("faces:mine") in page


def test_after_claiming_the_patient_logs_in_with_the_password(client, pending):
    user, code = pending
    client.post(reverse("accounts:claim"), claim_form(code, phone="06 12 34 56 78"))
    client.logout()

    response = client.post(reverse("accounts:login"), {"username": "06 12 34 56 78", "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_an_email_the_professional_recorded_is_kept_when_the_patient_leaves_it_empty(client, bob):
    user, code = services.patient_create_for_claim(
        created_by=bob,
        public_id=uuid.uuid4(),
        first_name="Élise",
        last_name="Moreau",
        approximate_birth_year=None,
        language="en",
        email="elise@example.org",
    )

    weak = client.post(reverse("accounts:claim"), claim_form(code, password1="123", password2="123"))
    client.post(reverse("accounts:claim"), claim_form(code))

    assert "Your account already has the address elise@example.org" in weak.content.decode()
    user.refresh_from_db()
    assert user.claim_pending is False and user.email == "elise@example.org"


def test_a_claim_needs_an_email_or_a_phone_when_the_account_has_none(client, pending):
    user, code = pending

    response = client.post(reverse("accounts:claim"), claim_form(code))

    assert response.context["form"].has_error("__all__", "no_identifier")
    user.refresh_from_db()
    assert user.claim_pending is True


def test_a_claim_refuses_mismatched_passwords_and_keeps_the_account_pending(client, pending):
    user, code = pending

    response = client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org", password2="other"))

    assert response.context["form"].has_error("password2", "password_mismatch")
    user.refresh_from_db()
    assert user.claim_pending is True and not user.has_usable_password()


def test_a_claim_refuses_an_email_another_account_uses(client, pending, alice):
    user, code = pending

    response = client.post(reverse("accounts:claim"), claim_form(code, email="ALICE@example.org"))

    assert response.context["form"].has_error("email", "duplicate")
    user.refresh_from_db()
    assert user.claim_pending is True


def test_a_wrong_code_is_refused_and_nothing_changes(client, pending):
    user, _code = pending

    response = client.post(reverse("accounts:claim"), claim_form("ABCD-EFGH-JKLM", email="elise@example.org"))

    assert response.status_code == 200
    assert INVALID_CODE_MESSAGE in response.content.decode()
    assert response.context["user"].is_anonymous
    user.refresh_from_db()
    assert user.claim_pending is True and user.email is None


def test_an_expired_code_is_refused(client, pending):
    user, code = pending
    AccountClaim.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"))

    assert INVALID_CODE_MESSAGE in response.content.decode()
    user.refresh_from_db()
    assert user.claim_pending is True


def test_a_code_works_only_once(client, pending):
    user, code = pending
    client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"))
    client.logout()

    again = client.post(reverse("accounts:claim"), claim_form(code, email="someone@example.org", password1="x"))

    assert INVALID_CODE_MESSAGE in again.content.decode()
    user.refresh_from_db()
    assert user.email == "elise@example.org"


def test_wrong_codes_from_an_address_wait_but_the_right_code_still_works(client, settings, pending):
    settings.CLAIM_FAILURES_PER_ADDRESS = 3
    user, code = pending
    for wrong in ["AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB"]:
        assert INVALID_CODE_MESSAGE in client.post(reverse("accounts:claim"), claim_form(wrong)).content.decode()

    third = client.post(reverse("accounts:claim"), claim_form("CCCC-CCCC-CCCC"))
    fourth = client.post(reverse("accounts:claim"), claim_form("DDDD-DDDD-DDDD"))
    right = client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"))

    for response in (third, fourth):
        assert response.context["form"].has_error("code", "locked")
        assert "Too many wrong codes. For your security, try again in 30 seconds." in response.content.decode()
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.claim_pending is False


def test_another_address_is_not_locked(client, settings, pending):
    settings.LOGIN_FAILURES_PER_ADDRESS = 1
    user, code = pending
    client.post(reverse("accounts:claim"), claim_form("AAAA-AAAA-AAAA"), REMOTE_ADDR="203.0.113.9")

    client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"), REMOTE_ADDR="203.0.113.10")

    user.refresh_from_db()
    assert user.claim_pending is False


def test_the_claim_page_never_takes_the_code_from_the_url(client, pending):
    _user, code = pending

    response = client.get(reverse("accounts:claim"), {"code": code})

    form = response.context["form"]
    assert not form.is_bound and form["code"].value() is None
    assert f'value="{code}"' not in response.content.decode()


def test_the_creator_renews_the_code_and_the_old_one_stops_working(client, settings, bob, pending):
    settings.SITE_URL = "https://relyfe.example"
    user, old_code = pending
    client.force_login(bob)

    response = client.post(reverse("accounts:claim_renew", args=[user.public_id]))

    new_code = response.context["claim_code"]
    assert response.status_code == 200
    assert new_code != old_code
    page = response.content.decode()
    assert new_code in page and "Élise Moreau" in page
    assert "https://relyfe.example/accounts/claim/" in page
    assert "no-store" in response["Cache-Control"]
    client.logout()
    refused = client.post(reverse("accounts:claim"), claim_form(old_code, email="elise@example.org"))
    assert INVALID_CODE_MESSAGE in refused.content.decode()
    client.post(reverse("accounts:claim"), claim_form(new_code, email="elise@example.org"))
    assert User.objects.get(pk=user.pk).claim_pending is False


def test_another_professional_cannot_renew_the_code(client, charlie, pending):
    user, code = pending
    client.force_login(charlie)

    response = client.post(reverse("accounts:claim_renew", args=[user.public_id]))

    assert response.status_code == 404
    assert services.account_claim_find(code) is not None


def test_the_patient_cannot_renew_their_own_code(client, alice):
    client.force_login(alice)

    response = client.post(reverse("accounts:claim_renew", args=[alice.public_id]))

    assert response.status_code == 404


def test_a_claimed_account_gets_no_new_code(client, bob, pending):
    user, code = pending
    client.post(reverse("accounts:claim"), claim_form(code, email="elise@example.org"))
    client.force_login(bob)

    response = client.post(reverse("accounts:claim_renew", args=[user.public_id]))

    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_to_renew(client, pending):
    user, code = pending

    response = client.post(reverse("accounts:claim_renew", args=[user.public_id]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert services.account_claim_find(code) is not None


def test_renewing_takes_a_post(client, bob, pending):
    user, _code = pending
    client.force_login(bob)

    assert client.get(reverse("accounts:claim_renew", args=[user.public_id])).status_code == 405
