from celery import shared_task
from django.utils import timezone

from treatments import reminders


@shared_task
def reminders_tick() -> None:
    """Beat runs this every minute: plan what is due, hand each reminder to a worker, remind snoozed doses."""
    now = timezone.now()
    reminders.plan(now=now)
    for dispatch_id in reminders.dispatches_to_queue(now=now):
        reminder_dispatch_send.delay(dispatch_id)
    reminders.snoozed_send(now=now)


@shared_task
def reminder_dispatch_send(dispatch_id: int) -> None:
    """Safe to run twice, or after a worker died halfway: the dispatch row says whether it was sent."""
    reminders.dispatch_send(dispatch_id=dispatch_id)
