"""A Redis server of a test's own, to stop, freeze and start again: fault tests must never touch the machine's
Redis (other tests, other pytest workers and a developer's stack use it)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.core.cache import cache

from tests.conftest import skip_or_fail


def free_port() -> int:
    """A port nothing listens on (the system picked it, and it is closed again at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """`redis-server` on a free port, without persistence: killed, it comes back empty, as after a crash."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        client = redis.Redis(port=self.port, socket_timeout=1)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server stopped at once (exit code {self.process.returncode})")
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not answer within 30 s")

    def holds_keys(self) -> bool:
        return redis.Redis(port=self.port, socket_timeout=5).dbsize() > 0

    def keys(self, pattern: str) -> list[bytes]:
        return redis.Redis(port=self.port, socket_timeout=5).keys(pattern)

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a crashed host would."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def freeze(self) -> None:
        """SIGSTOP: the port still takes connections, nothing answers (a hung server, a saturated host)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        skip_or_fail("needs redis-server: apt-get install redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.thaw()
    server.kill()


def production_caches(project_root, redis_url: str) -> dict:
    """CACHES as relyfe/settings.py makes them for production, with REDIS_URL=`redis_url`."""
    result = subprocess.run(
        [sys.executable, "-c", "import json; from django.conf import settings; print(json.dumps(settings.CACHES))"],
        cwd=project_root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "relyfe.settings", "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def cache_on_redis(settings, project_root):
    """Points the site's cache at a Redis URL, configured as in production."""

    def point_at(url: str) -> None:
        settings.CACHES = production_caches(project_root, url)

    return point_at


@pytest.fixture(params=["never-reachable", pytest.param("killed", marks=pytest.mark.redis)])
def redis_down(request, cache_on_redis):
    """The cache's Redis is down; for "killed", it ran (and the cache used it) until this fixture killed it.
    Gives the private server for "killed", None otherwise."""
    if request.param == "never-reachable":
        cache_on_redis(f"redis://127.0.0.1:{free_port()}/0")
        return None
    server = request.getfixturevalue("private_redis")
    cache_on_redis(server.url)
    cache.set("proof-that-redis-was-used", 1)
    server.kill()
    return server


def wait_until_the_cache_uses(server: PrivateRedis, seconds: float = 30) -> None:
    """After an outage, the cache goes back to Redis within a few seconds (relyfe.cache.RETRY_AFTER_SECONDS)."""
    deadline = time.monotonic() + seconds
    while True:
        cache.set("proof-that-redis-is-used", 1)
        if server.holds_keys():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the cache did not go back to Redis within {seconds} s")
        time.sleep(0.2)
