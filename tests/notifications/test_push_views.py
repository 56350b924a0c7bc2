import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import PushSubscription
from notifications.services import MAX_SUBSCRIPTIONS_PER_USER, push_subscription_save
from tests.notifications.conftest import Browser, subscribe

pytestmark = pytest.mark.django_db

ENDPOINT = "https://fcm.googleapis.com/fcm/send/alice-phone"


def post_json(client, name, body, **headers):
    return client.post(reverse(name), json.dumps(body), content_type="application/json", headers=headers)


def test_subscribing_stores_this_browser_for_the_user(client, alice, browser):
    client.force_login(alice)

    response = post_json(
        client, "notifications:push_subscribe", browser.subscription_json(ENDPOINT), **{"User-Agent": "Firefox"}
    )

    assert response.status_code == 201
    assert response.json() == {"subscribed": True}
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.endpoint, subscription.p256dh) == (alice, ENDPOINT, browser.p256dh)
    assert (subscription.auth, subscription.user_agent) == (browser.auth, "Firefox")


def test_subscribing_again_renews_the_keys_of_the_same_row(client, alice):
    client.force_login(alice)
    post_json(client, "notifications:push_subscribe", Browser().subscription_json(ENDPOINT))
    renewed = Browser()

    post_json(client, "notifications:push_subscribe", renewed.subscription_json(ENDPOINT))

    assert PushSubscription.objects.get().p256dh == renewed.p256dh


def test_a_browser_subscribed_by_someone_else_follows_the_person_signed_in(client, alice, dave, browser):
    subscribe(dave, browser, ENDPOINT)
    client.force_login(alice)

    post_json(client, "notifications:push_subscribe", browser.subscription_json(ENDPOINT))

    assert PushSubscription.objects.get().user == alice


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/1",
        "http://127.0.0.1:8000/push/1",
        "https://127.0.0.1/push/1",
        "https://10.0.0.5/push/1",
        "https://localhost/push/1",
        "ftp://fcm.googleapis.com/1",
        "not a url",
        "https://fcm.googleapis.com/" + "x" * 1000,
    ],
)
def test_an_endpoint_that_is_not_an_https_push_service_is_refused(client, alice, browser, endpoint):
    client.force_login(alice)

    response = post_json(client, "notifications:push_subscribe", browser.subscription_json(endpoint))

    assert response.status_code == 400
    assert "endpoint" in response.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_a_local_http_push_service_is_accepted_in_development(client, alice, browser, settings):
    settings.DEBUG = True
    client.force_login(alice)

    response = post_json(client, "notifications:push_subscribe", browser.subscription_json("http://127.0.0.1:8765/p"))

    assert response.status_code == 201


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "bm90IGEga2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"p256dh": Browser().p256dh, "auth": "c2hvcnQ"},
        {"p256dh": Browser().p256dh},
        {"p256dh": 12, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
    ],
)
def test_keys_that_are_not_a_browsers_are_refused(client, alice, keys):
    client.force_login(alice)

    response = post_json(client, "notifications:push_subscribe", {"endpoint": ENDPOINT, "keys": keys})

    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[]", '{"endpoint": ["x"]}'])
def test_a_body_that_is_not_a_subscription_is_refused(client, alice, body):
    client.force_login(alice)

    response = client.post(reverse("notifications:push_subscribe"), body, content_type="application/json")

    assert response.status_code == 400


def test_a_user_keeps_a_bounded_number_of_devices(alice):
    for number in range(MAX_SUBSCRIPTIONS_PER_USER + 1):
        browser = Browser()
        push_subscription_save(actor=alice, endpoint=f"{ENDPOINT}-{number}", p256dh=browser.p256dh, auth=browser.auth)

    endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert len(endpoints) == MAX_SUBSCRIPTIONS_PER_USER
    assert f"{ENDPOINT}-0" not in endpoints


def test_unsubscribing_forgets_this_browser(client, alice, browser):
    subscribe(alice, browser, ENDPOINT)
    client.force_login(alice)

    response = post_json(client, "notifications:push_unsubscribe", {"endpoint": ENDPOINT})

    assert response.status_code == 200
    assert response.json() == {"subscribed": False}
    assert not PushSubscription.objects.exists()


def test_unsubscribing_leaves_other_users_devices_alone(client, alice, dave):
    daves = subscribe(dave, Browser(), ENDPOINT)
    alices = subscribe(alice, Browser(), ENDPOINT + "-alice")
    client.force_login(alice)

    response = post_json(client, "notifications:push_unsubscribe", {"endpoint": ENDPOINT})

    assert response.status_code == 200
    assert set(PushSubscription.objects.all()) == {daves, alices}


def test_the_endpoints_check_the_csrf_token(alice, browser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("notifications:preferences"))  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value

    refused = post_json(client, "notifications:push_subscribe", browser.subscription_json(ENDPOINT))
    accepted = post_json(
        client, "notifications:push_subscribe", browser.subscription_json(ENDPOINT), **{"X-CSRFToken": token}
    )
    not_unsubscribed = post_json(client, "notifications:push_unsubscribe", {"endpoint": ENDPOINT})

    assert (refused.status_code, accepted.status_code, not_unsubscribed.status_code) == (403, 201, 403)
    assert PushSubscription.objects.filter(user=alice).exists()


@pytest.mark.parametrize("name", ["notifications:push_subscribe", "notifications:push_unsubscribe"])
def test_the_endpoints_need_a_signed_in_user_and_a_post(client, alice, browser, name):
    anonymous = post_json(client, name, browser.subscription_json(ENDPOINT))
    client.force_login(alice)
    got = client.get(reverse(name))

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    assert got.status_code == 405
    assert not PushSubscription.objects.exists()


def test_the_service_worker_is_served_as_javascript_for_the_whole_site(client, project_root):
    response = client.get(reverse("notifications:service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    # The file, after one line naming the app shell it keeps for offline use (relyfe/offline.py).
    settings_line, script = response.content.split(b"\n", 1)
    assert settings_line.startswith(b"self.RELYFE = ")
    assert script == Path(project_root, "static/js/service-worker.js").read_bytes()


def test_the_preferences_page_offers_this_device_with_the_public_key(client, alice, vapid):
    client.force_login(alice)

    content = client.get(reverse("notifications:preferences")).content.decode()

    assert f'data-vapid-public-key="{vapid.public}"' in content
    assert 'data-service-worker-url="/service-worker.js"' in content
    assert "/static/js/push.js" in content


def test_the_preferences_page_says_when_push_is_unavailable(client, alice, settings):
    settings.DEBUG = False
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    client.force_login(alice)

    response = client.get(reverse("notifications:preferences"))

    assert response.context["vapid_public_key"] == ""
    assert "data-vapid-public-key" not in response.content.decode()
