"""Storing a prescription's files starts their reading. health_records, below treatments in the layers, does
not call treatments: it sends `record_files_stored`, which treatments listens to."""

import tomllib

import grimp
import pytest
from django.conf import settings
from django.urls import reverse

from health_records.models import HealthRecord, RecordKind
from tests.factories import HealthRecordFactory
from tests.files import jpeg_bytes, pdf_bytes, upload
from treatments.models import PrescriptionReading

pytestmark = pytest.mark.django_db


@pytest.fixture
def read(monkeypatch):
    """The readings the outbox sends to the workers (ids only), in place of a broker."""
    from treatments.tasks import read_prescription

    sent = []
    monkeypatch.setattr(read_prescription, "apply_async", lambda args, **options: sent.extend(args))
    return sent


def create(client, patient, *, kind, files):
    data = {"kind": kind, "title": "Ordonnance du Dr Martin", "clinical_date": "2026-03-02", "files": files}
    return client.post(reverse("health_records:create", args=[patient.public_id]), data)


def test_a_new_prescription_is_read_once_its_record_is_committed(
    client, alice, read, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks() as callbacks:
        response = create(client, alice, kind=RecordKind.PRESCRIPTION, files=[upload("ordonnance.pdf", pdf_bytes())])
        assert read == []  # not before the record is stored for good

    assert response.status_code == 302
    record = HealthRecord.objects.get()
    reading = PrescriptionReading.objects.get(record=record)
    assert reading.record_file == record.files.get()
    assert reading.status == PrescriptionReading.Status.QUEUED
    for callback in callbacks:
        callback()
    assert read == [reading.pk]


def test_files_added_to_a_prescription_are_read_and_those_already_there_are_not_read_again(
    client, alice, read, django_capture_on_commit_callbacks
):
    record = HealthRecordFactory(patient=alice, kind=RecordKind.PRESCRIPTION)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("health_records:add_files", args=[record.public_id]),
            {"files": [upload("page1.jpg", jpeg_bytes()), upload("page2.pdf", pdf_bytes())]},
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("health_records:add_files", args=[record.public_id]), {"files": [upload("page3.pdf", pdf_bytes())]}
        )

    readings = PrescriptionReading.objects.filter(record=record).order_by("pk")
    assert sorted(reading.record_file.original_name for reading in readings) == ["page1.jpg", "page2.pdf", "page3.pdf"]
    assert read == [reading.pk for reading in readings]


def test_files_of_a_record_that_is_not_a_prescription_are_not_read(
    client, alice, read, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        create(client, alice, kind=RecordKind.LAB_RESULT, files=[upload("bilan.pdf", pdf_bytes())])

    assert HealthRecord.objects.get().files.count() == 1
    assert not PrescriptionReading.objects.exists()
    assert read == []


def test_health_records_does_not_import_treatments_even_indirectly():
    config = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    graph = grimp.build_graph(*config["root_packages"], exclude_type_checking_imports=True, cache_dir=None)

    assert not graph.chain_exists(importer="health_records", imported="treatments", as_packages=True)
