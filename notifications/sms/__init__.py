"""Text messages: one interface, `send_sms`, and a backend chosen by the setting SMS_BACKEND.

Like Django's e-mail, the backends are the console (development), locmem (tests: messages land in
`outbox`) and AWS SNS (production). `send_sms` sends now, so it belongs in a Celery task: a web
request queues the message with `notifications.services.sms_queue` instead of waiting on AWS.
"""

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

from notifications.sms.segments import segment_count
from relyfe import abuse

SMS_WINDOW_SECONDS = 60 * 60


class SmsError(Exception):
    """A message was not sent. The text says why, for the logs: never the number, never the body."""


class InvalidSms(SmsError):
    """The message cannot be sent to this number or with this body: trying again would not help."""


class TooManySms(InvalidSms):
    """This number got settings.SMS_PER_NUMBER messages in the last hour: nobody needs more, and whoever makes
    us send them is using us to flood someone's phone (or their bill)."""


class SmsUnavailable(SmsError):
    """The provider could not take the message now (network, throttling, outage): it may be tried again."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str

    @property
    def segments(self) -> int:
        return segment_count(self.body)


# The messages the locmem backend "sent", as django.core.mail.outbox for e-mails; emptied for each test.
outbox: list[SmsMessage] = []


def send_sms(*, to: str, body: str) -> None:
    """Sends `body` (plain text) to `to` (a phone number in E.164) through the configured backend."""
    message = SmsMessage(to=to, body=body)
    check(message)
    if not abuse.hit(abuse.Limit("sms:number", settings.SMS_PER_NUMBER, SMS_WINDOW_SECONDS), to):
        raise TooManySms("this number got too many messages in the last hour")
    import_string(settings.SMS_BACKEND)().send(message)


def check(message: SmsMessage) -> None:
    if not is_e164(message.to):
        raise InvalidSms("the number is not a phone number in E.164 form")
    if not message.body.strip():
        raise InvalidSms("the body is empty")
    if message.segments > settings.SMS_MAX_SEGMENTS:
        raise InvalidSms(f"the body needs {message.segments} segments, more than {settings.SMS_MAX_SEGMENTS}")


def is_e164(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed) and number == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    )
