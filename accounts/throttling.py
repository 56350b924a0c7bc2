"""Failed sign-in attempts, counted per account and per client address in the cache.

The counters are keyed by a hash of the canonical identifier, so "06 12 34 56 78" and "+33612345678"
count against the same account, and no identifier is written in clear into the cache.
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import cache

from accounts.identifiers import canonical_identifier


def _account_key(identifier: str) -> str | None:
    parsed = canonical_identifier(identifier)
    if parsed is None:
        return None
    digest = hashlib.sha256(":".join(parsed).encode()).hexdigest()
    return f"login-failures:account:{digest}"


def _address_key(address: str) -> str:
    return f"login-failures:address:{address}"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _keys_and_limits(identifier: str, address: str) -> list[tuple[str, int]]:
    keys = [(_address_key(address), settings.LOGIN_FAILURES_PER_ADDRESS)]
    account_key = _account_key(identifier)
    if account_key:
        keys.append((account_key, settings.LOGIN_FAILURES_PER_ACCOUNT))
    return keys


def is_locked(identifier: str, address: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys_and_limits(identifier, address))


def record_failure(identifier: str, address: str) -> None:
    timeout = int(settings.LOGIN_LOCKOUT.total_seconds())
    for key, _limit in _keys_and_limits(identifier, address):
        # add() then incr() keeps the first failure's expiry: the lock lifts LOGIN_LOCKOUT after it.
        if not cache.add(key, 1, timeout):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout)


def is_account_locked(identifier: str) -> bool:
    """Whether failed sign-ins locked this account, from whatever address."""
    account_key = _account_key(identifier)
    return account_key is not None and (cache.get(account_key) or 0) >= settings.LOGIN_FAILURES_PER_ACCOUNT


def reset_account(identifier: str) -> None:
    account_key = _account_key(identifier)
    if account_key:
        cache.delete(account_key)


def lockout_minutes() -> int:
    return math.ceil(settings.LOGIN_LOCKOUT.total_seconds() / 60)
