"""Reading prescriptions end to end: a real PDF and a real scan from tests/data/prescriptions are uploaded as a
prescription, the task reads them, the review proposes their medications; bad inputs say so clearly."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from documents.uploads import check_upload
from health_records import services as records
from tests.files import TEST_DATA, pdf_bytes
from treatments.models import PrescriptionReading, Treatment
from treatments.tasks import read_prescription

pytestmark = pytest.mark.django_db
PRESCRIPTIONS = TEST_DATA / "prescriptions"


@pytest.fixture
def truth():
    return {entry["id"]: entry for entry in json.loads((PRESCRIPTIONS / "truth.json").read_text())}


def upload_prescription(alice, name, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        record = records.health_record_create(
            actor=alice,
            patient=alice,
            kind="prescription",
            title="Ordonnance",
            clinical_date="2026-03-01",
            uploads=[check_upload(SimpleUploadedFile(name, content))],
        )
    assert len(queued) == 2  # the thumbnail and the reading wait for the commit, then go to workers
    reading = PrescriptionReading.objects.get(record=record)
    read_prescription(reading.pk)  # the task's own body, as a worker runs it
    reading.refresh_from_db()
    return reading


@pytest.mark.parametrize("name", ["rx-0001.pdf", "rx-0001.jpg"])
def test_a_real_prescription_is_read_and_its_medications_proposed(
    alice, truth, name, django_capture_on_commit_callbacks
):
    reading = upload_prescription(alice, name, (PRESCRIPTIONS / name).read_bytes(), django_capture_on_commit_callbacks)

    assert reading.status == "ready", reading.error
    assert reading.progress == 100
    expected = {
        (medication["strength"], tuple(medication["periods"])) for medication in truth["rx-0001"]["medications"]
    }
    read = {(medication["strength"], tuple(medication["periods"])) for medication in reading.result["medications"]}
    assert read == expected
    assert not Treatment.objects.exists()  # nothing is created before a person confirms


def test_a_photo_of_a_cat_says_it_cannot_be_read(alice, django_capture_on_commit_callbacks):
    image = Image.new("RGB", (800, 600), (180, 140, 90))
    for x in range(0, 800, 7):
        for y in range(0, 600, 11):
            image.putpixel((x, y), ((x * 3) % 255, (y * 5) % 255, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")

    reading = upload_prescription(alice, "chat.jpg", buffer.getvalue(), django_capture_on_commit_callbacks)

    assert reading.status == "failed"
    assert reading.error
    assert not Treatment.objects.exists()


def test_an_empty_page_says_it_cannot_be_read(alice, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(buffer, "PDF")

    reading = upload_prescription(alice, "vide.pdf", buffer.getvalue(), django_capture_on_commit_callbacks)

    assert reading.status == "failed" and reading.error


def test_a_forty_page_pdf_is_refused_with_a_clear_message(alice, django_capture_on_commit_callbacks):
    reading = upload_prescription(alice, "long.pdf", pdf_bytes(pages=40), django_capture_on_commit_callbacks)

    assert reading.status == "failed" and reading.error


def test_the_record_page_follows_the_reading(client, alice, django_capture_on_commit_callbacks, truth):
    reading = upload_prescription(
        alice, "rx-0001.pdf", (PRESCRIPTIONS / "rx-0001.pdf").read_bytes(), django_capture_on_commit_callbacks
    )
    client.force_login(alice)

    panel = client.get(reverse("treatments:reading_panel", args=[reading.public_id])).content.decode()

    assert reverse("treatments:reading_review", args=[reading.public_id]) in panel
    assert "every 2s" not in panel  # finished: the panel stops polling
