"""Several web processes and several workers at once, as production runs them: two independent gunicorn masters
(each its own port and process) and two independent Celery workers, on the same PostgreSQL database and the same
Redis (cache and broker). Each test drives the web side through real HTTP.

- a session opened on one server is open on the other, and ended on both by signing out on either;
- failed sign-ins sent to both servers in turn are counted together: the account locks after as many attempts
  as when they all go to one;
- neither master takes the host's one gunicorn control socket from the other;
- the faces gallery each process holds in memory follows enrolments and erasures made by the other;
- print jobs sent at once to both servers are each stored once, with a number of their own;
- two beats' ticks run at once on the two workers: every reminder is sent exactly once, none is lost.

Everything is started once for the module and stopped (process groups killed if need be) whatever happens.
"""

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from faces.models import FaceSearch, FaceTemplate
from notifications.models import Notification
from printing.ipp.codec import decode
from printing.ipp.constants import Status
from printing.models import PrintJob
from relyfe import abuse
from relyfe.celery import app as celery_app
from tests.conftest import SHARED_CACHES, database_url_of_tests, wait_until
from tests.faces.conftest import photo, verify
from tests.factories import PASSWORD, PatientFactory, ProfessionalFactory
from tests.files import pdf_bytes
from tests.printing.test_ipp_body_limit import post_chunked
from tests.printing.test_ipp_endpoint import job_value, print_job
from tests.printing.test_ipp_with_cups import forget_failed_attempts, free_port
from tests.printing.test_ipp_with_cups import printer as printer
from tests.relyfe.brokers import QUEUE
from tests.relyfe.test_gunicorn import gunicorn_config
from tests.treatments.due_now import patients_due_now
from treatments.models import ReminderDispatch
from treatments.tasks import send_due_reminders

# The tests on the running site: PostgreSQL and Redis as in production (SQLite has one writer at a time, and
# without Redis each process would have a cache of its own).
ON_THE_SITE = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def on_the_site(test):
    for mark in ON_THE_SITE:
        test = mark(test)
    return test


CONFIG = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"
STARTUP_SECONDS = 120  # a loaded 2-core machine starts a gunicorn or a worker in seconds, sometimes many
# The workers' reminders: ranges and batches small enough that both workers have several to share.
REMINDER_PARTITIONS = 4
REMINDER_SEND_BATCH = 5


# --- The processes ---------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    process: subprocess.Popen
    log: Path

    def output(self, since: int = 0) -> str:
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size

    def stop(self) -> None:
        """SIGTERM to its whole group (a gunicorn master and its workers), SIGKILL if it is not gone soon."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        _signal_group(self.process, signal.SIGKILL)  # what is left of the group: a worker the master lost
        self.process.wait(timeout=30)


def _signal_group(process: subprocess.Popen, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)


@dataclass
class WebServer(Process):
    port: int = 0

    def __str__(self) -> str:
        return f"{self.name} (port {self.port})"


@dataclass
class Site:
    a: WebServer
    b: WebServer
    workers: list[Process] = field(default_factory=list)

    def outputs(self) -> str:
        return "\n".join(f"--- {each.name}\n{each.output()[-4000:]}" for each in (self.a, self.b, *self.workers))


def start(name: str, arguments: list[str], folder: Path, environment: dict[str, str]) -> Process:
    log = folder / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", *arguments],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url_of_tests(),
                "SECRET_KEY": settings.SECRET_KEY,
                "PYTHONUNBUFFERED": "1",
                **environment,
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole
        )
    return Process(name, process, log)


def start_web(name: str, folder: Path, workers: int) -> WebServer:
    port = free_port()
    started = start(
        name,
        ["gunicorn", "-c", str(CONFIG), "relyfe.wsgi"],
        folder,
        {
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / f"{name}-prometheus"),
        },
    )
    return WebServer(started.name, started.process, started.log, port=port)


def start_worker(name: str, folder: Path) -> Process:
    return start(
        name,
        [
            "celery",
            "-A",
            "relyfe",
            "worker",
            "--pool=solo",
            f"--hostname={name}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",  # each task's "succeeded" line tells which worker ran it
        ],
        folder,
        {"REMINDER_PARTITIONS": str(REMINDER_PARTITIONS), "REMINDER_SEND_BATCH": str(REMINDER_SEND_BATCH)},
    )


def wait_for_web(server: WebServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{server} did not start:\n{server.output()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            try:
                connection.request("GET", "/healthz")
                connection.getresponse().read()  # 503 until a worker executed a task: it answers all the same
                return
            finally:
                connection.close()
        except OSError:
            time.sleep(0.3)


def wait_for_worker(worker: Process) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while " ready." not in worker.output():
        if worker.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the worker {worker.name} did not start:\n{worker.output()}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def site(django_db_setup, tmp_path_factory):
    """Two gunicorn masters of one worker process each (so that each server is exactly one gallery, one
    process) and two solo Celery workers, all on the test database and the run's Redis."""
    folder = tmp_path_factory.mktemp("two-processes")
    started: list[Process] = []
    try:
        # Whatever earlier tests of this pytest worker queued without a worker to take it is not ours, nor what a
        # worker they killed left unacknowledged (a starting worker would take it back into the queue).
        celery_app.control.purge()
        redis.Redis.from_url(celery_app.conf.broker_url).delete("unacked", "unacked_index")
        a = start_web("web-a", folder, workers=1)
        started.append(a)
        b = start_web("web-b", folder, workers=1)
        started.append(b)
        workers = [start_worker(name, folder) for name in ("worker-a", "worker-b")]
        started.extend(workers)
        for server in (a, b):
            wait_for_web(server)
        for worker in workers:
            wait_for_worker(worker)
        yield Site(a, b, workers)
    finally:
        for process in started:
            process.stop()
        forget_failed_attempts()


@pytest.fixture
def shared_cache():
    """The cache the servers share (Redis), as this process reaches it: the tests' own cache is in memory."""
    config = SHARED_CACHES["default"]
    return import_string(config["BACKEND"])(config["LOCATION"], {})


# --- Two masters on one host -------------------------------------------------------------------------


def test_a_master_opens_no_control_socket_unless_given_one_of_its_own():
    # gunicorn's default path is one per user: a second master would take it from the first.
    assert gunicorn_config().control_socket_disable
    own = gunicorn_config(GUNICORN_CONTROL_SOCKET="/run/relyfe/web-a.ctl")
    assert not own.control_socket_disable
    assert own.control_socket == "/run/relyfe/web-a.ctl"


@on_the_site
def test_neither_running_master_took_the_hosts_control_socket(site):
    for server in (site.a, site.b):
        assert "Control socket" not in server.output()


# --- A browser, over plain HTTP ----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str
    body: str


class Browser:
    """Cookies kept for the host whatever the port, as a browser behind one address and a load balancer: the
    same cookies go to server A and to server B."""

    def __init__(self, *, language: str = "en"):
        self.cookies: dict[str, str] = {}
        self.language = language

    def request(
        self, server: WebServer, method: str, path: str, *, fields: dict | None = None, files: dict | None = None
    ) -> Response:
        headers = {"Accept-Language": self.language, "Host": f"127.0.0.1:{server.port}"}
        body = None
        if method == "POST":
            # Django's CSRF check: the token of the cookie, sent back in the header as a page's script would.
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            if files:
                body, headers["Content-Type"] = multipart(fields or {}, files)
            else:
                body = urlencode(fields or {}).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            return Response(response.status, response.headers.get("Location", ""), text)
        finally:
            connection.close()

    def get(self, server: WebServer, path: str) -> Response:
        return self.request(server, "GET", path)

    def post(self, server: WebServer, path: str, **arguments) -> Response:
        if "csrftoken" not in self.cookies:
            self.get(server, path)  # the page of the form sets the token's cookie, as before a browser's post
        return self.request(server, "POST", path, **arguments)

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def multipart(fields: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def signed_in_browser(user) -> Browser:
    """A browser holding a session of `user`, made in the database that both servers read (as the tests'
    `force_login`, second factor included)."""
    client = Client()
    client.force_login(user)
    browser = Browser()
    browser.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return browser


def sign_in(browser: Browser, server: WebServer, identifier: str, password: str) -> Response:
    return browser.post(server, reverse("accounts:login"), fields={"username": identifier, "password": password})


def patient_who_signs_in(**fields):
    """A patient whose password the servers can check: they know Argon2 and PBKDF2, not the tests' MD5. A fresh
    address each time: the failures counted for it in Redis outlive the test's database."""
    patient = PatientFactory(email=f"{uuid.uuid4().hex}@example.org", **fields)
    patient.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    patient.save(update_fields=["password"])
    return patient


# --- Sessions ---------------------------------------------------------------------------------------


@on_the_site
def test_a_session_opened_on_one_server_is_open_on_the_other_and_signing_out_on_either_ends_it(site):
    patient = patient_who_signs_in()
    browser = Browser()

    signed_in = sign_in(browser, site.a, patient.email, PASSWORD)

    assert signed_in.status == 302, signed_in.body[-2000:] + site.outputs()
    session = browser.cookies[settings.SESSION_COOKIE_NAME]
    on_b = browser.get(site.b, reverse("accounts:profile"))
    assert on_b.status == 200, on_b
    assert patient.email in on_b.body

    signed_out = browser.post(site.b, reverse("accounts:logout"))

    assert signed_out.status == 302, signed_out
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    # The same cookie, kept by someone who copied it, opens nothing on A any more.
    browser.cookies[settings.SESSION_COOKIE_NAME] = session
    on_a = browser.get(site.a, reverse("accounts:profile"))
    assert on_a.status == 302
    assert urlsplit(on_a.location).path == reverse("accounts:login")


# --- Throttles --------------------------------------------------------------------------------------

LOCKED = "Too many failed attempts on this account"


def attempts_until_locked(servers: list[WebServer], identifier: str) -> int:
    """Wrong passwords, sent to `servers` in turn, until the answer says the account is locked."""
    browser = Browser()
    for attempt in range(1, 3 * settings.LOGIN_FAILURES_PER_ACCOUNT):
        response = sign_in(browser, servers[attempt % len(servers)], identifier, "wrong-password")
        assert response.status == 200, response
        if LOCKED in response.body:
            return attempt
    pytest.fail(f"{identifier} was never locked")


@on_the_site
def test_failed_sign_ins_sent_to_both_servers_lock_the_account_as_on_one(site, shared_cache):
    # This address's failures of earlier runs (kept in Redis) would lock sooner.
    shared_cache.delete(abuse.cache_key("sign-in:address", "127.0.0.1"))
    on_both, on_one = patient_who_signs_in(), patient_who_signs_in()

    alternating = attempts_until_locked([site.a, site.b], on_both.email)
    on_a_alone = attempts_until_locked([site.a], on_one.email)

    assert alternating == on_a_alone == settings.LOGIN_FAILURES_PER_ACCOUNT
    # Locked on both: even the right password is refused, and no session is opened.
    for server in (site.a, site.b):
        browser = Browser()
        response = sign_in(browser, server, on_both.email, PASSWORD)
        assert LOCKED in response.body
        assert settings.SESSION_COOKIE_NAME not in browser.cookies


# --- The faces gallery ------------------------------------------------------------------------------


def enrol(browser: Browser, server: WebServer, name: str) -> None:
    response = browser.post(
        server, reverse("faces:mine"), fields={"consent": "on"}, files={"photo": (name, photo(name))}
    )
    assert response.status == 302, response.body[-3000:]


def found(browser: Browser, server: WebServer, name: str) -> set:
    """The patients a search on `server` finds for this photo."""
    response = browser.post(server, reverse("faces:identify"), files={"photo": (name, photo(name))})
    assert response.status == 302, response.body[-3000:]
    search_id = urlsplit(response.location).path.rstrip("/").rsplit("/", 1)[1]
    search = FaceSearch.objects.get(public_id=search_id)
    return {candidate.patient_id for candidate in search.candidates.all()}


@on_the_site
def test_each_servers_gallery_follows_the_enrolments_and_erasures_made_through_the_other(site):
    alice, dave = patient_who_signs_in(), patient_who_signs_in()
    doctor = signed_in_browser(verify(ProfessionalFactory(email=f"{uuid.uuid4().hex}@example.org")))
    as_alice, as_dave = signed_in_browser(alice), signed_in_browser(dave)

    enrol(as_alice, site.a, "obama_1.jpg")
    # Both processes load their gallery: alice in it.
    assert found(doctor, site.a, "obama_2.jpg") == {alice.pk}
    assert found(doctor, site.b, "obama_2.jpg") == {alice.pk}

    # Dave enrols through B: A, which loaded its gallery before, finds him at its next search.
    enrol(as_dave, site.b, "biden_1.jpg")
    assert found(doctor, site.a, "biden_2.jpg") == {dave.pk}

    # Alice withdraws through A; a worker erases her templates once the undo window has passed. She enrols
    # again, with another face: B, whose gallery still held her first one, must not find her by it any more.
    response = as_alice.post(site.a, reverse("faces:withdraw"))
    assert response.status == 302, response
    wait_until(lambda: not FaceTemplate.objects.filter(patient=alice).exists(), seconds=90)
    enrol(as_alice, site.a, "rose_leslie_1.jpg")

    assert found(doctor, site.b, "obama_2.jpg") == set()
    assert found(doctor, site.b, "rose_leslie_2.jpg") == {alice.pk}
    assert found(doctor, site.a, "obama_2.jpg") == set()
    assert found(doctor, site.b, "biden_2.jpg") == {dave.pk}


# --- The printer ------------------------------------------------------------------------------------


@on_the_site
def test_print_jobs_sent_at_once_to_both_servers_are_each_stored_once_with_their_own_number(site, printer):
    forget_failed_attempts()
    servers = [site.a, site.b, site.a, site.b]
    answers: list = [None] * len(servers)
    start_together = threading.Barrier(len(servers))

    def send(index: int) -> None:
        start_together.wait()
        answers[index] = post_chunked(servers[index], print_job(pdf_bytes(), job_name=f"Ordonnance {index}"))

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert all(answer is not None and answer[0] == 200 for answer in answers), site.outputs()
    messages = [decode(body) for _status, body in answers]
    assert all(message.code == Status.SUCCESSFUL_OK for message in messages), site.outputs()
    numbers = sorted(job_value(message, "job-id") for message in messages)
    assert numbers == [1, 2, 3, 4]
    jobs = PrintJob.objects.filter(printer=printer).order_by("number")
    assert [job.number for job in jobs] == numbers
    assert sorted(job.name for job in jobs) == [f"Ordonnance {index}" for index in range(len(servers))]
    assert [job.documents.count() for job in jobs] == [1, 1, 1, 1]


# --- Reminders --------------------------------------------------------------------------------------

PATIENTS = 40


@on_the_site
def test_two_beats_ticks_on_two_workers_send_each_reminder_exactly_once(site):
    patients = patients_due_now(PATIENTS)
    logs_start = [worker.log_size() for worker in site.workers]

    def runs(task: str, outcome: str) -> list[int]:
        """How many runs of `task` each worker logged as `outcome` ("received", "succeeded") since the start."""
        return [
            len(re.findall(rf"Task treatments\.tasks\.{task}\[[-0-9a-f]+\] {outcome}", worker.output(since)))
            for worker, since in zip(site.workers, logs_start, strict=True)
        ]

    broker = redis.Redis.from_url(celery_app.conf.broker_url)

    def all_done() -> bool:
        """Both ticks ran, and every task they queued (range tasks, some twice; e-mails) ran to its end: none
        waits in the queue nor is held unacknowledged by a worker."""
        return (
            sum(runs("reminders_tick", "succeeded")) == 2
            and runs("reminders_partition_run", "received") == runs("reminders_partition_run", "succeeded")
            and broker.llen(QUEUE) == 0
            and broker.hlen("unacked") == 0
        )

    # Two beats, each sending its tick: the two workers take one each (one task at a time each), at once.
    send_due_reminders.apply_async()
    send_due_reminders.apply_async()

    wait_until(all_done, seconds=120)

    assert runs("reminders_tick", "succeeded") == [1, 1], site.outputs()
    assert sum(runs("reminders_partition_run", "succeeded")) >= REMINDER_PARTITIONS  # each range at least once
    reminded = list(Notification.objects.filter(event="reminder").values_list("recipient_id", flat=True))
    assert sorted(reminded) == sorted(patient.pk for patient in patients)  # each patient once: none lost, none twice
    assert ReminderDispatch.objects.count() == PATIENTS
    assert set(ReminderDispatch.objects.values_list("status", flat=True)) == {ReminderDispatch.Status.SENT}
