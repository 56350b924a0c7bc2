"""The shared cache on Redis, and what the site does while Redis cannot be reached.

Nothing a page needs lives only in the cache (sessions are in the database). What is there — the counters of
the rate limits, the worker's heartbeat — must not turn a Redis outage into error pages, and a rate limit must
not be lifted by one. So while Redis cannot be reached, `ResilientRedisCache` works on this process's memory:
a read of what the process did not write there is a miss, and a counter keeps counting, in this process. Each
web process then enforces every limit on its own: a brute force gets at most the limit times the number of
processes, never an unlimited number of tries.

A dead Redis must cost milliseconds, not seconds: the connection has short timeouts (settings.py), redis-py
does not retry, and after a failure this process leaves Redis alone for `RETRY_AFTER_SECONDS`, so that a hung
Redis costs one timeout every few seconds rather than one for each request. When Redis answers again, its
counters take over; those kept in memory expire on their own.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 5.0
# Counters are small; enough room that a flood of keys cannot push a locked account's counter out.
LOCAL_MAX_ENTRIES = 100_000


class _Outage:
    """Whether this process currently leaves a Redis server alone; shared by the threads of the process."""

    def __init__(self, server: str):
        self.server = server
        self.lock = threading.Lock()
        self.retry_at: float | None = None

    def ongoing(self) -> bool:
        retry_at = self.retry_at
        return retry_at is not None and time.monotonic() < retry_at

    def begin(self, error: Exception) -> None:
        with self.lock:
            first = self.retry_at is None
            self.retry_at = time.monotonic() + RETRY_AFTER_SECONDS
        if first:
            # The server's address and the error's class only: no key (keys hold addresses and account hashes).
            logger.warning(
                "Redis cache at %s unreachable (%s): this process keeps its counters in memory",
                self.server,
                type(error).__name__,
            )

    def end(self) -> None:
        if self.retry_at is None:  # the usual case, without taking the lock
            return
        with self.lock:
            ended, self.retry_at = self.retry_at is not None, None
        if ended:
            logger.warning("Redis cache at %s reachable again", self.server)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(server: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(server, _Outage(server))


def _host_and_port(location: str) -> str:
    """Where the cache is, without the password a Redis URL may carry."""
    parts = urlsplit(location)
    return parts.netloc.rpartition("@")[2] or parts.path  # host:port, or a Unix socket's path


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, which works on this process's memory while Redis cannot be reached."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._outage = _outage_of(_host_and_port(self._servers[0]))
        # LocMemCache keeps its entries per name for the whole process, whichever thread asks.
        self._local = LocMemCache(
            f"relyfe-redis-outage:{self._servers[0]}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES},
            },
        )

    @property
    def reachable(self) -> bool:
        """False while Redis is out of reach and this process works on its own memory: what is read then is
        this process's, not the site's (/healthz says it cannot tell rather than reading it as the truth)."""
        return not self._outage.ongoing()

    def _call(self, operation: str, *args, **kwargs):
        if not self._outage.ongoing():
            try:
                result = getattr(super(), operation)(*args, **kwargs)
            except UNREACHABLE as error:
                self._outage.begin(error)
            else:
                self._outage.end()
                return result
        return getattr(self._local, operation)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")
