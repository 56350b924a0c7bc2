"""STORAGE=s3 in Chromium (tests/s3.py): a record page's photo and PDF come from the bucket through the 302 to
their presigned links, which the page's Content-Security-Policy lets in (the page fixture fails on a refusal)."""

import pytest
from django.core.files.base import ContentFile

from health_records.tasks import make_record_file_thumbnail
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import jpeg_bytes, pdf_bytes
from tests.s3 import s3  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_record_page_shows_its_photo_and_pdf_from_the_bucket(page, alice, s3):  # noqa: F811
    record = HealthRecordFactory(patient=alice, kind="photo", title="Cicatrice")
    photo = RecordFileFactory(
        record=record, file=ContentFile(jpeg_bytes(size=(600, 400)), name="upload"), width=600, height=400
    )
    RecordFileFactory(
        record=record,
        original_name="bilan.pdf",
        content_type="application/pdf",
        extension=".pdf",
        file=ContentFile(pdf_bytes(), name="upload"),
    )
    make_record_file_thumbnail(photo.pk)
    requested = []
    page.on("requestfinished", lambda request: requested.append(request.url))
    log_in(page, "alice@example.org")

    page.goto(f"{page.base_url}/records/{record.public_id}/", wait_until="networkidle")
    assert page.eval_on_selector("img.file__image", "image => image.complete && image.naturalWidth") == 600
    page.goto(f"{page.base_url}/patients/{alice.public_id}/photos/", wait_until="networkidle")
    assert page.eval_on_selector("img[loading=lazy]", "image => image.complete && image.naturalWidth") > 0

    from_the_bucket = {url.split("?")[0] for url in requested if url.startswith(s3.endpoint)}
    assert s3.object_url(photo.file.name) in from_the_bucket
    photo.refresh_from_db()
    assert s3.object_url(photo.thumbnail.name) in from_the_bucket
    assert any(url.endswith(".pdf") for url in from_the_bucket)
