"""deploy/gunicorn.conf.py, loaded as gunicorn loads it, and a real gunicorn started with it: the health check,
a print job sent chunked as CUPS sends it, and the JSON log lines of compose.yaml's LOG_FORMAT=json."""

import json
import os
import runpy
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from gunicorn.config import Config

from printing.ipp.codec import decode
from printing.ipp.constants import Status
from printing.models import PrintJob
from tests.conftest import database_url_of_tests
from tests.files import pdf_bytes
from tests.printing.test_ipp_body_limit import post_chunked
from tests.printing.test_ipp_endpoint import print_job
from tests.printing.test_ipp_with_cups import DevelopmentServer, forget_failed_attempts, free_port
from tests.printing.test_ipp_with_cups import printer as printer

CONFIG = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"


def gunicorn_config(**environment) -> Config:
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        config = Config()
        for name, value in runpy.run_path(str(CONFIG)).items():
            if name in config.settings:
                config.set(name, value)
        return config
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_timeout_leaves_an_upload_its_whole_time_budget():
    config = gunicorn_config()
    budget = runpy.run_path(str(CONFIG))

    # The same defaults as the settings', so that the budget is the site's.
    assert budget["UPLOAD_CHECK_REQUEST_SECONDS"] == settings.UPLOAD_CHECK_REQUEST_SECONDS
    assert config.timeout >= settings.UPLOAD_CHECK_REQUEST_SECONDS + budget["UPLOAD_TRANSFER_SECONDS"]
    assert config.graceful_timeout >= settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT
    assert config.worker_class_str == "sync"


def test_workers_follow_the_cores_and_the_environment():
    cores = len(os.sched_getaffinity(0))

    assert gunicorn_config().workers == min(2 * cores + 1, 8)
    assert gunicorn_config(GUNICORN_WORKERS="3").workers == 3
    assert gunicorn_config(GUNICORN_BIND="0.0.0.0:8000").bind == ["0.0.0.0:8000"]


def test_json_logs_turn_gunicorns_access_log_off_since_django_writes_each_request():
    assert gunicorn_config().accesslog == "-"
    assert gunicorn_config(LOG_FORMAT="json").accesslog is None


@pytest.fixture(scope="module")
def gunicorn_server(django_db_setup, tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("gunicorn")
    log = folder / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "relyfe.wsgi"],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url_of_tests(),
                "SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": "localhost,127.0.0.1",
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "2",
                "LOG_FORMAT": "json",
                "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
                "PYTHONUNBUFFERED": "1",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = DevelopmentServer(process, port, log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not start:\n{server.output()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # 503 until a worker executed a task: it answers
        except OSError:
            time.sleep(0.3)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)
        forget_failed_attempts()


def get(server, path: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # http://127.0.0.1 only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_answers_the_health_check_and_logs_it_as_json(gunicorn_server):
    status, headers, body = get(gunicorn_server, "/healthz?token=not-in-the-log-0042", **{"X-Request-ID": "probe-0001"})

    assert status in (200, 503)
    assert json.loads(body)["database"] == "up"
    assert headers["X-Request-ID"] == "probe-0001"
    lines = [json.loads(line) for line in gunicorn_server.output().splitlines() if line.startswith("{")]
    assert {
        "logger": "relyfe.request",
        "request_id": "probe-0001",
        "path": "/healthz",
        "status": status,
    }.items() <= next(line for line in lines if line.get("request_id") == "probe-0001").items()
    assert "not-in-the-log" not in gunicorn_server.output()


@pytest.mark.django_db(transaction=True)
def test_a_print_job_sent_chunked_reaches_the_printer_through_gunicorn(gunicorn_server, printer):
    forget_failed_attempts()

    status, body = post_chunked(gunicorn_server, print_job(pdf_bytes()))

    assert status == 200, gunicorn_server.output()
    assert decode(body).code == Status.SUCCESSFUL_OK, gunicorn_server.output()
    assert PrintJob.objects.filter(printer=printer, documents__isnull=False).exists()
