from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "relyfe:worker-heartbeat"


@shared_task
def heartbeat() -> None:
    """Beat sends this every minute; /healthz shows how long ago a worker last ran it."""
    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)
