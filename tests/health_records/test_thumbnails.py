import io

import pytest
from django.urls import reverse
from PIL import Image

from health_records.models import RecordFile
from health_records.tasks import make_record_file_thumbnail
from tests.conftest import wait_until
from tests.files import jpeg_bytes, pdf_bytes, upload


def add_record(client, patient, name, content):
    client.post(
        reverse("health_records:create", args=[patient.public_id]),
        {"kind": "photo", "title": "Photo", "clinical_date": "2026-01-01", "files": [upload(name, content)]},
    )
    return RecordFile.objects.get(original_name=name)


@pytest.mark.django_db
def test_the_thumbnail_task_makes_a_small_jpeg_and_can_run_twice(client, alice):
    client.force_login(alice)
    record_file = add_record(client, alice, "grande.jpg", jpeg_bytes(size=(2000, 1000)))

    make_record_file_thumbnail(record_file.pk)
    first = RecordFile.objects.get(pk=record_file.pk).thumbnail.name
    make_record_file_thumbnail(record_file.pk)

    record_file.refresh_from_db()
    assert record_file.thumbnail.name == first
    with record_file.thumbnail.open("rb") as handle:
        thumbnail = Image.open(io.BytesIO(handle.read()))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 480
    response = client.get(reverse("health_records:file_thumbnail", args=[record_file.public_id]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.celery
def test_a_real_worker_makes_thumbnails_after_an_upload(client, alice, celery_worker):
    client.force_login(alice)

    record_file = add_record(client, alice, "compte-rendu.pdf", pdf_bytes())

    wait_until(lambda: RecordFile.objects.get(pk=record_file.pk).thumbnail, worker=celery_worker)
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode()
    assert reverse("health_records:file_thumbnail", args=[record_file.public_id]) in timeline
