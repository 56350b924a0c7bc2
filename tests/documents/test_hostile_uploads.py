"""The hostile-upload corpus (tests/documents/hostile.py) sent as an attacker would: through the web form,
the API and the printer (IPP). Never a 5xx; a refusal says why; nothing is left on disk (upload spool,
storage); what is stored has no active content left."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from health_records.models import HealthRecord, RecordFile
from printing.ipp.constants import Status
from printing.models import PrintDocument
from tests.documents.hostile import ACTIVE_MARKERS, Case, corpus
from tests.factories import HealthRecordFactory
from tests.printing.test_ipp_endpoint import ipp_response, post_ipp, print_job, status_of
from tests.printing.test_ipp_endpoint import printer as printer

pytestmark = pytest.mark.django_db

CASES = corpus()
# IPP takes PDF and JPEG only (what a computer prints); the PNG bomb is for the web and the API.
IPP_CASES = [case for case in CASES if not case.filename.endswith(".png")]


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def spool(settings, tmp_path) -> Path:
    """Every upload is spooled to disk, in a folder of its own that must be empty after each request."""
    folder = tmp_path / "spool"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def assert_clean(content: bytes) -> None:
    assert content.startswith(b"%PDF-") or content.startswith(b"\xff\xd8")
    assert [marker for marker in ACTIVE_MARKERS if marker in content] == []


def assert_nothing_left(spool: Path, before: set[Path], case: Case) -> None:
    assert list(spool.iterdir()) == []
    if case.expected != 201:
        assert stored_files() == before


def assert_name_is_harmless(name: str) -> None:
    assert len(name) <= 200
    assert not any(character in name for character in "/\\\x00\u202e")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_web_form_refuses_or_cleans_every_hostile_file(client, alice, spool, case):
    client.force_login(alice)
    before = stored_files()

    response = client.post(
        reverse("health_records:create", args=[alice.public_id]),
        {
            "kind": "lab_result",
            "title": "Bilan",
            "clinical_date": "2026-03-02",
            "files": [SimpleUploadedFile(case.filename, case.content)],
        },
    )

    assert response.status_code < 500
    if case.expected == 201:
        assert response.status_code == 302
        record_file = RecordFile.objects.get()
        assert_clean(record_file.file.open("rb").read())
        assert_name_is_harmless(record_file.original_name)
    else:
        assert response.status_code == case.expected
        assert case.says in response.content.decode()
        assert not HealthRecord.objects.exists()
    assert_nothing_left(spool, before, case)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_api_refuses_or_cleans_every_hostile_file(client, alice, spool, case):
    client.force_login(alice)
    record = HealthRecordFactory(patient=alice)
    before = stored_files()

    response = client.post(
        reverse("api:record-files", args=[record.public_id]),
        {"uploads": [SimpleUploadedFile(case.filename, case.content)]},
    )

    assert response.status_code == case.expected, response.content
    if case.expected == 201:
        record_file = record.files.get()
        assert_clean(record_file.file.open("rb").read())
        assert_name_is_harmless(response.json()[0]["original_name"])
    else:
        body = response.json()
        assert set(body) == {"code", "detail", "fields"}
        # DRF's own field refuses an empty file ("uploads.0"); the checks refuse the others ("uploads").
        assert case.says in " ".join(message for messages in body["fields"].values() for message in messages)
        assert not record.files.exists()
    assert_nothing_left(spool, before, case)


@pytest.mark.parametrize("case", IPP_CASES, ids=[case.name for case in IPP_CASES])
def test_the_printer_refuses_or_cleans_every_hostile_document(client, printer, spool, case):
    before = stored_files()
    document_format = "application/octet-stream" if case.name.startswith("html") or not case.content else None
    declared = document_format or ("image/jpeg" if case.filename.endswith(".jpg") else "application/pdf")

    message = ipp_response(post_ipp(client, print_job(case.content, document_format=declared)))

    status = status_of(message)
    if case.expected == 201:
        assert status == Status.SUCCESSFUL_OK
        assert_clean(PrintDocument.objects.get().file.open("rb").read())
    elif case.expected == 413:
        assert status == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    else:
        assert status in {
            Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR,
            Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
            Status.CLIENT_ERROR_BAD_REQUEST,
        }
    if case.expected != 201:
        assert not PrintDocument.objects.exists()
    assert_nothing_left(spool, before, case)


def test_twenty_bombs_in_one_request_are_refused_within_the_request_budget(client, alice, spool, settings):
    settings.UPLOAD_CHECK_REQUEST_SECONDS = 4
    bomb = next(case for case in CASES if case.name == "pdf_bomb_1GB")
    client.force_login(alice)
    started = time.monotonic()

    response = client.post(
        reverse("health_records:create", args=[alice.public_id]),
        {
            "kind": "lab_result",
            "title": "Bilan",
            "clinical_date": "2026-03-02",
            "files": [SimpleUploadedFile(f"bilan-{number}.pdf", bomb.content) for number in range(20)],
        },
    )

    # Within the budget plus the one check running when it ran out (the web server's timeout is further).
    assert time.monotonic() - started < 4 + 10
    assert response.status_code == 413
    page = response.content.decode()
    assert "bilan-19.pdf" in page and "too much time or memory" in page
    assert not HealthRecord.objects.exists()
    assert list(spool.iterdir()) == []
