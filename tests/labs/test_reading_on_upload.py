"""Storing a lab result's files starts their reading. health_records, below labs in the layers, does not call
labs: it sends `record_files_stored`, which labs listens to. Stuck readings are sent again by the sweeper."""

import datetime
import tomllib

import grimp
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from health_records.models import HealthRecord, RecordKind
from labs import readings
from labs.models import LabReading
from relyfe import outbox
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def read(monkeypatch):
    """The readings the outbox sends to the workers (ids only), in place of a broker."""
    from labs.tasks import read_lab_report

    sent = []
    monkeypatch.setattr(read_lab_report, "apply_async", lambda args, **options: sent.extend(args))
    return sent


def create(client, patient, *, kind, files):
    data = {"kind": kind, "title": "Bilan sanguin", "clinical_date": "2026-03-02", "files": files}
    return client.post(reverse("health_records:create", args=[patient.public_id]), data)


def test_a_new_lab_result_is_read_once_its_record_is_committed(client, alice, read, django_capture_on_commit_callbacks):
    client.force_login(alice)

    with django_capture_on_commit_callbacks() as callbacks:
        response = create(client, alice, kind=RecordKind.LAB_RESULT, files=[upload("bilan.pdf", pdf_bytes())])
        assert read == []  # not before the record is stored for good

    assert response.status_code == 302
    record = HealthRecord.objects.get()
    reading = LabReading.objects.get(record=record)
    assert reading.record_file == record.files.get()
    assert (reading.status, reading.progress) == (LabReading.Status.QUEUED, 0)
    for callback in callbacks:
        callback()
    assert read == [reading.pk]


def test_files_added_to_a_lab_result_are_read_and_those_already_there_are_not_read_again(
    client, alice, read, django_capture_on_commit_callbacks
):
    record = HealthRecordFactory(patient=alice, kind=RecordKind.LAB_RESULT)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("health_records:add_files", args=[record.public_id]),
            {"files": [upload("page1.jpg", jpeg_bytes()), upload("page2.png", png_bytes())]},
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("health_records:add_files", args=[record.public_id]), {"files": [upload("page3.pdf", pdf_bytes())]}
        )

    lab_readings = LabReading.objects.filter(record=record).order_by("pk")
    assert [reading.record_file.original_name for reading in lab_readings] == ["page1.jpg", "page2.png", "page3.pdf"]
    assert read == [reading.pk for reading in lab_readings]


@pytest.mark.parametrize("kind", [RecordKind.PRESCRIPTION, RecordKind.MEDICAL_REPORT, RecordKind.PHOTO])
def test_files_of_a_record_that_is_not_a_lab_result_are_not_read_as_one(
    client, alice, read, kind, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        create(client, alice, kind=kind, files=[upload("bilan.jpg", jpeg_bytes())])

    assert HealthRecord.objects.get().files.count() == 1
    assert not LabReading.objects.exists()
    assert read == []


def test_only_pdfs_and_pictures_are_read(alice, read):
    record = HealthRecordFactory(patient=alice, kind=RecordKind.LAB_RESULT)
    RecordFileFactory(record=record, content_type="video/mp4", original_name="film.mp4")

    assert readings.readings_start(record=record) == []
    assert not LabReading.objects.exists()


def test_a_reading_whose_task_was_lost_is_sent_again_by_the_sweeper(alice, read, django_capture_on_commit_callbacks):
    record = HealthRecordFactory(patient=alice, kind=RecordKind.LAB_RESULT)
    reading = LabReading.objects.create(record=record, record_file=RecordFileFactory(record=record))
    later = settings.STUCK_AFTER + datetime.timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        readings.readings_sweep(timezone.now() + later)

    assert read == [reading.pk]
    reading.refresh_from_db()
    assert reading.status == LabReading.Status.QUEUED


def test_a_reading_whose_runs_never_finish_is_marked_failed_by_the_sweeper(alice, read):
    record = HealthRecordFactory(patient=alice, kind=RecordKind.LAB_RESULT)
    long_ago = timezone.now() - settings.STUCK_AFTER * 2
    reading = LabReading.objects.create(
        record=record,
        record_file=RecordFileFactory(record=record),
        status=LabReading.Status.READING,
        queued_at=long_ago,
        started_at=long_ago,
        attempts=settings.STUCK_MAX_ATTEMPTS,
    )

    with translation.override("en"):
        readings.readings_sweep(timezone.now())

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.FAILED
    assert reading.error == "ReLyfe could not read this report in time. Try again, or enter the values by hand."
    assert read == []


def test_the_sweeper_is_registered_with_the_outbox():
    assert readings.readings_sweep in outbox._sweepers


def test_health_records_does_not_import_labs_even_indirectly():
    config = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    graph = grimp.build_graph(*config["root_packages"], exclude_type_checking_imports=True, cache_dir=None)

    assert not graph.chain_exists(importer="health_records", imported="labs", as_packages=True)
