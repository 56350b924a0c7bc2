"""Secrets in URLs: share-link tokens (random, stored hashed) and derived tokens (made from a stored nonce
and a server key, so that the URL can be shown again but a copy of the database alone does not reveal
it): the emergency page behind a Heart-Code, and an access request's status page and its link.

Derived tokens are made with the newest of relyfe.keys; one made with an older key still opens while that
key is listed (a printed Heart-Code card outlives a key rotation), and stops when it is removed."""

import base64
import hashlib
import hmac
import secrets

from relyfe import keys

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derived_token(purpose: str, nonce: str, key: keys.Key | None = None) -> str:
    """The token made from the nonce with `key` (the newest one by default)."""
    digest = (key or keys.newest()).digest(purpose, f"relyfe-{purpose}:{nonce}")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _derived_tokens(purpose: str, nonce: str) -> list[str]:
    """The token under every key that still verifies, newest first."""
    return [_derived_token(purpose, nonce, key) for key in keys.verifying()]


def derived_token_in_use(purpose: str, nonce: str, stored_hash: str) -> str | None:
    """The token whose hash was stored, made again with whichever key made it; None once that key is removed."""
    for token in _derived_tokens(purpose, nonce):
        if hmac.compare_digest(token_hash(token), stored_hash):
            return token
    return None


def derived_token_is_valid(purpose: str, nonce: str, token: str) -> bool:
    """Whether a key still in the list makes this token from the nonce: a token found by its hash alone
    would outlive the removal of the key that made it."""
    return any(hmac.compare_digest(candidate, token) for candidate in _derived_tokens(purpose, nonce))


HEARTCODE = "heartcode"
REQUEST_STATUS = "request-status"
REQUEST_LINK = "request-link"


def emergency_token(nonce: str) -> str:
    return _derived_token(HEARTCODE, nonce)


def request_status_token(nonce: str) -> str:
    """The visitor's page where an access request's answer shows; random, it says nothing of the patient."""
    return _derived_token(REQUEST_STATUS, nonce)


def request_link_token(nonce: str) -> str:
    """The share link given when a visitor's request is approved: the status page and the patient's list
    show it again, so it is derived rather than kept."""
    return _derived_token(REQUEST_LINK, nonce)


def new_passcode() -> str:
    """Six digits, given to the recipient apart from the link."""
    return f"{secrets.randbelow(1_000_000):06d}"


def emergency_token_with(key: keys.Key, nonce: str) -> str:
    """The token `key` makes from the nonce: manage.py heartcode_keys counts which key made each code."""
    return _derived_token(HEARTCODE, nonce, key)
