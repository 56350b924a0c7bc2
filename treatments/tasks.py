"""Background work of treatments. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task
from django.utils import timezone

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker (and beat's schedule) still find it.


@shared_task(name="treatments.tasks.reminders_tick", soft_time_limit=120, time_limit=150)
def send_due_reminders() -> None:
    """Beat runs this every minute: one `plan_and_send_reminders` per range of patients, and the snoozed doses."""
    from treatments import reminders

    reminders.tick(now=timezone.now())


@shared_task(name="treatments.tasks.reminders_partition_run", soft_time_limit=240, time_limit=270)
def plan_and_send_reminders(low: int, high: int) -> None:
    """Plans and sends the due reminders of the patients whose id is in [low, high): several run at once, one
    per range. Safe to run twice, or beside another: planning inserts each row once, sending claims each once."""
    from treatments import reminders

    reminders.partition_run(now=timezone.now(), low=low, high=high)


@shared_task(name="treatments.tasks.reminder_dispatches_send", soft_time_limit=300, time_limit=330)
def send_reminder_dispatches(*dispatch_ids: int | list[int]) -> None:
    """The sweeper's: sends these dispatches if they are still pending. Safe to run twice, or after a worker died
    halfway: each dispatch row says whether it was sent. The ids come one by one (the outbox queues ids only); a
    message queued before that holds them as one list."""
    from treatments import reminders

    flat = [each for item in dispatch_ids for each in (item if isinstance(item, list) else [item])]
    reminders.dispatches_send(ids=flat)


# OCR of a many-page scan on a loaded machine takes minutes.
@shared_task(name="treatments.tasks.prescription_read", soft_time_limit=300, time_limit=330)
def read_prescription(reading_id: int) -> None:
    """Reads a prescription's file and proposes its medications; the record page follows the progress."""
    from treatments import readings

    readings.reading_run(reading_id=reading_id)


@shared_task(name="treatments.tasks.supply_reminders_tick", soft_time_limit=240, time_limit=270)
def supply_reminders_tick() -> None:
    """Beat runs this hourly: a renewal due or a stock running out soon is told once (SupplyReminder rows)."""
    from treatments import supply_reminders

    supply_reminders.send_due(now=timezone.now())


@shared_task(name="treatments.tasks.missed_dose_alerts_tick", soft_time_limit=240, time_limit=270)
def missed_dose_alerts_tick() -> None:
    """Beat runs this every five minutes: caregivers hear of the doses left unanswered past their delay. Safe to
    run twice, or two at once: each alert is recorded once (treatments.missed_doses)."""
    from treatments import missed_doses

    missed_doses.missed_dose_alerts_send(now=timezone.now())
