"""Tokens in URLs never reach a log line: runserver's, Django's request log and gunicorn's access log."""

import io
import logging
import runpy
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import reverse
from gunicorn.config import Config

from relyfe.redaction import GunicornLogger, redact
from sharing import tokens

pytestmark = pytest.mark.django_db

# A fixed value of a token's length: pytest-xdist's workers must collect the same test ids.
TOKEN = "token-of-a-share-link-" + "x" * (len(tokens.new_token()) - 22)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (f"GET /e/{TOKEN}/ HTTP/1.1", "GET /e/[redacted]/ HTTP/1.1"),
        (f"POST /e/{TOKEN}/request/ HTTP/1.1", "POST /e/[redacted]/request/ HTTP/1.1"),
        (f"GET /s/{TOKEN}/ HTTP/1.1", "GET /s/[redacted]/ HTTP/1.1"),
        (f"GET /r/{TOKEN}/ HTTP/1.1", "GET /r/[redacted]/ HTTP/1.1"),
        (f"https://relyfe.example.org/e/{TOKEN}/", "https://relyfe.example.org/e/[redacted]/"),
        (f"GET /accounts/password/reset/MQ/{TOKEN}/ HTTP/1.1", "GET /accounts/password/reset/MQ/[redacted]/ HTTP/1.1"),
        (f"POST /t/1/taken/?token={TOKEN}&x=1", "POST /t/1/taken/?token=[redacted]&x=1"),
        # A share-link holder's own pages, and everything else, stay as they are.
        ("GET /s/records/ HTTP/1.1", "GET /s/records/ HTTP/1.1"),
        ("GET /s/files/0f8e/view/ HTTP/1.1", "GET /s/files/0f8e/view/ HTTP/1.1"),
        ("/accounts/password/reset/MQ/set-password/", "/accounts/password/reset/MQ/set-password/"),
        (f"GET /accounts/signup/confirm/{TOKEN}/ HTTP/1.1", "GET /accounts/signup/confirm/[redacted]/ HTTP/1.1"),
        ("GET /static/e/app.js HTTP/1.1", "GET /static/e/app.js HTTP/1.1"),
        ("GET /sharing/emergency/ HTTP/1.1", "GET /sharing/emergency/ HTTP/1.1"),
    ],
)
def test_secrets_in_urls_are_redacted_and_nothing_else(line, shown):
    assert redact(line) == shown


@pytest.mark.parametrize(
    "url",
    [
        reverse("sharing:emergency_page", args=[TOKEN]),
        reverse("sharing:link_open", args=[TOKEN]),
        reverse("sharing:request_status", args=[TOKEN]),
    ],
)
def test_django_request_log_of_a_real_request_shows_no_token(client, caplog, url):
    with caplog.at_level(logging.INFO):
        response = client.get(url)

    assert response.status_code in {404, 410}
    messages = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert messages, "the request was logged"
    assert all(TOKEN not in message for message in messages)
    assert any(f"/{url.split('/')[1]}/[redacted]/" in message for message in messages)


class FakeSocket:
    """What runserver's request handler reads from its connection: nothing, since only its log is used."""

    def makefile(self, *args, **kwargs):
        return io.BytesIO()


def test_runserver_request_line_shows_no_token():
    handler = logging.getLogger("django.server").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    request_handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    request_handler.request = FakeSocket()
    request_handler.client_address = ("127.0.0.1", 50000)
    request_handler.requestline = f"GET /e/{TOKEN}/ HTTP/1.1"
    try:
        request_handler.log_request(200, 1234)
    finally:
        handler.setStream(previous)

    line = stream.getvalue()
    assert "GET /e/[redacted]/ HTTP/1.1" in line and "200" in line
    assert TOKEN not in line


def test_gunicorn_access_log_shows_no_token_in_the_request_line_nor_the_referer(capsys):
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s')
    logger = GunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/e/{TOKEN}/?token={TOKEN}",
        "PATH_INFO": f"/e/{TOKEN}/",
        "QUERY_STRING": f"token={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://relyfe.example.org/s/{TOKEN}/",
    }
    response = SimpleNamespace(status="200 OK", status_code=200, sent=10, headers=[], response_length=10)

    logger.access(response, SimpleNamespace(headers=[]), environ, SimpleNamespace(seconds=0, microseconds=5000))

    line = capsys.readouterr().out
    assert '"GET /e/[redacted]/?token=[redacted] HTTP/1.1" 200' in line
    assert '"https://relyfe.example.org/s/[redacted]/"' in line
    assert TOKEN not in line


def test_the_deployed_gunicorn_logs_requests_through_the_redacting_logger(project_root):
    config = Config()
    for name, value in runpy.run_path(str(project_root / "deploy" / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)

    assert config.logger_class is GunicornLogger
    assert config.accesslog == "-"
    assert "gunicorn -c deploy/gunicorn.conf.py" in (project_root / "deploy/systemd/relyfe-web.service").read_text()
