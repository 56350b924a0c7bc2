import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from relyfe.logs import JsonFormatter, RequestIdFilter
from tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db

TOKEN = "share-link-token-for-the-log-tests-0042"  # pragma: allowlist secret


@pytest.fixture
def json_lines(settings):
    """The lines the root logger writes, in the JSON format LOG_FORMAT=json gives the console handler."""
    settings.LOG_REQUESTS = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def test_a_request_writes_a_json_line_with_its_id_and_without_its_query_string(client, alice, json_lines):
    HealthRecordFactory(patient=alice, title="Diabète de type 2")
    client.force_login(alice)

    timeline = reverse("health_records:timeline", kwargs={"patient_id": alice.public_id})
    response = client.get(timeline, {"q": "diabète", "token": TOKEN})

    assert response.status_code == 200
    assert "Diabète de type 2" in response.text
    request_lines = [line for line in json_lines() if line["logger"] == "relyfe.request"]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line | {"duration_ms": 0, "time": ""} == {
        "time": "",
        "level": "INFO",
        "logger": "relyfe.request",
        "message": f"GET {timeline} 200",
        "request_id": response["X-Request-ID"],
        "method": "GET",
        "path": timeline,
        "status": 200,
        "duration_ms": 0,
    }
    everything = json.dumps(json_lines(), ensure_ascii=False)
    assert "diab" not in everything.lower()
    assert TOKEN not in everything


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client, json_lines):
    given = client.get(reverse("healthz"), headers={"X-Request-ID": "caddy-3f2a9c1e-77"})
    strange = client.get(reverse("healthz"), headers={"X-Request-ID": '"}\n{"level": "forged'})

    assert given["X-Request-ID"] == "caddy-3f2a9c1e-77"
    assert len(strange["X-Request-ID"]) == 32 and strange["X-Request-ID"].isalnum()
    assert [line["request_id"] for line in json_lines() if line["logger"] == "relyfe.request"] == [
        "caddy-3f2a9c1e-77",
        strange["X-Request-ID"],
    ]


def test_a_token_in_a_path_shows_redacted_in_every_line_of_its_request(client, json_lines):
    response = client.get(f"/e/{TOKEN}/", {"token": TOKEN})

    lines = [line for line in json_lines() if line["request_id"] == response["X-Request-ID"]]
    assert {line["logger"] for line in lines} >= {"relyfe.request", "django.request"}
    assert all("/e/[redacted]/" in line["message"] for line in lines)
    assert TOKEN not in json.dumps(lines)


def test_an_exception_keeps_its_type_and_stack_but_not_its_message_nor_secret_extras(json_lines):
    logger = logging.getLogger("relyfe.tests")
    try:
        raise ValueError("patient 12: HIV positive")
    except ValueError:
        extra = {"password": "hunter2-long", "api_token": TOKEN, "attempt": 2}  # pragma: allowlist secret
        logger.exception("Reading failed", extra=extra)

    (line,) = json_lines()
    assert line["message"] == "Reading failed"
    assert line["exception"]["type"] == "builtins.ValueError"
    assert any("test_logging_json.py" in frame for frame in line["exception"]["stack"])
    assert line["password"] == line["api_token"] == "[redacted]"
    assert line["attempt"] == 2
    assert "HIV" not in json.dumps(line) and "hunter2" not in json.dumps(line)


def test_log_format_json_turns_the_console_into_json_lines_and_text_stays_the_default(project_root, tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('relyfe.tests').warning('Broker down: %s', 'redis://cache:6379/0?token=abc123secret')"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "relyfe.settings", "VAR_DIR": str(tmp_path)}

    def run(**extra) -> str:
        return subprocess.run(
            [sys.executable, "-c", script],
            cwd=project_root,
            env={**environment, **extra},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stderr.strip()

    as_json = json.loads(run(LOG_FORMAT="json"))
    assert as_json["message"] == "Broker down: redis://cache:6379/0?token=[redacted]"
    assert as_json["level"] == "WARNING" and as_json["request_id"] == ""
    assert run().startswith("Broker down: redis://cache:6379/0")  # the plain line of before
