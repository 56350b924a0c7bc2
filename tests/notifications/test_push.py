import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from notifications.models import PushSubscription
from notifications.tasks import push_notification
from notifications.webpush import PUSH_TTL_SECONDS, PushServiceUnavailable
from tests.notifications.conftest import Browser, make_notification, subscribe

pytestmark = pytest.mark.django_db

TAKEN = {"action": "taken", "title": "Pris", "url": "/treatments/reminders/1/taken/?token=abc"}


def decode_base64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified_vapid_claims(authorization: str, public_key: str) -> dict:
    """The claims of a `vapid t=<JWT>, k=<key>` header, once its ES256 signature is checked against the key."""
    token, key = re.fullmatch(r"vapid t=([^,]+),\s*k=(.+)", authorization).groups()
    assert key == public_key
    header, claims, signature = token.split(".")
    raw = decode_base64url(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), decode_base64url(key))
    point.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(decode_base64url(claims))


def test_the_push_reaches_the_push_service_encrypted_for_the_browser(alice, vapid, push_service, browser):
    subscription = subscribe(alice, browser, push_service.url + "/push/alice-phone")
    notification = make_notification(alice, message="Dr Bob a ajouté un document.", url="/records/", actions=[TAKEN])

    push_notification(notification.pk)

    [(path, headers, body)] = push_service.requests
    assert path == "/push/alice-phone"
    assert headers["Content-Encoding"] == "aes128gcm"
    assert headers["TTL"] == str(PUSH_TTL_SECONDS)
    claims = verified_vapid_claims(headers["Authorization"], vapid.public)
    assert claims["aud"] == push_service.url
    assert claims["sub"] == "mailto:push@relyfe.test"
    assert b"Dr Bob" not in body
    assert browser.decrypt(body) == {
        "title": "ReLyfe",
        "body": "Dr Bob a ajouté un document.",
        "url": "https://relyfe.example/records/",
        "actions": [{**TAKEN, "url": "https://relyfe.example" + TAKEN["url"]}],
        "tag": str(notification.public_id),
    }
    notification.refresh_from_db()
    subscription.refresh_from_db()
    assert notification.pushed_at is not None
    assert subscription.last_success_at is not None


def test_a_notification_without_link_opens_the_centre(alice, vapid, push_service, browser):
    subscribe(alice, browser, push_service.url + "/push/1")
    notification = make_notification(alice, url="")

    push_notification(notification.pk)

    assert browser.decrypt(push_service.requests[0][2])["url"] == "https://relyfe.example/notifications/"


def test_each_device_gets_the_push_encrypted_for_itself(alice, dave, vapid, push_service):
    phone, laptop, daves = Browser(), Browser(), Browser()
    subscribe(alice, phone, push_service.url + "/push/phone")
    subscribe(alice, laptop, push_service.url + "/push/laptop")
    subscribe(dave, daves, push_service.url + "/push/dave")
    notification = make_notification(alice)

    push_notification(notification.pk)

    bodies = {path: body for path, _headers, body in push_service.requests}
    assert set(bodies) == {"/push/phone", "/push/laptop"}
    assert phone.decrypt(bodies["/push/phone"])["body"] == laptop.decrypt(bodies["/push/laptop"])["body"]


def test_the_task_run_twice_pushes_once(alice, vapid, push_service, browser):
    subscribe(alice, browser, push_service.url + "/push/1")
    notification = make_notification(alice)

    push_notification(notification.pk)
    push_notification(notification.pk)

    assert len(push_service.requests) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_deleted(alice, vapid, push_service, browser, status):
    gone = subscribe(alice, browser, push_service.url + "/push/gone")
    push_service.status = status
    notification = make_notification(alice)

    push_notification(notification.pk)

    assert not PushSubscription.objects.filter(pk=gone.pk).exists()


def test_a_push_service_that_fails_for_now_is_tried_again_a_few_times(alice, vapid, push_service, browser):
    subscription = subscribe(alice, browser, push_service.url + "/push/1")
    push_service.status = 503
    notification = make_notification(alice)

    result = push_notification.apply(args=[notification.pk])

    assert isinstance(result.result, PushServiceUnavailable)
    assert len(push_service.requests) == 1 + push_notification.max_retries <= 4
    notification.refresh_from_db()
    assert notification.pushed_at is None
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_the_gone_subscriptions_stay_deleted_when_the_task_asks_for_a_retry(alice, vapid, push_service):
    gone = subscribe(alice, Browser(), push_service.url + "/push/gone")
    subscribe(alice, Browser(), push_service.url + "/push/busy")
    push_service.status_by_path = {"/push/gone": 410, "/push/busy": 503}
    notification = make_notification(alice)

    with pytest.raises(PushServiceUnavailable):
        push_notification(notification.pk)

    assert not PushSubscription.objects.filter(pk=gone.pk).exists()


def test_once_one_device_got_it_the_push_is_done(alice, vapid, push_service):
    subscribe(alice, Browser(), push_service.url + "/push/busy")
    subscribe(alice, Browser(), push_service.url + "/push/ok")
    push_service.status_by_path = {"/push/busy": 503}
    notification = make_notification(alice)

    push_notification(notification.pk)
    push_notification(notification.pk)

    notification.refresh_from_db()
    assert notification.pushed_at is not None
    assert len(push_service.requests) == 2


def test_a_push_the_service_refuses_for_good_is_not_tried_again(alice, vapid, push_service, browser):
    subscription = subscribe(alice, browser, push_service.url + "/push/1")
    push_service.status = 400
    notification = make_notification(alice)

    push_notification.apply(args=[notification.pk])

    assert len(push_service.requests) == 1
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_an_unreachable_push_service_fails_for_now(alice, vapid, browser):
    # Nothing listens on port 9 of this machine (discard): the connection is refused.
    subscribe(alice, browser, "http://127.0.0.1:9/push/1")
    notification = make_notification(alice)

    with pytest.raises(PushServiceUnavailable):
        push_notification(notification.pk)


def test_nothing_is_sent_without_server_keys(alice, settings, push_service, browser):
    settings.DEBUG = False
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    subscribe(alice, browser, push_service.url + "/push/1")
    notification = make_notification(alice)

    push_notification(notification.pk)

    assert push_service.requests == []


def test_the_task_logs_ids_but_never_the_message_nor_the_endpoint(alice, vapid, push_service, browser, caplog):
    push_service.status_by_path = {"/push/secret-endpoint": 410}
    subscription = subscribe(alice, browser, push_service.url + "/push/secret-endpoint")
    notification = make_notification(alice, message="Dr Bob added a document to your file.")

    with caplog.at_level("DEBUG", logger="notifications"):
        push_notification(notification.pk)

    assert str(notification.pk) in caplog.text and str(subscription.pk) in caplog.text
    assert "Dr Bob" not in caplog.text
    assert "secret-endpoint" not in caplog.text


def test_an_action_written_with_a_link_elsewhere_is_left_out_of_the_push(alice, vapid, push_service, browser):
    subscribe(alice, browser, push_service.url + "/push/1")
    # notify() refuses such links; this one was written straight into the database.
    evil = {"action": "evil", "title": "Go", "url": "https://evil.example/"}
    notification = make_notification(alice, actions=[TAKEN, evil])

    push_notification(notification.pk)

    assert [action["action"] for action in browser.decrypt(push_service.requests[0][2])["actions"]] == ["taken"]
