"""/healthz: is the site able to do its work? The database answers, the broker can take a message, and a
worker executed a task recently (not only received one: a jammed pool keeps receiving). Each part is checked
on its own and never raises: a part that is down is a 503 with the reason, never a 500."""

import os
import tempfile
from datetime import datetime
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from relyfe.celery import LAST_TASK_EXECUTED_CACHE_KEY

CHECK_TIMEOUT_SECONDS = 2


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_is_up() -> bool:
    """Whether the broker can take a message now."""
    try:
        url = settings.CELERY_BROKER_URL
        if url.startswith("filesystem://"):
            return filesystem_broker_is_writable(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
        if url.startswith(("redis://", "rediss://")):
            client = redis.Redis.from_url(
                url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        return other_broker_connects(url)
    except Exception:
        return False


def filesystem_broker_is_writable(options: dict) -> bool:
    """kombu's filesystem transport "connects" even to a folder that is gone; a message is a file written in
    data_folder_out, so write one (a dot file: the transport only reads `<…>.<queue>.msg`) and remove it."""
    for key in ("data_folder_out", "data_folder_in", "control_folder"):
        folder = Path(options[key])
        if not folder.is_dir() or not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            return False
    with tempfile.NamedTemporaryFile(dir=options["data_folder_out"], prefix=".healthz-") as probe:
        probe.write(b"{}")
        probe.flush()
    return True


def other_broker_connects(url: str) -> bool:
    broker = Connection(
        url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
        return True
    finally:
        broker.release()


class Unknown(Exception):
    """The record of the last task executed could not be read (the cache is down)."""


def seconds_since_last_task_executed() -> int | None:
    """How long ago a worker last executed a task; None if none ever did. Raises Unknown when the record
    cannot be read."""
    try:
        last = cache.get(LAST_TASK_EXECUTED_CACHE_KEY)
    except Exception as error:
        raise Unknown from error
    if not getattr(cache, "reachable", True):  # relyfe.cache.ResilientRedisCache while Redis is away
        raise Unknown
    if last is None:
        return None
    return max(0, int((timezone.now() - datetime.fromisoformat(last)).total_seconds()))


def worker_state() -> tuple[str, int | None]:
    """("up" | "stale" | "never" | "unknown", seconds since the last task executed)."""
    try:
        age = seconds_since_last_task_executed()
    except Unknown:
        return "unknown", None
    if age is None:
        return "never", None
    return ("up" if age <= settings.WORKER_STALE_SECONDS else "stale"), age


@never_cache
@require_GET
def healthz(request):
    database, broker = database_is_up(), broker_is_up()
    worker, age = worker_state()
    problems = []
    if not database:
        problems.append("database down")
    if not broker:
        problems.append("broker down")
    if worker == "stale":
        problems.append(f"no task executed for {age} s (limit {settings.WORKER_STALE_SECONDS} s)")
    elif worker == "never":
        problems.append("no task executed yet")
    elif worker == "unknown":
        problems.append("the last task executed cannot be read (cache down)")
    body = {
        "status": "error" if problems else "ok",
        "database": "up" if database else "down",
        "broker": "up" if broker else "down",
        "worker": worker,
        "last_task_executed_seconds_ago": age,
        "worker_stale_after_seconds": settings.WORKER_STALE_SECONDS,
        "problems": problems,
    }
    return JsonResponse(body, status=503 if problems else 200)
