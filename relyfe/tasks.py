from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "relyfe:worker-heartbeat"


@shared_task
def heartbeat() -> None:
    """Beat sends this every minute; /healthz shows how long ago a worker last ran it."""
    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)


@shared_task(name="relyfe.tasks.outbox_dispatch")
def dispatch_outbox(ignore_backoff: bool = False) -> int:
    """Beat runs this every minute, and a worker when it starts: sends what the outbox still holds."""
    from relyfe import outbox

    return outbox.dispatch(ignore_backoff=ignore_backoff)


@shared_task(name="relyfe.tasks.stuck_work_sweep")
def sweep_stuck_work() -> None:
    """Beat runs this every few minutes: work stuck past its deadline is queued again, or marked failed."""
    from relyfe import outbox

    outbox.sweep()
