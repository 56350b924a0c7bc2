"""Sign-in and texted-code limits while the Redis cache is down: they still limit (each process counts in its
own memory), they are never lifted.

`redis_down` (tests/private_redis.py): Redis never reachable, or a private redis-server killed (marked redis)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.private_redis import wait_until_the_cache_uses

pytestmark = pytest.mark.django_db


def log_in(client, identifier="alice@example.org", password=PASSWORD, address="203.0.113.7"):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password}, REMOTE_ADDR=address)


def ask_token(client, password=PASSWORD):
    return client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": password})


def test_a_brute_force_on_the_sign_in_page_is_still_stopped_while_redis_is_down(client, alice, redis_down, settings):
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        assert log_in(client, password="wrong-password").status_code == 200

    response = log_in(client)

    assert response.context["form"].has_error("__all__", "locked")
    assert not response.context["user"].is_authenticated


def test_a_brute_force_on_the_api_token_is_still_stopped_while_redis_is_down(client, alice, redis_down, settings):
    refused = [
        ask_token(client, "wrong-password").status_code for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT)
    ]

    locked = ask_token(client)

    assert refused == [400] * (settings.LOGIN_FAILURES_PER_ACCOUNT - 1) + [429]
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"


def test_an_address_trying_many_accounts_is_still_held_while_redis_is_down(client, alice, dave, redis_down, settings):
    """Past its limit, one failure from the address locks the account it tried; the right password still
    signs in an account that is not locked."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(client, f"nobody{number}@example.org", "wrong-password", address="192.0.2.9")

    log_in(client, "dave@example.org", "wrong-password", address="192.0.2.9")

    assert log_in(client, "dave@example.org", address="192.0.2.10").context["form"].has_error("__all__", "locked")
    assert log_in(client, address="192.0.2.9").status_code == 302


def test_the_texted_codes_stop_at_the_hourly_limit_while_redis_is_down(
    client, phone_only, redis_down, settings, sms_outbox, tasks_run_at_once, django_capture_on_commit_callbacks
):
    for _request in range(settings.PHONE_CODES_PER_NUMBER):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})

    response = client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})

    assert len(sms_outbox) == settings.PHONE_CODES_PER_NUMBER
    assert "Trop de codes ont été demandés" in response.content.decode()


@pytest.mark.redis
def test_failures_counted_before_redis_died_and_after_still_lock_the_account(
    client, alice, cache_on_redis, private_redis, settings
):
    """Redis's count is lost with it: the lock comes at the latest after the limit counted again in memory."""
    cache_on_redis(private_redis.url)
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        log_in(client, password="wrong-password")

    private_redis.kill()
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        log_in(client, password="wrong-password")

    assert log_in(client).context["form"].has_error("__all__", "locked")


@pytest.mark.redis
def test_once_redis_is_back_its_counters_lock_again(client, alice, cache_on_redis, private_redis, settings):
    cache_on_redis(private_redis.url)
    private_redis.kill()
    assert log_in(client).status_code == 302
    client.logout()
    private_redis.start()
    wait_until_the_cache_uses(private_redis)

    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        log_in(client, password="wrong-password")

    assert log_in(client).context["form"].has_error("__all__", "locked")
    assert private_redis.keys("*abuse:sign-in:account:*")
