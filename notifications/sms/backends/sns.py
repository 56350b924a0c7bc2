"""AWS SNS: a direct publish to a phone number, as a transactional message (codes and links that are
awaited now, delivered before promotional traffic and even to numbers that opted out of marketing)."""

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from notifications.sms import InvalidSms, SmsMessage, SmsUnavailable

# What SNS answers about the request itself: trying again sends the same refused request.
REFUSED_REQUEST_ERRORS = {"InvalidParameter", "InvalidParameterValue", "OptedOut", "AuthorizationError"}


class SmsBackend:
    def __init__(self, client=None):
        self.client = client or boto3.client("sns", region_name=settings.AWS_SNS_REGION)

    def send(self, message: SmsMessage) -> None:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if settings.SMS_SENDER_ID:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": settings.SMS_SENDER_ID}
        try:
            self.client.publish(PhoneNumber=message.to, Message=message.body, MessageAttributes=attributes)
        # "from None": AWS's own message may quote the number, and a logged traceback would carry it.
        except ClientError as error:
            code = error.response["Error"]["Code"]
            failure = InvalidSms if code in REFUSED_REQUEST_ERRORS else SmsUnavailable
            raise failure(f"SNS refused the message: {code}") from None
        except BotoCoreError as error:
            raise SmsUnavailable(f"SNS could not be reached: {type(error).__name__}") from None
