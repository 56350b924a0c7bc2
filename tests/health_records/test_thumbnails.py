import io
import posixpath

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from health_records.models import RecordFile, thumbnail_key
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


@pytest.mark.django_db
def test_a_picture_left_by_a_run_killed_before_it_kept_it_is_deleted_by_the_run_that_keeps_one(client, alice):
    client.force_login(alice)
    record_file = add_record(client, alice, "plaie.jpg", jpeg_bytes(size=(800, 600)))
    storage = record_file.thumbnail.storage
    # A run killed after it stored its picture at the file's own key, before it wrote it on the file.
    left = storage.save(thumbnail_key(record_file, ""), ContentFile(b"half a picture"))

    make_record_file_thumbnail(record_file.pk)

    record_file.refresh_from_db()
    assert record_file.thumbnail.name != left
    folder = posixpath.dirname(left)
    pictures = [name for name in storage.listdir(folder)[1] if name.startswith(record_file.public_id.hex)]
    assert pictures == [posixpath.basename(record_file.thumbnail.name)]
    with record_file.thumbnail.open("rb") as handle:
        assert Image.open(io.BytesIO(handle.read())).format == "JPEG"


@pytest.mark.celery
def test_a_real_worker_makes_thumbnails_after_an_upload(client, alice, celery_worker):
    client.force_login(alice)

    record_file = add_record(client, alice, "compte-rendu.pdf", pdf_bytes())

    wait_until(lambda: RecordFile.objects.get(pk=record_file.pk).thumbnail, worker=celery_worker)
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode()
    assert reverse("health_records:file_thumbnail", args=[record_file.public_id]) in timeline
