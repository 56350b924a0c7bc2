"""The Celery app. One rule for every app's background work:

- A task takes ids, loads what it needs, calls a service and is safe to run twice. Its module imports the
  service INSIDE the task function (`from notifications import services`), never at the top: the service
  module imports the task module, and an import at the top of both would be a cycle.
- A service imports the tasks it queues at the TOP of its module, under a `_task` name
  (`from notifications.tasks import send_notification_email as send_notification_email_task`), and queues
  them through the transactional outbox, `outbox.enqueue(send_notification_email_task, notification.pk)`
  (relyfe/outbox.py), never `.delay()`: the row is written in the service's transaction and sent once it
  commits, so that a worker never looks for a row that is not committed yet, nothing is queued for a
  transaction that rolled back, and nothing is lost when the broker cannot take it.
- Names never read alike: services are `<noun>_<verb>` (`notification_email_send`, `face_templates_erase`),
  tasks say what they do, verb first (`send_notification_email`, `erase_face_templates`).
- A task's registered name is what queued messages and beat's schedule carry: a task renamed in Python keeps
  its former dotted name with `@shared_task(name="app.tasks.old_name")`.
"""

import logging
import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_postrun, worker_ready

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

app = Celery("relyfe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["relyfe"])
app.autodiscover_tasks()

# The age of the last task a worker executed is what tells a working worker from one that only receives
# (/healthz, `manage.py worker_alive`). Recorded in the cache: one write per task, no migration, no lock on
# SQLite; when the cache is Redis and Redis is down, the broker is down too and /healthz says so.
LAST_TASK_EXECUTED_CACHE_KEY = "relyfe:last-task-executed"


# When a message was sent, in its headers: the age of the oldest task waiting in the queue (relyfe/metrics.py).
PUBLISHED_AT_HEADER = "relyfe_published_at"


@before_task_publish.connect
def stamp_publication_time(headers=None, **_signal_arguments) -> None:
    if headers is not None:
        headers.setdefault(PUBLISHED_AT_HEADER, time.time())


@task_postrun.connect
def record_task_executed(**_signal_arguments) -> None:
    """Runs in the pool process after each task, whether it succeeded or failed."""
    task_executed_record()


def task_executed_record() -> None:
    from django.core.cache import cache
    from django.utils import timezone

    try:
        cache.set(LAST_TASK_EXECUTED_CACHE_KEY, timezone.now().isoformat(), timeout=None)
    except Exception:
        # Never fail a task for its record: /healthz reports the missing record instead.
        logger.warning("Could not record that a task was executed", exc_info=True)


@worker_ready.connect
def heartbeat_on_start(sender, **_signal_arguments) -> None:
    """A worker that starts sends itself a heartbeat through the broker: executed at once when the pool works,
    it keeps a restarted worker from being judged by the age of the last task its predecessor executed."""
    try:
        sender.app.send_task("relyfe.tasks.heartbeat", expires=60)
    except Exception:
        logger.warning("Could not send the start-up heartbeat", exc_info=True)


@worker_ready.connect
def dispatch_outbox_on_start(sender=None, **kwargs):
    """A worker that starts has reached the broker: what the outbox still holds is sent now, without
    waiting for beat or for the backoff of messages refused while the broker was away."""
    try:
        app.send_task("relyfe.tasks.outbox_dispatch", kwargs={"ignore_backoff": True})
    except Exception:
        logger.exception("The outbox could not be dispatched at worker start")
