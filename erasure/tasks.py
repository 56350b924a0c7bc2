from celery import shared_task


@shared_task(name="erasure.tasks.account_deletions_tick")
def account_deletions_tick() -> None:
    """Beat: queues the erasures past their grace period and the reminders a week before."""
    from erasure import services

    services.account_deletions_tick()


# Many files to delete from S3 and a Rekognition call: longer than the default limits.
@shared_task(name="erasure.tasks.account_erase", soft_time_limit=600, time_limit=660)
def account_erase(deletion_id: int) -> None:
    from erasure import services

    services.account_deletion_execute(deletion_id=deletion_id)


@shared_task(name="erasure.tasks.deletion_notice_send")
def deletion_notice_send(deletion_id: int, notice: int) -> None:
    from erasure import services

    services.deletion_notice(deletion_id=deletion_id, notice=notice)


@shared_task(name="erasure.tasks.access_log_purge", soft_time_limit=600, time_limit=660)
def access_log_purge() -> None:
    """Beat: deletes the access events past their retention."""
    from erasure import services

    services.access_log_purge()
