"""The site with its Redis cache down: signing in, the API, the patient's pages and the emergency page keep
answering, and work the same once Redis is back.

Redis is down in two ways: never reachable (a port nothing listens on: runs everywhere), and a private
redis-server killed with SIGKILL in the middle of the test (marked redis: CI runs it)."""

import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from sharing import services as sharing
from tests.factories import PASSWORD, HealthRecordFactory
from tests.private_redis import wait_until_the_cache_uses

pytestmark = pytest.mark.django_db


@pytest.fixture
def emergency_url(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"enabled": True, "blood_group": "O-"}, visible_sections=["blood_group"]
    )
    return reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])


def log_in(client, identifier="alice@example.org", password=PASSWORD, address="203.0.113.7"):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password}, REMOTE_ADDR=address)


def pages_of(patient) -> list[str]:
    record = HealthRecordFactory(patient=patient, title="Bilan sanguin")
    return [
        reverse("home"),
        reverse("health_records:timeline", kwargs={"patient_id": patient.public_id}),
        reverse("health_records:detail", kwargs={"record_id": record.public_id}),
    ]


def test_a_patient_signs_in_and_stays_signed_in_while_redis_is_down(client, alice, redis_down):
    assert log_in(client).status_code == 302

    for url in pages_of(alice):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["user"] == alice


def test_the_api_gives_a_token_and_takes_it_while_redis_is_down(client, alice, redis_down):
    response = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 200

    me = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.org"


def test_the_emergency_page_opens_for_a_valid_token_while_redis_is_down(client, emergency_url, redis_down):
    response = client.get(emergency_url)

    assert response.status_code == 200
    assert "O-" in response.content.decode()


def test_heart_code_guesses_are_still_limited_while_redis_is_down(client, emergency_url, redis_down):
    guesses = [client.get(reverse("sharing:emergency_page", args=[f"guess-{n}"])).status_code for n in range(31)]

    assert guesses == [404] * 30 + [429]
    assert client.get(emergency_url).status_code == 200


def test_passcode_guesses_still_lock_a_share_link_while_redis_is_down(client, alice, redis_down):
    _link, token, passcode = sharing.share_link_create(
        actor=alice, records=[HealthRecordFactory(patient=alice)], with_passcode=True
    )
    client.get(reverse("sharing:link_open", args=[token]))
    wrong = "000000" if passcode != "000000" else "111111"

    for _guess in range(5):
        client.post(reverse("sharing:link_start"), {"passcode": wrong})
    locked = client.post(reverse("sharing:link_start"), {"passcode": passcode})

    assert locked.status_code == 200
    assert locked.context["form"] is None  # even the right passcode waits for the lock to end
    assert client.get(reverse("sharing:link_records")).status_code == 404


@pytest.mark.redis
def test_a_session_opened_before_redis_died_lasts_through_the_outage_and_after(
    client, alice, emergency_url, cache_on_redis, private_redis
):
    cache_on_redis(private_redis.url)
    pages = pages_of(alice)
    assert log_in(client).status_code == 302

    private_redis.kill()
    for url in [*pages, emergency_url]:
        assert client.get(url).status_code == 200, url
    private_redis.start()

    for url in [*pages, emergency_url]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(reverse("home")).context["user"] == alice
    wait_until_the_cache_uses(private_redis)
    assert log_in(Client(), password="wrong-password").status_code == 200
    assert private_redis.keys("*abuse:sign-in:account:*")


@pytest.mark.redis
def test_a_hung_redis_costs_a_page_little_and_never_an_endless_wait(
    transactional_db, client, alice, emergency_url, cache_on_redis, private_redis
):
    """A frozen Redis takes connections and answers nothing: each cache operation would wait for the socket
    timeout if the process kept asking it (a failed sign-in reads and counts four counters)."""
    cache_on_redis(private_redis.url)

    def browse(statuses: list[int]) -> float:
        started = time.monotonic()
        for attempt in range(ATTEMPTS):
            address = f"198.51.100.{len(statuses)}"
            statuses.append(log_in(client, f"nobody{attempt}@example.org", "wrong", address=address).status_code)
            statuses.append(client.get(emergency_url, REMOTE_ADDR=address).status_code)
        return time.monotonic() - started

    healthy: list[int] = []
    healthy_seconds = browse(healthy)
    private_redis.freeze()
    frozen: list[int] = []
    durations: list[float] = []

    def browse_frozen():
        try:
            durations.append(browse(frozen))
        finally:
            connections.close_all()  # the thread's own database connection: else it outlives the test

    browsing = threading.Thread(target=browse_frozen, daemon=True)
    browsing.start()
    browsing.join(timeout=120)

    assert not browsing.is_alive(), "a page waited for the frozen Redis"
    assert healthy == frozen == [200] * 2 * ATTEMPTS
    # Asking Redis each time would cost seconds a sign-in; a probe every few seconds costs a few tenths.
    assert durations[0] < 2 * healthy_seconds + 2.0, (healthy_seconds, durations[0])


ATTEMPTS = 20
