"""relyfe.cache.ResilientRedisCache: the cache keeps working, in the process's memory, while Redis is down."""

import logging

import pytest
from django.core.cache import cache

from tests.private_redis import free_port, production_caches, wait_until_the_cache_uses


@pytest.fixture
def unreachable_with_a_password(settings, project_root):
    settings.CACHES = production_caches(project_root, f"redis://:s3cret-password@127.0.0.1:{free_port()}/0")


def test_production_settings_use_the_resilient_cache_with_short_timeouts(project_root):
    caches = production_caches(project_root, "redis://127.0.0.1:6379/0")

    assert caches["default"]["BACKEND"] == "relyfe.cache.ResilientRedisCache"
    assert caches["default"]["OPTIONS"]["socket_connect_timeout"] <= 1
    assert caches["default"]["OPTIONS"]["socket_timeout"] <= 1


def test_sessions_live_in_the_database_only(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_while_redis_is_unreachable_the_cache_answers_from_memory(unreachable_with_a_password):
    assert cache.get("never-written", "default") == "default"
    cache.set("written", "value")
    assert cache.get("written") == "value"
    assert cache.add("counter", 1, 60)
    assert not cache.add("counter", 1, 60)
    assert cache.incr("counter") == 2
    with pytest.raises(ValueError):  # as Redis does: a count that expired is started again by the caller
        cache.incr("never-counted")


def test_an_outage_is_logged_once_without_keys_nor_the_password(unreachable_with_a_password, caplog):
    with caplog.at_level(logging.WARNING, logger="relyfe.cache"):
        for _request in range(10):
            cache.add("login-failures:address:203.0.113.7", 1, 60)
            cache.get("login-failures:address:203.0.113.7")

    assert len(caplog.records) == 1
    assert "unreachable (ConnectionError)" in caplog.text
    assert "203.0.113.7" not in caplog.text and "s3cret" not in caplog.text


@pytest.mark.redis
def test_the_cache_goes_back_to_redis_when_it_answers_again(settings, project_root, private_redis, caplog):
    settings.CACHES = production_caches(project_root, private_redis.url)
    private_redis.kill()
    with caplog.at_level(logging.WARNING, logger="relyfe.cache"):
        cache.set("during-the-outage", 1)
        private_redis.start()
        wait_until_the_cache_uses(private_redis)

    assert [record.getMessage().split(" at ")[1] for record in caplog.records] == [
        f"127.0.0.1:{private_redis.port} unreachable (ConnectionError): this process keeps its counters in memory",
        f"127.0.0.1:{private_redis.port} reachable again",
    ]
    assert cache.get("proof-that-redis-is-used") == 1
    assert private_redis.keys("*during-the-outage*") == []  # what memory held stays there
