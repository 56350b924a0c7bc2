"""An oversize document sent chunked (no Content-Length), as CUPS, Windows and macOS send documents, to the
live development server: answered with the IPP status client-error-request-entity-too-large, not a dropped
connection, and nothing stored."""

import http.client
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings

from printing.ipp.codec import decode
from printing.ipp.constants import Status
from printing.management.commands.runserver import BadChunkedBody, ChunkedBody
from printing.models import PrintJob
from tests.conftest import database_url_of_tests
from tests.files import pdf_bytes
from tests.printing.test_ipp_endpoint import basic, print_job
from tests.printing.test_ipp_with_cups import (
    PRINTER_ID,
    SECRET,
    DevelopmentServer,
    forget_failed_attempts,
    free_port,
    wait_for_http,
)
from tests.printing.test_ipp_with_cups import printer as printer

LIMIT_MB = 1


@pytest.fixture(scope="module")
def small_limit_server(django_db_setup, tmp_path_factory):
    """runserver whose largest document is 1 MB."""
    port = free_port()
    log = tmp_path_factory.mktemp("runserver") / "runserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url_of_tests(),
                "SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": "localhost,127.0.0.1",
                "UPLOAD_MAX_MB": str(LIMIT_MB),
                "PYTHONUNBUFFERED": "1",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = DevelopmentServer(process, port, log)
    try:
        wait_for_http(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        forget_failed_attempts()


def chunks(body: bytes, size: int = 64 * 1024):
    for start in range(0, len(body), size):
        yield body[start : start + size]


def post_chunked(server: DevelopmentServer, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/ipp/print/{PRINTER_ID}",
            body=chunks(body),
            headers={"Content-Type": "application/ipp", "Authorization": basic(SECRET)},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.ipp
def test_an_oversize_chunked_document_gets_request_entity_too_large(small_limit_server, printer):
    forget_failed_attempts()
    # A real PDF padded past the limit (a PDF reader ignores what follows %%EOF).
    document = pdf_bytes() + b"%" + b"x" * (3 * LIMIT_MB * 1024 * 1024)

    status, body = post_chunked(small_limit_server, print_job(document))

    assert status == 200, small_limit_server.output()
    assert decode(body).code == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert not PrintJob.objects.filter(documents__isnull=False).exists()
    # The connection was answered, and the server is still there for the next document.
    status, body = post_chunked(small_limit_server, print_job(pdf_bytes()))
    assert decode(body).code == Status.SUCCESSFUL_OK, small_limit_server.output()


def test_a_chunked_body_is_decoded_as_it_is_read():
    body = ChunkedBody(io.BytesIO(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT"))

    assert body.read(3) == b"hel"
    assert body.read() == b"lo world"
    assert body.finished


def test_a_body_that_is_not_chunked_as_http_says_is_refused():
    with pytest.raises(BadChunkedBody):
        ChunkedBody(io.BytesIO(b"zz\r\nhello\r\n0\r\n\r\n")).read()
