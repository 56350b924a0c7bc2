from celery import shared_task
from django.utils import timezone

from treatments import readings, reminders


@shared_task
def reminders_tick() -> None:
    """Beat runs this every minute: plan what is due, hand each reminder to a worker, remind snoozed doses."""
    now = timezone.now()
    reminders.plan(now=now)
    dispatch_ids = reminders.dispatches_to_queue(now=now)
    for batch_start in range(0, len(dispatch_ids), reminders.SEND_BATCH):
        reminder_dispatches_send.delay(dispatch_ids[batch_start : batch_start + reminders.SEND_BATCH])
    reminders.snoozed_send(now=now)


@shared_task
def reminder_dispatches_send(dispatch_ids: list[int]) -> None:
    """Safe to run twice, or after a worker died halfway: each dispatch row says whether it was sent."""
    reminders.dispatch_send_many(dispatch_ids=dispatch_ids)


@shared_task
def prescription_read(reading_id: int) -> None:
    """Reads a prescription's file and proposes its medications; the record page follows the progress."""
    readings.reading_run(reading_id=reading_id)
