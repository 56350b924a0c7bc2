from celery import shared_task


@shared_task(name="relyfe.tasks.heartbeat", soft_time_limit=5, time_limit=10)
def heartbeat() -> None:
    """Beat sends this every minute so that a working worker always has something to execute: like every task,
    its execution is recorded (relyfe.celery.record_task_executed) and /healthz shows how long ago."""
