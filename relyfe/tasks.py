from celery import shared_task


@shared_task(name="relyfe.tasks.heartbeat", soft_time_limit=5, time_limit=10)
def heartbeat() -> None:
    """Beat sends this every minute so that a working worker always has something to execute: like every task,
    its execution is recorded (relyfe.celery.record_task_executed) and /healthz shows how long ago."""


@shared_task(name="relyfe.tasks.outbox_dispatch")
def dispatch_outbox(ignore_backoff: bool = False) -> int:
    """Beat runs this every minute, and a worker when it starts: sends what the outbox still holds."""
    from relyfe import outbox

    return outbox.dispatch(ignore_backoff=ignore_backoff)


@shared_task(name="relyfe.tasks.stuck_work_sweep", soft_time_limit=300, time_limit=330)
def sweep_stuck_work() -> None:
    """Beat runs this every few minutes: work stuck past its deadline is queued again, or marked failed."""
    from relyfe import outbox

    outbox.sweep()
