import pytest
from django.core.cache import cache
from django.urls import reverse

from relyfe import abuse
from relyfe.identifiers import canonical_identifier
from tests.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


def log_in(client, identifier, password=PASSWORD, address="203.0.113.7"):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("identifier", ["alice@example.org", "ALICE@example.org "])
def test_a_user_logs_in_with_their_email(client, alice, identifier):
    response = log_in(client, identifier)

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == alice


@pytest.mark.parametrize("identifier", ["06 12 34 56 78", "+33612345678", "+33 6 12 34 56 78"])
def test_a_user_logs_in_with_their_phone_in_national_or_e164_form(client, identifier):
    user = PatientFactory(email=None, phone="+33612345678")

    response = log_in(client, identifier)

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_a_user_with_both_identifiers_logs_in_with_either(client):
    PatientFactory(email="both@example.org", phone="+33781234567")

    assert log_in(client, "both@example.org").status_code == 302
    client.logout()
    assert log_in(client, "07 81 23 45 67").status_code == 302


def test_a_wrong_password_shows_a_clear_error(client, alice):
    response = log_in(client, "alice@example.org", "wrong-password")

    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", "invalid_login")
    assert not response.context["user"].is_authenticated


def test_the_account_is_locked_after_five_failures_even_with_the_right_password(client, alice):
    for _attempt in range(5):
        log_in(client, "alice@example.org", "wrong-password")

    response = log_in(client, "alice@example.org")

    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", "locked")
    assert "Trop de tentatives" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_the_lock_counts_every_form_of_the_same_phone(client):
    PatientFactory(email=None, phone="+33612345678")
    for written in ["0612345678", "06 12 34 56 78", "+33612345678", "+33 6 12 34 56 78", "06.12.34.56.78"]:
        log_in(client, written, "wrong-password")

    assert log_in(client, "06 12 34 56 78").context["form"].has_error("__all__", "locked")


def test_other_accounts_still_log_in_from_another_address_when_one_is_locked(client, alice, dave):
    for _attempt in range(5):
        log_in(client, "alice@example.org", "wrong-password")

    assert log_in(client, "dave@example.org", address="198.51.100.1").status_code == 302


def test_fifty_failures_from_a_shared_address_never_stop_alices_right_password(client, alice):
    """A hospital's network or a NAT: one address for everyone, and someone there guessing passwords."""
    for number in range(50):
        log_in(client, f"nobody{number}@example.org", "wrong-password", address="192.0.2.9")

    response = log_in(client, "alice@example.org", address="192.0.2.9")

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == alice


def test_past_the_address_limit_one_failure_locks_the_account_it_tried(client, alice, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(client, f"nobody{number}@example.org", "wrong-password", address="192.0.2.9")

    log_in(client, "alice@example.org", "wrong-password", address="192.0.2.9")
    locked = log_in(client, "alice@example.org", address="192.0.2.10")

    assert locked.context["form"].has_error("__all__", "locked")


def test_the_lock_says_how_long_to_wait_and_doubles_with_each_further_failure(client, alice, settings):
    settings.LANGUAGE_CODE = "en"
    for _attempt in range(5):
        log_in(client, "alice@example.org", "wrong-password")
    first = log_in(client, "alice@example.org")
    clear_the_wait("alice@example.org")
    log_in(client, "alice@example.org", "wrong-password")
    second = log_in(client, "alice@example.org")
    for _attempt in range(10):
        clear_the_wait("alice@example.org")
        log_in(client, "alice@example.org", "wrong-password")
    longest = log_in(client, "alice@example.org")

    wait = "Too many failed attempts on this account. For your security, try again in {}."
    assert wait.format("30 seconds") in first.content.decode()
    assert wait.format("1 minute") in second.content.decode()
    assert wait.format("15 minutes") in longest.content.decode()


def clear_the_wait(identifier):
    """As if the wait were over: the failures stay counted."""
    cache.delete(abuse.cache_key("sign-in:account", ":".join(canonical_identifier(identifier))) + ":until")


def test_a_successful_login_resets_the_account_counter(client, alice):
    for _attempt in range(4):
        log_in(client, "alice@example.org", "wrong-password")
    assert log_in(client, "alice@example.org").status_code == 302
    client.logout()

    for _attempt in range(4):
        log_in(client, "alice@example.org", "wrong-password")

    assert log_in(client, "alice@example.org").status_code == 302


def test_the_admin_login_is_throttled_too(client, staff):
    for _attempt in range(5):
        client.post(reverse("admin:login"), {"username": "staff@example.org", "password": "wrong"})

    client.post(reverse("admin:login"), {"username": "staff@example.org", "password": PASSWORD})

    assert client.get(reverse("admin:index")).status_code == 302


def test_an_inactive_user_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()

    assert log_in(client, "alice@example.org").status_code == 200


def test_logging_in_speaks_the_users_language(client):
    PatientFactory(email="en@example.org", language="en")

    response = log_in(client, "en@example.org")

    assert response.cookies["django_language"].value == "en"
    assert "My health records" in client.get(reverse("home")).content.decode()


def test_logging_out_ends_the_session(client, alice):
    client.force_login(alice)

    client.post(reverse("accounts:logout"))

    assert not client.get(reverse("home")).context["user"].is_authenticated
