"""Secrets in URLs: share-link tokens (random, stored hashed) and derived tokens (made from a stored nonce
and the server's secret, so that the URL can be shown again but a copy of the database alone does not
reveal it): the emergency page behind a Heart-Code, and an access request's status page and its link."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derived_token(purpose: str, nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"relyfe-{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def emergency_token(nonce: str) -> str:
    return _derived_token("heartcode", nonce)


def request_status_token(nonce: str) -> str:
    """The visitor's page where an access request's answer shows; random, it says nothing of the patient."""
    return _derived_token("request-status", nonce)


def request_link_token(nonce: str) -> str:
    """The share link given when a visitor's request is approved: the status page and the patient's list
    show it again, so it is derived rather than kept."""
    return _derived_token("request-link", nonce)


def new_passcode() -> str:
    """Six digits, given to the recipient apart from the link."""
    return f"{secrets.randbelow(1_000_000):06d}"
