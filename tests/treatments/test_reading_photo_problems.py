"""A prescription photographed in the dark is still read, and the review says the photo was too dark, in the
language of the person reviewing; a photo without any page fails, saying what to do about it."""

import io

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from documents.photo_quality import PROBLEMS
from tests.files import TEST_DATA
from tests.treatments.test_reading_task import upload_prescription

pytestmark = pytest.mark.django_db


def dark_photo() -> bytes:
    photo = np.asarray(Image.open(TEST_DATA / "prescriptions" / "rx-0001-photo.jpeg").convert("RGB"))
    buffer = io.BytesIO()
    Image.fromarray((photo.astype(np.float32) * 0.2).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_dark_photo_is_read_and_its_review_says_it_was_too_dark(client, alice, django_capture_on_commit_callbacks):
    reading = upload_prescription(alice, "ordonnance.jpg", dark_photo(), django_capture_on_commit_callbacks)
    assert reading.status == "ready", reading.error
    assert reading.result["medications"]

    client.force_login(alice)
    response = client.get(reverse("treatments:reading_review", args=[reading.public_id]), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("en"):
        assert str(PROBLEMS["dark"].message) in html
    assert "data-photo-problems" in html


def test_a_photo_without_a_page_fails_saying_what_to_do(client, alice, django_capture_on_commit_callbacks):
    content = (TEST_DATA / "faces" / "biden_1.jpg").read_bytes()
    reading = upload_prescription(alice, "ordonnance.jpg", content, django_capture_on_commit_callbacks)

    assert reading.status == "failed"
    assert str(PROBLEMS["no_page"].message) in reading.error  # in the reader's language, as the error is
    client.force_login(alice)
    page = client.get(reverse("health_records:detail", args=[reading.record.public_id])).content.decode()
    assert str(PROBLEMS["no_page"].message) in page
