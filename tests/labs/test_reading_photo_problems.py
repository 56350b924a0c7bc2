"""A lab report photographed in the dark is still read, and its review says the photo was too dark."""

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from documents.photo_quality import PROBLEMS
from labs.models import LabReading
from labs.tasks import read_lab_report
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import TEST_DATA

pytestmark = pytest.mark.django_db


def test_a_dark_photo_of_a_report_is_read_and_its_review_says_it_was_too_dark(client, alice):
    photo = np.asarray(Image.open(TEST_DATA / "labs" / "lab-0006-photo.jpeg").convert("RGB")).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray((photo * 0.2).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    record = HealthRecordFactory(patient=alice, kind="lab_result", title="Bilan sanguin")
    record_file = RecordFileFactory(
        record=record,
        original_name="bilan.jpg",
        content_type="image/jpeg",
        file=ContentFile(buffer.getvalue(), name="upload"),
    )
    reading = LabReading.objects.create(record=record, record_file=record_file)

    with translation.override("en"):
        read_lab_report(reading.pk)

    reading.refresh_from_db()
    assert reading.status == LabReading.Status.READY, reading.error
    client.force_login(alice)
    response = client.get(reverse("labs:reading_review", args=[reading.public_id]))
    with translation.override("en"):
        assert str(PROBLEMS["dark"].message) in response.content.decode()
