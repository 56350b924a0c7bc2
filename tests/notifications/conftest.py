import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from notifications.models import Event, Notification, PushSubscription
from notifications.webpush import VapidKeys


def make_notification(recipient, **fields) -> Notification:
    """A notification as notify() makes it, written directly (no preference check, no e-mail)."""
    defaults = {"event": Event.RECORD_ADDED, "message": "Dr Bob added a document to your file.", "url": "/records/"}
    return Notification.objects.create(recipient=recipient, **(defaults | fields))


class PushService:
    """A push service on 127.0.0.1: it records each request and answers `status`, or the path's own."""

    def __init__(self, url: str):
        self.url = url
        self.status = 201
        self.status_by_path = {}
        self.requests = []  # (path, headers, body)


@pytest.fixture
def push_service():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            service.requests.append((self.path, self.headers, body))
            self.send_response(service.status_by_path.get(self.path, service.status))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            """Quiet: the test reads what it needs from `requests`."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser makes when it subscribes: an EC P-256 key pair and a 16-byte secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64url(point)

    @property
    def auth(self) -> str:
        return base64url(self.auth_secret)

    def subscription_json(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def vapid(settings) -> VapidKeys:
    """A server key pair set in the settings, as production has."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    keys = VapidKeys(
        public=base64url(public_point), private=base64url(private_key.private_numbers().private_value.to_bytes(32))
    )
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = keys
    settings.VAPID_SUBJECT = "mailto:push@relyfe.test"
    settings.SITE_URL = "https://relyfe.example/"
    return keys


def subscribe(user, browser: Browser, endpoint: str) -> PushSubscription:
    """A subscription written directly: the local push service's http address is refused outside DEBUG."""
    return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth)
