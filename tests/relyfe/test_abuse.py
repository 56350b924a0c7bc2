"""relyfe.abuse: the client's address through trusted proxies, and the counters every limit uses."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from relyfe import abuse
from tests.factories import PASSWORD

factory = RequestFactory()


def request_from(peer, forwarded_for=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return factory.get("/", **extra)


# --- The client's address -------------------------------------------------------------------------


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert abuse.client_address(request_from("192.0.2.9", "198.51.100.1")) == "192.0.2.9"


def test_a_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert abuse.client_address(request_from("192.0.2.9", "198.51.100.1")) == "192.0.2.9"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert abuse.client_address(request_from("10.0.0.1", "198.51.100.1")) == "198.51.100.1"


def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client(settings):
    """The client wrote the left-most entries itself: only what our proxies appended is believed."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    forged_then_real = "1.2.3.4, 198.51.100.1, 10.1.2.3"

    assert abuse.client_address(request_from("2001:db8::5", forged_then_real)) == "198.51.100.1"


def test_garbage_passed_along_by_a_trusted_proxy_leaves_the_last_address_it_vouched_for(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert abuse.client_address(request_from("10.0.0.1", "not-an-address, 10.0.0.2")) == "10.0.0.2"


def test_a_request_behind_a_trusted_proxy_without_the_header_is_the_proxys(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert abuse.client_address(request_from("10.0.0.1")) == "10.0.0.1"


# --- The attacks, through the sign-in page ---------------------------------------------------------


def log_in(client, identifier, password, **extra):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password}, **extra)


@pytest.mark.django_db
def test_a_guesser_forging_forwarded_for_is_still_counted_on_its_own_address(client, dave, settings):
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(
            client,
            f"nobody{number}@example.org",
            "wrong",
            REMOTE_ADDR="192.0.2.9",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{number}",
        )

    log_in(client, "dave@example.org", "wrong", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="1.1.1.99")

    # Past the address's limit, one failure locked dave at once.
    assert (
        log_in(client, "dave@example.org", PASSWORD, REMOTE_ADDR="203.0.113.1")
        .context["form"]
        .has_error("__all__", "locked")
    )


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_is_counted_on_its_real_address(client, dave, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(
            client, f"nobody{number}@example.org", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )

    # Another client behind the same proxy keeps its free failures: dave is not locked by one.
    log_in(client, "dave@example.org", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert log_in(client, "dave@example.org", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302


# --- Counters -------------------------------------------------------------------------------------


def test_a_limit_counts_events_in_its_window_per_key():
    limit = abuse.Limit("test-events", count=2, window_seconds=60)

    assert [abuse.hit(limit, "alice@example.org") for _event in range(3)] == [True, True, False]
    assert abuse.hit(limit, "dave@example.org")
    assert abuse.reached(limit, "alice@example.org")


def test_no_identifier_is_written_in_clear_into_the_cache():
    abuse.hit(abuse.Limit("test-events", count=2, window_seconds=60), "alice@example.org")
    abuse.failure(abuse.Lockout("test-secrets", 0, 30, 900, 3600), "+33612345678")

    keys = list(cache._cache.keys()) if hasattr(cache, "_cache") else []
    assert keys, "the test cache is expected to be in memory"
    assert not any("alice" in key or "33612345678" in key for key in keys)


def test_delays_double_after_the_free_failures_up_to_the_longest():
    lockout = abuse.Lockout("test-secrets", free=3, first_delay_seconds=30, longest_seconds=900, memory_seconds=3600)

    assert [lockout.delay_after(failures) for failures in range(1, 10)] == [0, 0, 30, 60, 120, 240, 480, 900, 900]


def test_a_success_clears_the_failures():
    lockout = abuse.Lockout("test-secrets", free=1, first_delay_seconds=30, longest_seconds=900, memory_seconds=3600)
    assert abuse.failure(lockout, "printer-1") == 30
    assert abuse.wait_seconds(lockout, "printer-1") in (29, 30)

    abuse.clear(lockout, "printer-1")

    assert abuse.wait_seconds(lockout, "printer-1") == 0


@pytest.mark.parametrize(
    ("seconds", "english"),
    [(1, "1 second"), (30, "30 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_the_wait_is_said_in_words(seconds, english):
    with translation.override("en"):
        assert abuse.wait_text(seconds) == english


def test_the_wait_is_said_in_french():
    with translation.override("fr"):
        assert [abuse.wait_text(seconds) for seconds in (1, 30, 900)] == ["1 seconde", "30 secondes", "15 minutes"]


def test_links_in_a_strangers_text_are_made_harmless():
    assert abuse.without_links("Nora https://evil.example/pay") == "Nora https[:]evil[.]example/pay"
    assert abuse.without_links("www.evil.fr") == "www[.]evil[.]fr"
    assert abuse.without_links("Dr Jean-Luc M. Dupont") == "Dr Jean-Luc M. Dupont"


def test_an_event_refused_by_one_limit_counts_against_none():
    per_address = abuse.Limit("test-per-address", count=1, window_seconds=60)
    per_patient = abuse.Limit("test-per-patient", count=2, window_seconds=60)

    assert abuse.hit_all((per_address, "192.0.2.9"), (per_patient, "alice"))
    assert not abuse.hit_all((per_address, "192.0.2.9"), (per_patient, "alice"))
    assert not abuse.hit_all((per_address, "192.0.2.9"), (per_patient, "alice"))

    assert abuse.hit_all((per_address, "198.51.100.1"), (per_patient, "alice"))
