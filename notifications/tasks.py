"""Background work of notifications. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task

from notifications.webpush import PushServiceUnavailable

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker still find it.


# SMTPException is an OSError, as are the network errors on the way to the mail server.
@shared_task(
    name="notifications.tasks.notification_send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_notification_email(notification_id: int) -> None:
    """Sends a notification's e-mail. Safe to run twice: a notification is e-mailed at most once."""
    from notifications import services

    services.notification_email_send(notification_id=notification_id)


# A push is for now: after three more tries (within 1, 2 then 4 minutes) the in-app notification is enough.
@shared_task(
    name="notifications.tasks.notification_send_push",
    autoretry_for=(PushServiceUnavailable,),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=3,
)
def push_notification(notification_id: int) -> None:
    """Pushes a notification to the recipient's devices. Safe to run twice: each is pushed at most once."""
    from notifications import services

    services.notification_push_send(notification_id=notification_id)


# Batches of a moment's notifications (notifications.services.notify_many): each one that fails for now is handed to
# the task above that retries it alone.
@shared_task(name="notifications.tasks.notification_emails_send", soft_time_limit=300, time_limit=330)
def send_notification_emails(*notification_ids: int) -> None:
    """Sends the e-mails of a batch of notifications. Safe to run twice: each is e-mailed at most once."""
    from notifications import services

    services.notification_emails_send(notification_ids=list(notification_ids))


@shared_task(name="notifications.tasks.notification_pushes_send", soft_time_limit=300, time_limit=330)
def push_notifications(*notification_ids: int) -> None:
    """Pushes a batch of notifications. Safe to run twice: each is pushed at most once."""
    from notifications import services

    services.notification_pushes_send(notification_ids=list(notification_ids))
