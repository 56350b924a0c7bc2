"""/metrics for Prometheus: django-prometheus's request metrics and what tells that background work is late.

Off unless METRICS_ENABLED; then only for a request with `Authorization: Bearer <METRICS_TOKEN>` or from
METRICS_ALLOWED_NETWORKS. Anyone else gets the 404 of a page that does not exist. No label carries a path, a
user or a patient: the request metrics are by view name and method, the queue metrics by queue.

Several gunicorn processes each count their own requests: with PROMETHEUS_MULTIPROC_DIR set (compose.yaml,
a tmpfs) every process writes its counters there and any of them answers for all (prometheus_client's
multiprocess mode; deploy/gunicorn.conf.py clears the folder at start and forgets a process that exits).

Collectors that read the database or the broker run at each scrape, in the scraping request: each is
guarded, and one that fails says so in `relyfe_metrics_collector_up{collector=…} 0` rather than failing the
page. The URLconf hands the view the collectors of the apps above this layer (treatments/metrics.py).
"""

import hmac
import ipaddress
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import redis
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from relyfe.abuse import client_address
from relyfe.celery import PUBLISHED_AT_HEADER

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_QUEUE = "celery"
# kombu's Redis transport keeps one list per priority step: "celery", "celery\x06\x163", …
_REDIS_PRIORITY_SEPARATOR = "\x06\x16"
_REDIS_PRIORITY_STEPS = (0, 3, 6, 9)
_TIMEOUT_SECONDS = 2

MetricsSource = Callable[[], Iterable[Metric]]


def may_read_metrics(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    if settings.METRICS_ALLOWED_NETWORKS:
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)
    return False


# --- The Celery queue ---------------------------------------------------------------------------------


def _published_at(raw: bytes | str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw).get("headers", {}).get(PUBLISHED_AT_HEADER)
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def redis_queue_state(url: str, queue: str = DEFAULT_QUEUE) -> tuple[int, float | None]:
    """(messages waiting, when the oldest was published). kombu pushes on the left and workers pop on the
    right: the oldest of each priority list is its last element."""
    client = redis.Redis.from_url(url, socket_connect_timeout=_TIMEOUT_SECONDS, socket_timeout=_TIMEOUT_SECONDS)
    try:
        keys = [queue if step == 0 else f"{queue}{_REDIS_PRIORITY_SEPARATOR}{step}" for step in _REDIS_PRIORITY_STEPS]
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.llen(key)
            pipe.lindex(key, -1)
        answers = pipe.execute()
    finally:
        client.close()
    lengths, oldest = answers[0::2], answers[1::2]
    published = [moment for moment in map(_published_at, oldest) if moment is not None]
    return sum(lengths), min(published, default=None)


def filesystem_queue_state(folder: str, queue: str = DEFAULT_QUEUE) -> tuple[int, float | None]:
    """The embedded broker: one file a message, `<ms>_<uuid>.<queue>.msg`."""
    files = [path for path in Path(folder).iterdir() if path.name.endswith(f".{queue}.msg")]
    published = []
    for path in files:
        try:
            moment = _published_at(path.read_bytes()) or path.stat().st_mtime
        except OSError:  # taken by a worker meanwhile
            continue
        published.append(moment)
    return len(files), min(published, default=None)


def queue_state() -> tuple[int, float | None]:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return redis_queue_state(url)
    if url.startswith("filesystem://"):
        return filesystem_queue_state(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    raise ValueError("Only the Redis and filesystem brokers are measured.")


def celery_queue_metrics() -> Iterable[Metric]:
    length, oldest = queue_state()
    waiting = GaugeMetricFamily("relyfe_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"])
    waiting.add_metric([DEFAULT_QUEUE], length)
    age = GaugeMetricFamily(
        "relyfe_celery_oldest_task_age_seconds",
        "How long the oldest task waiting in the queue has waited (0 when none waits).",
        labels=["queue"],
    )
    age.add_metric([DEFAULT_QUEUE], max(0.0, time.time() - oldest) if oldest is not None else 0.0)
    return [waiting, age]


def outbox_metrics() -> Iterable[Metric]:
    """Work the broker could not take yet (relyfe/outbox.py), and work given up."""
    from django.db.models import Count

    from relyfe.models import OutboxMessage

    counts = dict(OutboxMessage.objects.values_list("state").annotate(count=Count("id")).values_list("state", "count"))
    family = GaugeMetricFamily("relyfe_outbox_messages", "Outbox rows by state.", labels=["state"])
    for state in OutboxMessage.State.values:
        family.add_metric([state], counts.get(state, 0))
    return [family]


# --- The page -------------------------------------------------------------------------------------------


def _guarded(sources: dict[str, MetricsSource]) -> list[Metric]:
    metrics: list[Metric] = []
    up = GaugeMetricFamily(
        "relyfe_metrics_collector_up", "Whether a collector could read its source.", labels=["collector"]
    )
    for name, source in sources.items():
        try:
            metrics.extend(source())
            up.add_metric([name], 1)
        except Exception:
            logger.warning("The %s metrics could not be read", name, exc_info=True)
            up.add_metric([name], 0)
    return [*metrics, up]


class _Collected:
    def __init__(self, metrics: list[Metric]):
        self._metrics = metrics

    def collect(self):
        return self._metrics


def exposition(sources: dict[str, MetricsSource]) -> bytes:
    """The text Prometheus reads: this process's (or, in multiprocess mode, every process's) metrics, then
    those read now from the database and the broker."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    now_registry = CollectorRegistry(auto_describe=False)
    now_registry.register(_Collected(_guarded(sources)))
    return generate_latest(process_registry) + generate_latest(now_registry)


def metrics_view(extra_sources: dict[str, MetricsSource] | None = None):
    sources: dict[str, MetricsSource] = {"celery_queue": celery_queue_metrics, "outbox": outbox_metrics}
    sources.update(extra_sources or {})

    @never_cache
    @require_GET
    def metrics(request):
        if not settings.METRICS_ENABLED or not may_read_metrics(request):
            raise Http404
        return HttpResponse(exposition(sources), content_type=CONTENT_TYPE)

    return metrics
