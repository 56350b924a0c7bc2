import io
import traceback

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from notifications import sms
from notifications.sms import InvalidSms, SmsError, SmsMessage, SmsUnavailable, send_sms
from notifications.sms.backends import console, sns
from notifications.sms.segments import segment_count

TRANSACTIONAL = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}


def test_the_locmem_backend_collects_messages_in_the_outbox(sms_outbox):
    send_sms(to="+33612345678", body="Votre code ReLyfe : 123456")

    assert sms_outbox == [SmsMessage(to="+33612345678", body="Votre code ReLyfe : 123456")]
    assert sms.outbox is sms_outbox


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "notifications.sms.backends.console.SmsBackend"

    send_sms(to="+33612345678", body="Votre code ReLyfe : 123456")

    printed = capsys.readouterr().out
    assert "+33612345678" in printed
    assert "Votre code ReLyfe : 123456" in printed


def test_the_console_backend_never_writes_the_body_to_the_logs(caplog):
    stream = io.StringIO()

    console.SmsBackend(stream=stream).send(SmsMessage(to="+33612345678", body="code 123456"))

    assert "code 123456" in stream.getvalue()
    assert "123456" not in caplog.text


@pytest.mark.parametrize("number", ["0612345678", "33612345678", "+3361234", "+33 6 12 34 56 78", ""])
def test_a_number_not_in_e164_is_refused(number, sms_outbox):
    with pytest.raises(InvalidSms):
        send_sms(to=number, body="Bonjour")
    assert sms_outbox == []


def test_an_empty_body_is_refused(sms_outbox):
    with pytest.raises(InvalidSms):
        send_sms(to="+33612345678", body="  ")
    assert sms_outbox == []


def test_a_body_longer_than_the_allowed_segments_is_refused(settings, sms_outbox):
    settings.SMS_MAX_SEGMENTS = 1

    send_sms(to="+33612345678", body="a" * 160)
    with pytest.raises(InvalidSms):
        send_sms(to="+33612345678", body="a" * 161)
    # One "ê" sends the text in UCS-2: 70 characters fit in one message, not 71.
    send_sms(to="+33612345678", body="ê" * 70)
    with pytest.raises(InvalidSms):
        send_sms(to="+33612345678", body="ê" * 71)
    assert len(sms_outbox) == 2


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        # Accents of the GSM alphabet (é, è, à) keep 7-bit characters.
        ("Votre code ReLyfe : 123456. Valable 10 minutes, à usage unique. Ne le communiquez à personne." * 1, 1),
        # Extension characters take two: 80 "€" fill exactly one message.
        ("€" * 80, 1),
        ("€" * 81, 2),
        # ê, ô, ç and the typographic apostrophe are not GSM: UCS-2, 70 then 67 per part.
        ("ê" * 70, 1),
        ("ê" * 71, 2),
        ("L’accès" + "a" * 63, 1),
        ("ô" * 134, 2),
        ("ô" * 135, 3),
        # An emoji is two UTF-16 units.
        ("🙂" * 35, 1),
        ("🙂" * 36, 2),
    ],
)
def test_segments_are_counted_for_the_alphabet_the_text_needs(text, segments):
    assert segment_count(text) == segments


@pytest.fixture
def sns_client():
    client = boto3.client("sns", region_name="eu-west-3", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_sns_publishes_a_transactional_message_to_the_number(sns_client, settings):
    client, stubber = sns_client
    settings.SMS_SENDER_ID = ""
    stubber.add_response(
        "publish",
        {"MessageId": "1"},
        {"PhoneNumber": "+33612345678", "Message": "Votre code : 123456", "MessageAttributes": TRANSACTIONAL},
    )

    sns.SmsBackend(client=client).send(SmsMessage(to="+33612345678", body="Votre code : 123456"))


def test_sns_names_the_sender_when_one_is_set(sns_client, settings):
    client, stubber = sns_client
    settings.SMS_SENDER_ID = "ReLyfe"
    sender = {"AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "ReLyfe"}}
    stubber.add_response(
        "publish",
        {"MessageId": "1"},
        {"PhoneNumber": "+33612345678", "Message": "Bonjour", "MessageAttributes": TRANSACTIONAL | sender},
    )

    sns.SmsBackend(client=client).send(SmsMessage(to="+33612345678", body="Bonjour"))


def test_send_sms_goes_through_the_configured_sns_backend(sns_client, settings, monkeypatch, sms_outbox):
    client, stubber = sns_client
    settings.SMS_BACKEND = "notifications.sms.backends.sns.SmsBackend"
    settings.SMS_SENDER_ID = ""
    # boto3.client is where the backend gets its client: give it the stubbed one.
    monkeypatch.setattr(sns.boto3, "client", lambda service, region_name: client)
    stubber.add_response(
        "publish",
        {"MessageId": "1"},
        {"PhoneNumber": "+33612345678", "Message": "Bonjour", "MessageAttributes": TRANSACTIONAL},
    )

    send_sms(to="+33612345678", body="Bonjour")

    assert sms_outbox == []


def test_sns_uses_the_configured_region(settings):
    settings.AWS_SNS_REGION = "eu-central-1"

    assert sns.SmsBackend().client.meta.region_name == "eu-central-1"


def test_a_refused_number_is_an_sms_error_not_worth_retrying(sns_client):
    client, stubber = sns_client
    stubber.add_client_error("publish", service_error_code="InvalidParameter", http_status_code=400)

    with pytest.raises(InvalidSms):
        sns.SmsBackend(client=client).send(SmsMessage(to="+33612345678", body="Bonjour"))


def test_throttling_by_sns_is_an_sms_error_worth_retrying(sns_client):
    client, stubber = sns_client
    stubber.add_client_error("publish", service_error_code="Throttling", http_status_code=400)

    with pytest.raises(SmsUnavailable) as raised:
        sns.SmsBackend(client=client).send(SmsMessage(to="+33612345678", body="Bonjour"))
    assert isinstance(raised.value, SmsError)
    assert "Throttling" in str(raised.value)


def test_an_sns_error_carries_neither_the_number_nor_the_body_into_the_logs(sns_client):
    client, stubber = sns_client
    number, body = "+33698765432", "code 654321"
    stubber.add_client_error(
        "publish",
        service_error_code="InvalidParameter",
        service_message=f"Invalid parameter: PhoneNumber Reason: {number} is not valid to publish to",
        http_status_code=400,
    )

    with pytest.raises(InvalidSms) as raised:
        sns.SmsBackend(client=client).send(SmsMessage(to=number, body=body))

    # What logging prints for an exception: its whole traceback, chained exceptions included.
    logged = "".join(traceback.format_exception(raised.value))
    assert "InvalidParameter" in logged
    assert number not in logged
    assert "654321" not in logged


def test_sns_out_of_reach_is_an_sms_error_worth_retrying():
    client = boto3.client(
        "sns",
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )

    def unreachable(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://sns.eu-west-3.amazonaws.com/")

    client.meta.events.register_first("before-send.sns.Publish", unreachable)

    with pytest.raises(SmsUnavailable) as raised:
        sns.SmsBackend(client=client).send(SmsMessage(to="+33612345678", body="Bonjour"))
    assert "EndpointConnectionError" in str(raised.value)


def test_one_number_gets_at_most_the_hourly_limit_of_messages(settings, sms_outbox):
    settings.SMS_PER_NUMBER = 3
    for _message in range(3):
        sms.send_sms(to="+33612345678", body="Votre code ReLyfe : 123456")

    with pytest.raises(sms.TooManySms):
        sms.send_sms(to="+33612345678", body="Votre code ReLyfe : 123456")
    sms.send_sms(to="+33712345678", body="Votre code ReLyfe : 123456")

    assert [message.to for message in sms_outbox] == ["+33612345678"] * 3 + ["+33712345678"]
