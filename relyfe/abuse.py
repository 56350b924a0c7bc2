"""Who the client is, and how much it may do: the one place every rate limit and lockout of the site goes
through.

`client_address` is the socket's peer unless that peer is a proxy listed in settings.TRUSTED_PROXIES; then it
is the right-most address of X-Forwarded-For that is not one of those proxies (the left-most entries are
whatever the client chose to write, so they are never believed). Without TRUSTED_PROXIES the header is
ignored: anybody can send it.

Counters live in the cache (relyfe.cache.ResilientRedisCache: they keep holding in each process's memory
while Redis is down). Their keys are a hash of the scope and of the key, so that no e-mail address, phone
number, token or client address is ever written in clear into the cache.

Two tools:
- `Limit` and `hit`: so many events per window (messages sent, pages of work created for someone); over
  the limit the caller refuses, or answers the same and does nothing when refusing would tell something.
- `failure`, `wait_seconds`, `clear`: failed attempts at a secret. The first `free` failures cost nothing;
  each further one makes the next attempt wait twice as long as the one before, up to `longest`. Only
  failures count; a success clears them.
"""

import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

ADDRESS_TYPES = (ipaddress.IPv4Address, ipaddress.IPv6Address)


# --- The client's address -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The address of the client that sent `request`, as far as trusted proxies vouch for it."""
    if request is None:
        return ""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(_parse(peer), networks):
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    address = peer
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:
            # Garbage a trusted proxy passed along: the last address it vouched for is all we know.
            return address
        address = str(parsed)
        if not _is_trusted(parsed, networks):
            return address
    return address


# --- Counters -------------------------------------------------------------------------------------


def cache_key(scope: str, key: str) -> str:
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()
    return f"abuse:{scope}:{digest}"


def _count(key: str, timeout: int) -> int:
    """One more under `key`; add() then incr() keeps the first one's expiry, so the window is fixed."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout)
        return 1


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `window_seconds` under one scope and key."""

    scope: str
    count: int
    window_seconds: int


def hit(limit: Limit, key: str) -> bool:
    """Counts one event; whether it is within the limit."""
    return _count(cache_key(limit.scope, key), limit.window_seconds) <= limit.count


def reached(limit: Limit, key: str) -> bool:
    """Whether the next event would be over the limit; counts nothing."""
    return (cache.get(cache_key(limit.scope, key)) or 0) >= limit.count


def hit_all(*limits_and_keys: tuple[Limit, str]) -> bool:
    """Counts one event under each limit when none is reached yet; whether it was counted. A refused event
    counts nowhere: a flood from one address that is already refused does not use up the limit of its target
    (a patient, an account) for everybody else."""
    if any(reached(limit, key) for limit, key in limits_and_keys):
        return False
    results = [hit(limit, key) for limit, key in limits_and_keys]
    return all(results)


# --- Failed attempts with progressive delays -------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    """Failed attempts at a secret under one scope: `free` failures, then a wait of `first_delay_seconds`
    doubling with each further failure, at most `longest_seconds`; failures are remembered
    `memory_seconds` after the first one."""

    scope: str
    free: int
    first_delay_seconds: int
    longest_seconds: int
    memory_seconds: int

    def delay_after(self, failures: int, *, free: int | None = None) -> int:
        allowed = self.free if free is None else free
        if failures < max(allowed, 1):
            return 0
        doublings = min(failures - max(allowed, 1), 32)
        return min(self.first_delay_seconds * 2**doublings, self.longest_seconds)


def failure(lockout: Lockout, key: str, *, free: int | None = None) -> int:
    """Counts a failed attempt; the seconds the next attempt must wait (0: none). `free` overrides the
    lockout's free failures (0 when the client is already suspect)."""
    base = cache_key(lockout.scope, key)
    failures = _count(f"{base}:failures", lockout.memory_seconds)
    delay = lockout.delay_after(failures, free=free)
    if delay:
        cache.set(f"{base}:until", time.time() + delay, delay)
    return delay


def wait_seconds(lockout: Lockout, key: str) -> int:
    """How long the next attempt must still wait (0: it may go)."""
    until = cache.get(f"{cache_key(lockout.scope, key)}:until")
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def clear(lockout: Lockout, key: str) -> None:
    base = cache_key(lockout.scope, key)
    cache.delete_many([f"{base}:failures", f"{base}:until"])


def wait_text(seconds: int) -> str:
    """ "30 seconds", "4 minutes": how long to wait, in words, rounded up."""
    if seconds < 60:
        count = max(seconds, 1)
        return ngettext("%(count)d second", "%(count)d seconds", count) % {"count": count}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


# --- Text from strangers ---------------------------------------------------------------------------

# A scheme, "www.", or a dot between a word and what looks like a top-level domain.
_LINK_PARTS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):/+|\bwww\.|(?<=\w)\.(?=[a-z]{2,}\b)")


def without_links(text: str) -> str:
    """`text` as it may go into a message to someone: whatever looked like a web address no longer does, so
    that nobody can use our messages to send a link to someone ("evil.example/x" becomes "evil[.]example/x")."""

    def neutralise(match: re.Match) -> str:
        found = match.group(0)
        if found.startswith("."):
            return "[.]"
        if found.lower() == "www.":
            return "www[.]"
        return f"{match.group(1)}[:]"

    return _LINK_PARTS.sub(neutralise, text)
