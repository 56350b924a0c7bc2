"""Failed sign-in attempts, and codes sent by text message, counted per account or number and per
client address in the cache.

The counters are keyed by a hash of the canonical identifier, so "06 12 34 56 78" and "+33612345678"
count against the same account, and no identifier is written in clear into the cache.

While Redis is down each process counts in its own memory (relyfe.cache.ResilientRedisCache): the limits
hold in every process, a Redis outage never lifts them.
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import cache

from relyfe.identifiers import canonical_identifier


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


def _count(key: str, timeout: int) -> int:
    """One more under `key`; add() then incr() keeps the first one's expiry, so the window is fixed."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout)
        return 1


def record_failure(identifier: str, address: str) -> None:
    # The lock lifts LOGIN_LOCKOUT after the first failure.
    timeout = int(settings.LOGIN_LOCKOUT.total_seconds())
    for key, _limit in _keys_and_limits(identifier, address):
        _count(key, timeout)


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


def phone_code_allowed(phone: str, address: str) -> bool:
    """Counts a request for a code sent to `phone` (E.164); False past the hourly limits of the number
    or of the client address. Unknown numbers count too, so the answer tells nothing about accounts."""
    timeout = int(settings.PHONE_CODES_WINDOW.total_seconds())
    digest = hashlib.sha256(phone.encode()).hexdigest()
    per_number = _count(f"phone-codes:number:{digest}", timeout) <= settings.PHONE_CODES_PER_NUMBER
    per_address = _count(f"phone-codes:address:{address}", timeout) <= settings.PHONE_CODES_PER_ADDRESS
    return per_number and per_address
