from celery import shared_task

from notifications import services


# SMTPException is an OSError, as are the network errors on the way to the mail server.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_send_email(notification_id: int) -> None:
    """Sends a notification's e-mail. Safe to run twice: a notification is e-mailed at most once."""
    services.notification_email_send(notification_id=notification_id)
