"""A full disk, while an upload is spooled or while the checked file is stored: a clear 507, nothing
half-saved (no row, no partial file), no temporary file left. The disk is made full at the real write
calls: the spool's and the storage's writes fail with ENOSPC after writing part of the data."""

import errno
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from documents.middleware import TrackedTemporaryFileUploadHandler
from health_records.models import HealthRecord, RecordFile, StagedUpload
from printing.ipp.constants import Status
from printing.models import PrintDocument
from tests.factories import HealthRecordFactory
from tests.files import pdf_bytes
from tests.printing.test_ipp_endpoint import ipp_response, post_ipp, print_job, status_of
from tests.printing.test_ipp_endpoint import printer as printer

pytestmark = pytest.mark.django_db

FULL = "The storage is full: nothing was saved."


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def spool(settings, tmp_path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


class HalfWritten:
    """A file whose disk fills up: the first write puts half its data down, then ENOSPC."""

    def __init__(self, file):
        self._file = file

    def write(self, data):
        self._file.write(data[: len(data) // 2])
        self._file.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._file, name)


@pytest.fixture
def storage_disk_full(monkeypatch):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: HalfWritten(real_fdopen(fd, *args, **kwargs)))


@pytest.fixture
def spool_disk_full(monkeypatch):
    real_receive = TrackedTemporaryFileUploadHandler.receive_data_chunk

    def receive_data_chunk(self, raw_data, start):
        real_receive(self, raw_data[: len(raw_data) // 2], start)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(TrackedTemporaryFileUploadHandler, "receive_data_chunk", receive_data_chunk)


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def send_form(client, patient):
    return client.post(
        reverse("health_records:create", args=[patient.public_id]),
        {
            "kind": "lab_result",
            "title": "Bilan",
            "clinical_date": "2026-03-02",
            "files": [SimpleUploadedFile("bilan.pdf", pdf_bytes(pages=3))],
        },
    )


@pytest.mark.parametrize("disk_full", ["storage_disk_full", "spool_disk_full"])
def test_a_full_disk_on_the_web_form_says_so_and_leaves_nothing(client, alice, spool, disk_full, request):
    client.force_login(alice)
    before = media_files()
    request.getfixturevalue(disk_full)

    response = send_form(client, alice)

    assert response.status_code == 507
    assert FULL in response.content.decode()
    assert not HealthRecord.objects.exists() and not StagedUpload.objects.exists()
    assert media_files() == before
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize("disk_full", ["storage_disk_full", "spool_disk_full"])
def test_a_full_disk_on_the_api_answers_507_in_the_api_shape_and_leaves_nothing(
    client, alice, spool, disk_full, request
):
    client.force_login(alice)
    record = HealthRecordFactory(patient=alice)
    before = media_files()
    request.getfixturevalue(disk_full)

    response = client.post(
        reverse("api:record-files", args=[record.public_id]),
        {"uploads": [SimpleUploadedFile("bilan.pdf", pdf_bytes(pages=3))]},
    )

    assert response.status_code == 507
    assert response.json() == {"code": "storage_full", "detail": FULL + " Please try again later.", "fields": {}}
    assert not RecordFile.objects.exists()
    assert media_files() == before
    assert list(spool.iterdir()) == []


def test_after_the_disk_has_room_again_the_same_upload_is_filed(client, alice, spool):
    client.force_login(alice)

    response = send_form(client, alice)

    assert response.status_code == 302
    assert HealthRecord.objects.get().files.count() == 1
    assert list(spool.iterdir()) == []


def test_a_full_disk_on_the_printer_answers_a_temporary_error_and_leaves_nothing(client, printer, storage_disk_full):
    before = media_files()

    message = ipp_response(post_ipp(client, print_job(pdf_bytes())))

    assert status_of(message) == Status.SERVER_ERROR_TEMPORARY_ERROR
    assert not PrintDocument.objects.exists()
    assert media_files() == before
