"""Background work of accounts. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task

from notifications.sms import SmsUnavailable

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker (and beat's schedule) still find it.


# A code is worth a few minutes: the service drops one that expired while the provider was out.
@shared_task(
    name="accounts.tasks.phone_code_send",
    autoretry_for=(SmsUnavailable,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=4,
)
def send_phone_code(phone_code_id: int) -> None:
    """Draws a code and texts it. Takes the row's id only: the number and the code never go through the
    broker. Safe to run twice: a code is sent at most once."""
    from accounts import phone_services

    phone_services.phone_code_send(phone_code_id=phone_code_id)


@shared_task(
    name="accounts.tasks.password_changed_notify",
    autoretry_for=(SmsUnavailable,),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=5,
)
def notify_password_changed(user_id: int) -> None:
    """Tells the user by text message that their password was just changed with a code."""
    from accounts import phone_services

    phone_services.password_changed_notify(user_id=user_id)


@shared_task(name="accounts.tasks.notify_api_tokens_revoked")
def notify_api_tokens_revoked(user_id: int) -> None:
    """Tells the user by e-mail that staff signed their apps out."""
    from accounts import tokens

    tokens.api_tokens_revoked_notify(user_id=user_id)


@shared_task(
    name="accounts.tasks.notify_second_factor_changed",
    autoretry_for=(SmsUnavailable,),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=5,
)
def notify_second_factor_changed(event_id: int) -> None:
    """Tells the owner that the second factor of their account changed (by e-mail, else text message)."""
    from accounts.two_factor import services

    services.second_factor_change_notify(event_id=event_id)
