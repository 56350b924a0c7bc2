"""Secrets in URLs: share-link tokens (random, stored hashed) and emergency-page tokens (derived from a
stored nonce and the server's secret, so that the Heart-Code can be drawn again but a copy of the database
alone does not reveal the URL)."""

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


def emergency_token(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"relyfe-heartcode:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_passcode() -> str:
    """Six digits, given to the recipient apart from the link."""
    return f"{secrets.randbelow(1_000_000):06d}"
