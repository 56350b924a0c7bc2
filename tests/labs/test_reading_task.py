"""The worker's part of reading a lab report: its progress, its failures (said plainly, nothing of the document
in the logs), and that running it twice changes nothing. The reader of the values (labs.extraction) is not
needed here: these paths end before it."""

import logging

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from documents import reading as documents_reading
from documents.text import UnreadableDocument
from labs.models import LabReading
from labs.tasks import read_lab_report
from tests.factories import LAB_PROPOSAL, HealthRecordFactory, LabReadingFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


def queued_reading(patient, *, content=b"not a picture at all", name="Bilan de Alice Martin.jpg") -> LabReading:
    record = HealthRecordFactory(patient=patient, kind="lab_result", title="Bilan sanguin")
    record_file = RecordFileFactory(record=record, original_name=name, file=ContentFile(content, name="upload"))
    return LabReading.objects.create(record=record, record_file=record_file)


def test_a_damaged_picture_fails_with_a_plain_message_and_nothing_of_it_is_logged(alice, caplog):
    reading = queued_reading(alice)

    with translation.override("en"), caplog.at_level(logging.DEBUG):
        read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.FAILED
    assert reading.error == "This picture could not be opened: it may be damaged or incomplete."
    assert reading.finished_at is not None and reading.result == {}
    assert "Alice" not in caplog.text and "Bilan" not in caplog.text


def test_the_failure_is_said_in_the_language_of_the_worker(alice):
    reading = queued_reading(alice)

    with translation.override("fr"):
        read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.FAILED
    assert "image" in reading.error and "could not" not in reading.error


def test_an_unexpected_failure_says_to_enter_the_values_by_hand_and_logs_only_the_id(alice, caplog):
    reading = queued_reading(alice)
    reading.record_file.file.delete(save=False)  # the stored file is gone: opening it fails

    with translation.override("en"), caplog.at_level(logging.DEBUG):
        read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.FAILED
    assert reading.error == "ReLyfe could not read this report. Enter the values by hand, or try another photo or scan."
    assert f"Lab reading {reading.pk} failed" in caplog.text
    assert "Alice" not in caplog.text and "Bilan" not in caplog.text


def test_running_twice_changes_nothing_more(alice):
    reading = queued_reading(alice)
    read_lab_report(reading.pk)
    reading.refresh_from_db()
    first = (reading.status, reading.error, reading.attempts, reading.finished_at)

    read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert (reading.status, reading.error, reading.attempts, reading.finished_at) == first
    assert reading.attempts == 1


@pytest.mark.parametrize("status", [LabReading.Status.READY, LabReading.Status.CONFIRMED])
def test_a_reading_already_done_is_left_as_it_is(alice, status):
    reading = LabReadingFactory(record__patient=alice, status=status)

    read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert (reading.status, reading.result, reading.attempts) == (status, LAB_PROPOSAL, 0)


def test_a_reading_that_vanished_is_nothing_to_do(alice):
    read_lab_report(123456)  # no error: the task has nothing to read


def test_a_document_whose_runs_never_finish_is_not_read_again(alice):
    reading = queued_reading(alice)
    LabReading.objects.filter(pk=reading.pk).update(attempts=settings.STUCK_MAX_ATTEMPTS)

    with translation.override("en"):
        read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.FAILED
    assert reading.error == "ReLyfe could not read this report in time. Try again, or enter the values by hand."


def test_the_progress_follows_the_pages_read(alice, monkeypatch):
    reading = queued_reading(alice, content=b"%PDF-1.4", name="bilan.pdf")
    seen = []

    def read_two_pages(content, content_type, *, progress=None, engine=None):
        for done in (1, 2):
            progress(done, 2)
            seen.append(LabReading.objects.values_list("status", "progress").get(pk=reading.pk))
        raise UnreadableDocument("No text was found in this document.")

    monkeypatch.setattr(documents_reading, "read_document", read_two_pages)

    read_lab_report(reading.pk)

    assert seen == [("reading", 47), ("reading", 90)]
    reading.refresh_from_db()
    assert (reading.status, reading.progress) == ("failed", 90)


@pytest.fixture
def read(monkeypatch):
    sent = []
    monkeypatch.setattr(read_lab_report, "apply_async", lambda args, **options: sent.extend(args))
    return sent


def test_a_failed_reading_is_read_again_on_request(client, alice, read, django_capture_on_commit_callbacks):
    reading = queued_reading(alice)
    read_lab_report(reading.pk)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("labs:reading_restart", args=[reading.public_id]))

    assert response.url == reverse("health_records:detail", args=[reading.record.public_id])
    reading.refresh_from_db()
    assert (reading.status, reading.error, reading.attempts, reading.progress) == ("queued", "", 0, 0)
    assert read == [reading.pk]


def test_a_confirmed_reading_is_not_read_again(client, alice, read):
    reading = LabReadingFactory(record__patient=alice, status=LabReading.Status.CONFIRMED)
    client.force_login(alice)

    response = client.post(reverse("labs:reading_restart", args=[reading.public_id]))

    assert response.status_code == 404
    reading.refresh_from_db()
    assert reading.status == LabReading.Status.CONFIRMED
    assert read == []
