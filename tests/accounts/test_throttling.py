"""The attacks accounts.throttling stands against, written as an attacker runs them."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


def ask_reset(client, identifier, address="203.0.113.7"):
    return client.post(reverse("accounts:password_reset"), {"email": identifier}, REMOTE_ADDR=address)


def test_ten_reset_requests_send_at_most_the_hourly_limit_of_e_mails(client, alice, settings):
    answers = [ask_reset(client, "alice@example.org") for _request in range(10)]

    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ACCOUNT == 3
    # Every answer is the same page: it tells nothing of the limit nor of the account.
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("accounts:password_reset_done"))
    }


def test_reset_requests_from_many_addresses_still_send_at_most_the_limit(client, alice):
    for number in range(10):
        ask_reset(client, "alice@example.org", address=f"198.51.100.{number}")

    assert len(mail.outbox) == 3


def test_one_address_asking_resets_for_many_accounts_is_limited_too(client, settings):
    settings.PASSWORD_RESETS_PER_ADDRESS = 5
    for number in range(5):
        ask_reset(client, f"nobody{number}@example.org")
    PatientFactory(email="dave2@example.org")

    answer = ask_reset(client, "dave2@example.org")

    assert answer["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_fifty_failures_from_a_shared_address_never_stop_alices_api_token(client, alice):
    for number in range(50):
        client.post(reverse("api:token"), {"identifier": f"nobody{number}@example.org", "password": "x"})

    response = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})

    assert response.status_code == 200


def test_a_locked_api_token_says_how_long_to_wait(client, alice, settings):
    settings.LANGUAGE_CODE = "en"
    for _attempt in range(5):
        client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": "x"})

    locked = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})

    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "throttled"
    assert body["detail"] == "Too many failed attempts on this account. Try again in 30 seconds."
    assert body["wait"] in (29, 30)
