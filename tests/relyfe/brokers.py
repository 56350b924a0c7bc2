"""The run's broker, to take down and bring back in a test: the embedded broker's folder (moved aside), or, when
the run has REDIS_URL, a private redis-server used as broker and killed (never the machine's Redis, which other
tests and a developer's stack use). `run_broker` gives it up; `broker_down` gives it down for the whole test.

The test process (the outbox's publish, /healthz) and the workers a test starts (`run_broker.environment`) use the
same broker; under Redis the private server is also their cache, as REDIS_URL makes it in production."""

import base64
import json
import os
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from kombu import pools

from relyfe.celery import app as celery_app
from tests.private_redis import PrivateRedis, production_caches

QUEUE = "celery"  # the default queue: every task of the project goes there


def point_celery_at(url: str, transport_options: dict) -> None:
    """The test process publishes to `url` from now on. Celery keeps its connections in kombu's pools, which
    kombu registers by broker: all closed and forgotten (a pool only closed would be found again, closed)."""
    celery_app.conf.update(broker_url=url, broker_transport_options=transport_options)
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class EmbeddedBroker:
    """kombu's filesystem transport: a message is a file in the queue folder."""

    name = "embedded"

    def __init__(self):
        self.queue = Path(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        self.aside = self.queue.with_name(self.queue.name + "-aside")
        self.environment: dict[str, str] = {}
        self.is_down = False

    def messages(self) -> list[str]:
        """Each message waiting in the queue, as text (its headers and body)."""
        return [_decoded(path) for path in sorted(self.queue.iterdir()) if path.name.endswith(".msg")]

    def empty(self) -> None:
        for path in self.queue.iterdir():
            path.unlink()

    def take_down(self) -> None:
        """The folder is gone (with what it held): nothing can be queued, a running worker loses its broker."""
        os.rename(self.queue, self.aside)
        self.is_down = True

    def bring_back(self) -> None:
        os.rename(self.aside, self.queue)
        self.is_down = False


class RedisBroker:
    """A private redis-server without persistence: killed, it comes back empty, as after a crash."""

    name = "redis"

    def __init__(self, server: PrivateRedis):
        self.server = server
        self.environment = {"REDIS_URL": server.url}
        self.is_down = False

    def messages(self) -> list[str]:
        client = redis.Redis(port=self.server.port, socket_timeout=5)
        waiting = client.lrange(QUEUE, 0, -1)
        # Taken by a worker and not acknowledged yet (acks_late): in the "unacked" hash until done.
        taken = client.hvals("unacked")
        return [each.decode() for each in waiting] + [each.decode() for each in taken]

    def empty(self) -> None:
        redis.Redis(port=self.server.port, socket_timeout=5).flushdb()

    def take_down(self) -> None:
        self.server.kill()
        self.is_down = True

    def bring_back(self) -> None:
        self.server.start()
        self.is_down = False


def _decoded(path: Path) -> str:
    message = json.loads(path.read_text())
    body = message.get("body", "")
    if message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body).decode()
    return json.dumps(message.get("headers", {})) + body


@pytest.fixture
def run_broker(request, settings):
    """The run's kind of broker, empty, for this test alone."""
    if not django_settings.REDIS_URL:
        broker = EmbeddedBroker()
        broker.empty()
        yield broker
        if broker.is_down:
            broker.bring_back()
        broker.empty()
        return
    # Before the settings change: celery's configuration reads Django's settings as they are at the time.
    before = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    server = request.getfixturevalue("private_redis")
    settings.CELERY_BROKER_URL = server.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = dict(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    point_celery_at(server.url, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    yield RedisBroker(server)
    point_celery_at(*before)


@pytest.fixture
def run_broker_cache(settings, project_root, run_broker):
    """The cache the workers started on `run_broker` write to (the age of the last task executed)."""
    from tests.conftest import SHARED_CACHES

    if isinstance(run_broker, RedisBroker):
        settings.CACHES = production_caches(project_root, run_broker.server.url)
    else:
        settings.CACHES = SHARED_CACHES
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def broker_down(run_broker):
    """The run's broker is down for the test: its folder removed, or its redis-server killed. Back after it."""
    run_broker.take_down()
    yield run_broker
    if run_broker.is_down:
        run_broker.bring_back()
