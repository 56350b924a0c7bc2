import os
import subprocess
import sys
import time

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from relyfe.celery import LAST_TASK_EXECUTED_CACHE_KEY, task_executed_record
from relyfe.management.commands.worker_alive import ALIVE, NEVER, STALE, UNKNOWN
from relyfe.tasks import heartbeat
from tests.conftest import SHARED_CACHES, wait_until

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part_up_when_a_task_was_executed_recently(client, settings):
    task_executed_record()

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert isinstance(response.json()["last_task_executed_seconds_ago"], int)
    assert response.json() | {"last_task_executed_seconds_ago": 0} == {
        "status": "ok",
        "database": "up",
        "broker": "up",
        "worker": "up",
        "last_task_executed_seconds_ago": 0,
        "worker_stale_after_seconds": settings.WORKER_STALE_SECONDS,
        "problems": [],
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_until_a_task_was_ever_executed(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["worker"] == "never"
    assert response.json()["problems"] == ["no task executed yet"]


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    task_executed_record()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "up"
    assert response.json()["problems"] == ["broker down"]


def test_healthz_says_broker_down_when_the_runs_broker_goes_down(client, broker_down):
    """The embedded broker's folder removed, or the redis-server used as broker killed (tests/relyfe/brokers.py)."""
    task_executed_record()

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["problems"] == ["broker down"]


def test_healthz_says_broker_up_again_once_the_runs_broker_is_back(client, broker_down):
    task_executed_record()
    assert client.get(reverse("healthz")).status_code == 503

    broker_down.bring_back()

    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "up"


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("relyfe.health.connection", UnreachableDatabase())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_answers_503_not_500_when_the_cache_is_down(client):
    # A Redis cache on the discard port: nothing listens there.
    dead_redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    with override_settings(CACHES={"default": dead_redis}):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["worker"] == "unknown"
    assert response.json()["problems"] == ["the last task executed cannot be read (cache down)"]


@pytest.mark.celery
def test_healthz_answers_503_past_the_limit_and_200_once_a_worker_executes_a_task(client, settings, celery_worker):
    settings.CACHES = SHARED_CACHES  # the cache the worker writes to
    settings.WORKER_STALE_SECONDS = 1
    heartbeat.delay()
    wait_until(lambda: client.get(reverse("healthz")).status_code == 200, worker=celery_worker)

    wait_until(lambda: client.get(reverse("healthz")).status_code == 503, worker=celery_worker, seconds=10)
    assert client.get(reverse("healthz")).json()["worker"] == "stale"

    heartbeat.delay()
    wait_until(lambda: client.get(reverse("healthz")).status_code == 200, worker=celery_worker)


def worker_alive(project_root, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "worker_alive", *arguments],
        cwd=project_root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def shared_cache_forget_last_task():
    config = SHARED_CACHES["default"]
    import_string(config["BACKEND"])(config["LOCATION"], {}).delete(LAST_TASK_EXECUTED_CACHE_KEY)


def test_worker_alive_exits_0_when_a_task_was_executed_within_the_limit_1_past_it_2_never(settings, project_root):
    settings.CACHES = SHARED_CACHES  # the cache the command reads
    shared_cache_forget_last_task()
    assert worker_alive(project_root).returncode == NEVER

    task_executed_record()
    alive = worker_alive(project_root)
    assert alive.returncode == ALIVE, alive.stderr

    time.sleep(2)
    stale = worker_alive(project_root, "--max-age", "1")
    assert stale.returncode == STALE
    assert "No task executed for" in stale.stderr


def test_worker_alive_exits_3_when_the_cache_cannot_be_read(project_root):
    result = subprocess.run(
        [sys.executable, "manage.py", "worker_alive"],
        cwd=project_root,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:9/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == UNKNOWN, result.stderr


@pytest.mark.redis
def test_healthz_reports_the_redis_broker_up(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")

    assert client.get(reverse("healthz")).json()["broker"] == "up"
