"""On a phone, a photo of a prescription taken in the dark is told too dark before it is sent, in plain words,
with "Take another photo" and "Send it anyway"; a good photo, a PDF and a photo of the body are left alone."""

import io
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.utils import translation
from PIL import Image

from documents.photo_quality import PROBLEMS, assess
from health_records.models import HealthRecord
from tests.browser.sign_in import log_in
from tests.files import TEST_DATA, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", tempfile.gettempdir())) / "shots" / "photo_check"
GOOD_PHOTO = TEST_DATA / "prescriptions" / "rx-0001-photo.jpeg"


def dark_photo(folder: Path) -> Path:
    photo = np.asarray(Image.open(GOOD_PHOTO).convert("RGB")).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray((photo * 0.15).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    path = folder / "ordonnance-sombre.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def open_the_form(page, patient, kind="prescription"):
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(page.base_url + f"/patients/{patient.public_id}/records/new/")
    page.select_option("select[name=kind]", kind)


def message(name: str) -> str:
    with translation.override("fr"):
        return str(PROBLEMS[name].message)


def checked(page):
    """Waits until the chosen photo is checked; whether a problem was found."""
    page.wait_for_function(
        "() => ['good', 'problem'].includes(document.querySelector('[data-photo-check]').dataset.state)"
    )
    return page.get_attribute("[data-photo-check]", "data-state") == "problem"


def test_a_dark_photo_is_told_and_can_still_be_sent(page, alice, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "alice@example.org")
    open_the_form(page, alice)
    page.fill("input[name=title]", "Ordonnance")
    page.fill("input[name=clinical_date]", "2026-03-02")

    page.set_input_files("input[name=camera]", str(dark_photo(tmp_path)))

    assert checked(page)
    box = page.locator("[data-photo-check-box]")
    assert box.is_visible()
    assert box.get_attribute("role") == "alert"
    assert message("dark") in box.inner_text()
    assert page.locator("[data-photo-check-retake]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "dark-photo.png"), full_page=False)

    page.click("[data-photo-check-keep]")  # the person knows better: the photo stays chosen
    assert not box.is_visible()
    assert page.evaluate("document.querySelector('input[name=camera]').files.length") == 1
    page.click("button[type=submit].button--primary >> nth=-1")

    page.wait_for_selector("h1:has-text('Ordonnance')")
    record = HealthRecord.objects.get()
    assert [record_file.original_name for record_file in record.files.all()] == ["ordonnance-sombre.jpg"]


def test_take_another_photo_opens_the_camera_again_and_a_good_photo_shows_nothing(page, alice, tmp_path):
    log_in(page, "alice@example.org")
    open_the_form(page, alice)
    page.set_input_files("input[name=camera]", str(dark_photo(tmp_path)))
    assert checked(page)

    with page.expect_file_chooser() as chooser:
        page.click("[data-photo-check-retake]")
    assert page.evaluate("document.querySelector('input[name=camera]').files.length") == 0
    assert "ordonnance-sombre.jpg" not in page.inner_text("[data-upload-list]")
    chooser.value.set_files(str(GOOD_PHOTO))

    assert not checked(page)
    assert not page.locator("[data-photo-check-box]").is_visible()
    assert "rx-0001-photo.jpeg" in page.inner_text("[data-upload-list]")


def test_a_pdf_or_a_photo_of_the_body_is_not_checked(page, alice, tmp_path):
    (tmp_path / "ordonnance.pdf").write_bytes(pdf_bytes())
    log_in(page, "alice@example.org")
    open_the_form(page, alice)
    page.set_input_files("input[name=files]", str(tmp_path / "ordonnance.pdf"))
    assert not checked(page)

    page.select_option("select[name=kind]", "photo")  # a photo of a knee has no page, and may be dim
    page.set_input_files("input[name=camera]", str(dark_photo(tmp_path)))
    page.wait_for_timeout(300)
    assert not page.locator("[data-photo-check-box]").is_visible()


def test_the_phone_tells_a_blurred_photo_and_a_picture_without_a_page_as_the_server_does(page, alice, tmp_path):
    photo = np.asarray(Image.open(GOOD_PHOTO).convert("RGB"))
    blurred = tmp_path / "floue.jpg"
    Image.fromarray(cv2.GaussianBlur(photo, (0, 0), 6)).save(blurred, "JPEG", quality=90)
    face = TEST_DATA / "faces" / "biden_1.jpg"
    log_in(page, "alice@example.org")
    open_the_form(page, alice)

    for path, problem in [(blurred, "blurred"), (face, "no_page")]:
        assert [found.code for found in assess(Image.open(path))] == [problem]  # the server's word
        page.set_input_files("input[name=camera]", str(path))
        page.wait_for_function(
            "name => document.querySelector('[data-photo-check-message]').textContent.includes(name)",
            arg=message(problem),
        )
        assert page.locator("[data-photo-check-box]").is_visible()
