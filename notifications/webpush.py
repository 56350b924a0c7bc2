"""Web Push: the VAPID key pair that identifies ReLyfe to browsers' push services, and one push sent.

The browser subscribes with the public key; each push is signed with the private key. Production sets
both in the environment. A development machine makes its own pair once, under VAR_DIR, so that the dev
server (which hands the public key to the browser), the worker and beat (which sign) share it.
"""

import base64
import enum
import logging
import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pywebpush import WebPushException, webpush

from notifications.models import PushSubscription

logger = logging.getLogger(__name__)

# The push service keeps a push for a device that is off for this long; later, the in-app
# notification is enough.
PUSH_TTL_SECONDS = 12 * 60 * 60
PUSH_TIMEOUT_SECONDS = 10
GONE_STATUSES = frozenset({404, 410})


class VapidKeys(NamedTuple):
    # base64url of the uncompressed public point: the browser's `applicationServerKey`.
    public: str
    # base64url of the 32-byte private number, as pywebpush and `vapid --gen` write it.
    private: str


def vapid_keys() -> VapidKeys | None:
    """The settings' pair; else, in DEBUG only, this machine's own pair; else None: push is unavailable."""
    if settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY:
        return VapidKeys(public=settings.VAPID_PUBLIC_KEY, private=settings.VAPID_PRIVATE_KEY)
    if not settings.DEBUG:
        return None
    return _development_keys()


def _development_keys() -> VapidKeys:
    path = Path(settings.VAR_DIR) / "vapid" / "private_key.pem"
    if not path.exists():
        _write_once(path, _new_private_key_pem())
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return _encode(private_key)


def _new_private_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_once(path: Path, content: bytes) -> None:
    """Writes `path` unless another process did first. The file is complete before it gets its name
    (a hard link fails when the name exists), so that a process starting at the same moment never
    reads half a key, and the first pair written is the one everyone keeps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def _encode(private_key: ec.EllipticCurvePrivateKey) -> VapidKeys:
    public_point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private_number = private_key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(public=_base64url(public_point), private=_base64url(private_number))


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    # The push service no longer knows the subscription: the user unsubscribed or the browser dropped it.
    GONE = "gone"
    # The service rejected this push for good (a bad request, a key mismatch): it would fail again.
    REFUSED = "refused"
    # The service could not take it now (network, 429, 5xx): worth trying again later.
    UNAVAILABLE = "unavailable"


class PushServiceUnavailable(Exception):
    """No device could be reached for now; raised for the task to be retried."""


def push_send(subscription: PushSubscription, payload: str, keys: VapidKeys) -> Outcome:
    """Encrypts `payload` for the subscription's browser and hands it to its push service.

    Failures are logged by subscription id and status only: their text may hold the endpoint."""
    try:
        webpush(
            subscription.as_subscription_info(),
            payload,
            vapid_private_key=keys.private,
            # A new dict each time: pywebpush writes the audience of the first endpoint into it.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        return _outcome_of_failure(subscription, error.status_code)
    except requests.RequestException as error:
        logger.warning("Push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return Outcome.UNAVAILABLE
    return Outcome.DELIVERED


def _outcome_of_failure(subscription: PushSubscription, status: int | None) -> Outcome:
    logger.warning("Push to subscription %s failed with status %s", subscription.pk, status)
    if status in GONE_STATUSES:
        return Outcome.GONE
    if status is None or status == 429 or status >= 500:
        return Outcome.UNAVAILABLE
    return Outcome.REFUSED
