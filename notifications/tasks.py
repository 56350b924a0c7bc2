from celery import shared_task

from notifications import services
from notifications.webpush import PushServiceUnavailable


# SMTPException is an OSError, as are the network errors on the way to the mail server.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_send_email(notification_id: int) -> None:
    """Sends a notification's e-mail. Safe to run twice: a notification is e-mailed at most once."""
    services.notification_email_send(notification_id=notification_id)


# A push is for now: after three more tries (within 1, 2 then 4 minutes) the in-app notification is enough.
@shared_task(autoretry_for=(PushServiceUnavailable,), retry_backoff=60, retry_jitter=True, max_retries=3)
def notification_send_push(notification_id: int) -> None:
    """Pushes a notification to the recipient's devices. Safe to run twice: each is pushed at most once."""
    services.notification_push_send(notification_id=notification_id)
