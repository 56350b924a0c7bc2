import contextlib
import copy
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import hashers
from django.db import connection

# Argon2 is slow on purpose (a tenth of a second and 100 MB a hash): the tests hash with MD5, which proves the
# same about sign-in, passcodes and password changes. Argon2 stays in the list, so its hashes still verify.
# Set before the factories are imported: they hash their password once, at import.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *django_settings.PASSWORD_HASHERS]
hashers.get_hashers.cache_clear()
hashers.get_hashers_by_algorithm.cache_clear()

from access.models import Permission  # noqa: E402
from notifications import sms  # noqa: E402
from relyfe.celery import app as celery_app  # noqa: E402
from tests.factories import GrantFactory, PatientFactory, ProfessionalFactory, StaffFactory  # noqa: E402

# The cache the web process, the worker and beat share, before any test replaces it.
SHARED_CACHES = copy.deepcopy(django_settings.CACHES)


def services_required() -> bool:
    """CI sets RELYFE_REQUIRE_SERVICES=1: there, a test that cannot find its server fails."""
    return os.environ.get("RELYFE_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    if services_required():
        pytest.fail(f"{reason} (RELYFE_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not django_settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://…")
    if item.get_closest_marker("browser") and not chromium_path():
        skip_or_fail("needs Chromium: apt-get install chromium")
    if item.get_closest_marker("ipp") and not shutil.which("ipptool"):
        skip_or_fail("needs CUPS's ipptool: apt-get install cups-ipp-utils")


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    """Each test starts with an empty cache of its own (login counters, sessions)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def force_login_is_fully_signed_in(monkeypatch):
    """`client.force_login(bob)` and `client.login(…)` keep meaning "signed in", second factor included: the
    session is marked strongly authenticated as an external identity provider would mark it (the contract's
    session key). Tests of the second factor itself sign in through the real pages."""
    from django.test.client import ClientMixin

    from accounts.two_factor.policy import STRONG_AUTH_SESSION_KEY

    def mark(client):
        session = client.session
        session[STRONG_AUTH_SESSION_KEY] = "tests"
        session.save()

    original_force_login, original_login = ClientMixin.force_login, ClientMixin.login

    def force_login(self, user, backend=None):
        original_force_login(self, user, backend)
        mark(self)

    def login(self, **credentials):
        signed_in = original_login(self, **credentials)
        if signed_in:
            mark(self)
        return signed_in

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    monkeypatch.setattr(ClientMixin, "login", login)


@pytest.fixture(autouse=True)
def sms_outbox(settings) -> list[sms.SmsMessage]:
    """Text messages are kept in `notifications.sms.outbox`, empty at the start of each test."""
    settings.SMS_BACKEND = "notifications.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def tasks_run_at_once():
    """`.delay()` runs the task in the test's process, so that on-commit callbacks send what they queue."""
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    yield
    celery_app.conf.update(before)


@pytest.fixture
def alice(db):
    """A patient."""
    return PatientFactory(email="alice@example.org", first_name="Alice")


@pytest.fixture
def dave(db):
    """Another patient."""
    return PatientFactory(email="dave@example.org", first_name="Dave")


@pytest.fixture
def bob(db):
    """A professional whom staff have not verified yet (tests of verification verify him; those that need a
    verified professional say so: `ProfessionalFactory(verified=True)`, or faces' `doctor`)."""
    return ProfessionalFactory(email="bob@example.org", first_name="Bob")


@pytest.fixture
def bob_sees_alice(alice, bob):
    """Alice gave bob her whole file, to read, comment and add records: an active grant, written directly
    (no audit entry, no notification). Tests of giving a grant go through the sharing services instead."""
    return GrantFactory(patient=alice, professional=bob, permission=Permission.CONTRIBUTE)


@pytest.fixture
def charlie(db):
    """A professional without any access."""
    return ProfessionalFactory(email="charlie@example.org", first_name="Charlie")


@pytest.fixture
def staff(db):
    return StaffFactory(email="staff@example.org")


@pytest.fixture
def project_root() -> Path:
    return Path(django_settings.BASE_DIR)


def database_url_of_tests() -> str:
    """The URL of the database the tests run on, for a process started by a test."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    base = os.environ["DATABASE_URL"]
    return base[: base.rindex("/") + 1] + name


@pytest.fixture
def celery_worker(transactional_db, project_root):
    """A real Celery worker process on the test database and the run's broker; stopped after the test."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "relyfe",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=project_root,
        env={**os.environ, "DATABASE_URL": database_url_of_tests()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield worker
    worker.terminate()
    worker.wait(timeout=30)


def kill_process_group(process: subprocess.Popen) -> None:
    """Kills a process started in its own session and every process of its group, then reaps it. The group is
    killed even when its leader is already gone: a Celery worker killed by a test leaves its pool processes, which
    hold connections to the test database (it could then not be dropped at the end of the run)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_until(condition, *, worker=None, seconds: float = 60):
    """Polls `condition` until it is true; fails with the worker's output if the worker died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the Celery worker stopped: {worker.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"not done after {seconds} s")
