"""The transactional outbox: how every service queues background work so that none is lost.

`enqueue(task, *ids, key=...)` writes a row IN the caller's transaction. Once it commits, the row is sent
to the broker at once; if the broker cannot take it (Redis down, the embedded broker's folder gone) the
failure is logged, never raised to the request: the write that needed the task is committed and stays so.
The dispatcher (`dispatch`, run by beat every minute and when a worker starts) sends what is still
pending, with a capped exponential backoff, and marks a row "failed" with the reason after the last
attempt. A row may be sent twice (a crash between the broker taking it and the row saying so): every task
is safe to run twice.

Not every lost task is an outbox row still pending: a broker can lose a message it took (a worker killed
with the filesystem transport). The sweepers registered here (`register_sweeper`, run by beat every few
minutes) find the work that is still not done past a deadline — a reading still queued, a file without its
thumbnail — and queue it again through the outbox.

What is bounded is the number of runs a worker STARTED, not the number of sweeps: with the workers stopped for
an hour, nothing ran, nothing failed, and the sweeper keeps re-sending the work (re-arming its one outbox row)
until a worker takes it. Each task calls `run_started` before its work: that writes the start in the row, in
the database, at once. A run that never ends (the worker killed mid-task, a poison task that kills it every
time and that the broker redelivers for ever) is counted all the same; once STUCK_MAX_ATTEMPTS runs started
without finishing, the next start refuses to run and the work shows "failed" with its reason, as the sweeper
does for work started that often and still not done.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from relyfe.models import OutboxMessage

logger = logging.getLogger(__name__)

# A row is left to the on-commit send this long before the dispatcher may send it too.
FIRST_SEND_GRACE = timedelta(seconds=60)
# A row the dispatcher took is left alone this long by other dispatchers (a dispatcher that died
# holding it gives it back after that).
LEASE = timedelta(minutes=5)
DISPATCH_BATCH = 500
SENT_KEPT_FOR = timedelta(days=7)

_sweepers: list[Callable[[datetime], object]] = []


def default_key(task_name: str, ids: tuple[int, ...]) -> str:
    return f"{task_name}:{','.join(str(each) for each in ids)}"


def enqueue(task, *ids: int, key: str | None = None, eta: datetime | None = None) -> OutboxMessage:
    """Queues `task(*ids)` once the caller's transaction commits; rolled back with it otherwise.

    `key` names the piece of work (default: the task and its ids). Queuing a key again re-arms its row
    (pending, attempts reset): the work is sent again, and the task, safe to run twice, decides."""
    if not all(isinstance(each, int) for each in ids):
        raise TypeError("A task takes ids only.")
    now = timezone.now()
    key = key or default_key(task.name, ids)
    with transaction.atomic():
        message, _created = OutboxMessage.objects.update_or_create(
            key=key,
            defaults={
                "task": task.name,
                "args": list(ids),
                "eta": eta,
                "state": OutboxMessage.State.PENDING,
                "attempts": 0,
                "last_error": "",
                "next_try_at": now + FIRST_SEND_GRACE,
                "sent_at": None,
            },
        )
        transaction.on_commit(partial(_send_committed, message.pk))
    return message


def resend(task, *ids: int, key: str | None = None) -> None:
    """The sweepers' `enqueue`: sends stuck work again under its key, unless its row is still pending (the
    dispatcher already retries it: re-arming it would only reset its backoff)."""
    key = key or default_key(task.name, ids)
    if not OutboxMessage.objects.filter(key=key, state=OutboxMessage.State.PENDING).exists():
        enqueue(task, *ids, key=key)


def run_started(work: QuerySet, *, attempts: str, started_at: str, limit: int | None = None) -> bool:
    """Called by a task before it does its work. `work` is its one row, filtered to "not done yet".

    Counts the run in the row (`attempts` + 1, `started_at` now) and returns True, unless the row is done
    (nothing to do) or `limit` runs (default STUCK_MAX_ATTEMPTS) already started without finishing: then
    returns False and the caller marks the work failed if it is not done. Called outside any transaction, so
    that the count is committed before the work begins and survives the worker being killed."""
    limit = settings.STUCK_MAX_ATTEMPTS if limit is None else limit
    counted = work.filter(**{f"{attempts}__lt": limit}).update(
        **{attempts: F(attempts) + 1, started_at: timezone.now()}
    )
    return counted > 0


# Rows a sweeper handles in one pass: the rest wait for the next.
SWEEP_BATCH = 500


def resend_stuck(
    working: QuerySet, *, now: datetime, task, requeue: dict, give_up: Callable[[int], object], what: str
) -> None:
    """For the sweepers of work a task does on one row counted by `run_started` (`attempts`, `started_at`) and
    stamped `queued_at` when queued. `working` is the rows not done yet. A row still working STUCK_AFTER after
    it was queued, whose last run (if any) started before that, lost its task (a worker or a broker lost it): it
    is written `requeue` and sent again under the same key (a send no worker took costs no attempt), unless
    STUCK_MAX_ATTEMPTS runs already started without finishing: then `give_up(pk)` marks it failed. Only ids are
    logged, after `what` ("Reading")."""
    deadline = now - settings.STUCK_AFTER
    stuck = working.filter(Q(started_at__isnull=True) | Q(started_at__lt=deadline), queued_at__lt=deadline)
    for pk, attempts in stuck.values_list("pk", "attempts")[:SWEEP_BATCH]:
        with transaction.atomic():
            if attempts >= settings.STUCK_MAX_ATTEMPTS:
                logger.warning("%s %s failed: %s runs never finished", what, pk, attempts)
                give_up(pk)
                continue
            if stuck.filter(pk=pk).update(**requeue, queued_at=now):
                logger.info("%s %s sent again (%s runs started)", what, pk, attempts)
                resend(task, pk)


def _send_committed(message_id: int) -> None:
    message = OutboxMessage.objects.filter(pk=message_id, state=OutboxMessage.State.PENDING).first()
    if message is not None:
        publish(message)


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from OUTBOX_RETRY_BASE up to OUTBOX_RETRY_CAP."""
    seconds = settings.OUTBOX_RETRY_BASE.total_seconds() * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), settings.OUTBOX_RETRY_CAP)


def publish(message: OutboxMessage) -> bool:
    """Hands one row to the broker; True when the broker took it. Never raises for a broker failure."""
    from relyfe.celery import app

    now = timezone.now()
    try:
        task = app.tasks[message.task]
        options = {"eta": message.eta} if message.eta and message.eta > now else {}
        # No retry loop inside the request: the outbox is the retry.
        task.apply_async(message.args, retry=False, **options)
    except Exception as error:
        attempts = message.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        # The broker's own words: the arguments are ids, so nothing here is health data.
        reason = f"{type(error).__name__}: {error}"[:300]
        logger.warning(
            "Outbox message %s (%s) not sent, attempt %s%s: %s",
            message.pk,
            message.task,
            attempts,
            " (gave up)" if failed else "",
            reason,
        )
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING).update(
            attempts=attempts,
            last_error=reason,
            next_try_at=now + backoff(attempts),
            state=OutboxMessage.State.FAILED if failed else OutboxMessage.State.PENDING,
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING).update(
        state=OutboxMessage.State.SENT, sent_at=now, last_error=""
    )
    return True


def dispatch(*, now: datetime | None = None, ignore_backoff: bool = False) -> int:
    """Sends the pending rows that are due (all pending rows with `ignore_backoff`, when a worker has
    just reached the broker); returns how many the broker took."""
    now = now or timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        if not ignore_backoff:
            due = due.filter(next_try_at__lte=now)
        # Two dispatchers (beat's and a starting worker's) share the rows instead of both sending them;
        # on SQLite the write lock of the transaction does the same.
        ids = list(
            due.order_by("next_try_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:DISPATCH_BATCH]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(next_try_at=now + LEASE)
    sent = sum(publish(message) for message in OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))
    OutboxMessage.objects.filter(state=OutboxMessage.State.SENT, sent_at__lt=now - SENT_KEPT_FOR).delete()
    if ids:
        logger.info("Outbox: %s of %s pending messages sent", sent, len(ids))
    return sent


def register_sweeper(sweeper: Callable[[datetime], object]) -> None:
    """Adds a function `sweeper(now)` that queues again (through `enqueue`) the work of its app stuck past
    a deadline. Apps register theirs in their AppConfig.ready: relyfe imports no feature app."""
    if sweeper not in _sweepers:
        _sweepers.append(sweeper)


def sweep(*, now: datetime | None = None) -> None:
    """Runs every sweeper; one that fails does not stop the others."""
    now = now or timezone.now()
    for sweeper in _sweepers:
        try:
            sweeper(now)
        except Exception:
            logger.exception("Sweeper %s failed", getattr(sweeper, "__qualname__", sweeper))
