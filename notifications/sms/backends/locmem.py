from notifications import sms
from notifications.sms import SmsMessage


class SmsBackend:
    """Keeps each message in `notifications.sms.outbox`, for tests (as Django's mail.outbox)."""

    def send(self, message: SmsMessage) -> None:
        sms.outbox.append(message)
