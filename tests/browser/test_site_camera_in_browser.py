"""Photo follow-up on a phone, in Chromium with its fake camera: naming a body site that has a photo shows that
photo, and "Take the photo" opens the camera with it laid over the view, faint; the picture taken is sent
with the record as a chosen file is. Without the camera API, the earlier photo stays as a reference beside
the ordinary camera input."""

import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from audit.models import AccessEvent
from audit.models import Action as AuditAction
from health_records.models import HealthRecord, RecordKind
from tests.browser.conftest import assert_no_unexpected_errors, phone_page
from tests.browser.sign_in import log_in
from tests.browser.test_accessibility_in_browser import serious_violations_here
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium answers getUserMedia with a generated picture, without asking.
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# Functions, not expressions: an expression is evaluated by eval(), which the Content-Security-Policy refuses.
IMAGE_SHOWN = "image => image.complete && image.naturalWidth"
VIDEO_PLAYING = (
    "() => { const video = document.querySelector('[data-camera-video]'); "
    "return video.readyState >= 2 && video.videoWidth > 0 && !video.paused; }"
)


@pytest.fixture
def camera_page(live_server, request):
    """The phone-sized page of tests/browser/conftest.py, with Chromium's fake camera allowed."""
    with phone_page(live_server, chromium_args=FAKE_CAMERA) as (page, errors):
        yield page
    assert_no_unexpected_errors(errors, request)


def knee_photo() -> bytes:
    """A photo to line up with: a pale knee with a dark scar across it."""
    image = Image.new("RGB", (640, 480), (233, 196, 170))
    drawing = ImageDraw.Draw(image)
    drawing.ellipse((170, 90, 470, 400), fill=(222, 176, 150), outline=(150, 100, 80), width=6)
    drawing.line((210, 300, 430, 200), fill=(90, 20, 30), width=14)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def earlier_photo(alice):
    record = HealthRecordFactory(
        patient=alice,
        kind=RecordKind.PHOTO,
        title="Genou, J+7",
        body_site="Genou gauche",
        clinical_date=date(2026, 3, 3),
    )
    return RecordFileFactory(record=record, file=ContentFile(knee_photo(), name="upload"), width=640, height=480)


def start_a_record(page, patient, site):
    page.goto(page.base_url + f"/patients/{patient.public_id}/records/new/")
    page.fill("input[name=title]", "Genou, J+14")
    page.fill("input[name=clinical_date]", "2026-03-17")
    page.fill("input[name=body_site]", site)
    page.press("input[name=body_site]", "Tab")
    page.wait_for_selector("[data-site-camera]", state="visible")
    page.wait_for_function(f"() => ({IMAGE_SHOWN})(document.querySelector('[data-site-camera-thumbnail]'))")


def test_a_patient_lines_up_a_new_photo_over_the_previous_one_and_sends_it(camera_page, alice, earlier_photo):
    page = camera_page
    log_in(page, "alice@example.org")
    start_a_record(page, alice, "genou gauche")
    assert "3 mars 2026" in page.inner_text("[data-site-camera-label]")

    page.click("[data-site-camera-open]")
    page.wait_for_selector("dialog[data-camera-dialog][open]")
    page.wait_for_function(VIDEO_PLAYING)
    overlay = page.locator("[data-camera-overlay]")
    assert overlay.is_visible()
    assert overlay.evaluate(IMAGE_SHOWN) == 640
    assert overlay.evaluate("image => getComputedStyle(image).opacity") == "0.35"
    assert overlay.get_attribute("src") == f"/files/{earlier_photo.public_id}/view/"
    # The view covers the phone's screen, the overlay the whole width of the live view.
    box = page.locator("[data-camera-dialog]").bounding_box()
    assert (box["width"], box["height"]) == (390, 844)

    page.fill("[data-camera-opacity]", "60")
    assert overlay.evaluate("image => getComputedStyle(image).opacity") == "0.6"
    page.uncheck("[data-camera-overlay-shown]")
    assert not overlay.is_visible()
    page.check("[data-camera-overlay-shown]")
    assert overlay.is_visible()

    page.click("[data-camera-shutter]")
    page.wait_for_function(f"() => ({IMAGE_SHOWN})(document.querySelector('[data-camera-still]'))")
    assert not overlay.is_visible()  # the picture taken is checked alone
    page.click("[data-camera-retake]")
    assert overlay.is_visible() and not page.is_visible("[data-camera-still]")
    page.click("[data-camera-shutter]")
    page.wait_for_function(f"() => ({IMAGE_SHOWN})(document.querySelector('[data-camera-still]'))")
    page.click("[data-camera-use]")

    page.wait_for_selector("dialog[data-camera-dialog]:not([open])", state="attached")
    assert page.evaluate("() => document.querySelector('[data-camera-video]').srcObject") is None  # camera off
    assert page.is_visible("[data-upload-list] >> text=.jpg")
    assert page.input_value("select[name=kind]") == "photo"  # a picture of a site: a photo record
    page.click("button[type=submit].button--primary")

    page.wait_for_selector("h1:has-text('Genou, J+14')")
    record = HealthRecord.objects.get(title="Genou, J+14")
    new_photo = record.files.get()
    assert (record.kind, record.body_site) == (RecordKind.PHOTO, "genou gauche")
    assert new_photo.content_type == "image/jpeg" and new_photo.width > 0 and new_photo.height > 0
    # Seeing the earlier photo was logged: asked for the site (once, though typed then left), then loaded.
    assert AccessEvent.objects.filter(object_id=earlier_photo.public_id, action=AuditAction.VIEW).count() == 1
    assert AccessEvent.objects.filter(object_id=earlier_photo.public_id, action=AuditAction.DOWNLOAD).exists()


def test_the_camera_is_used_with_the_keyboard_and_cancelled_with_escape(camera_page, alice, earlier_photo):
    page = camera_page
    log_in(page, "alice@example.org")
    start_a_record(page, alice, "Genou gauche")

    assert serious_violations_here(page, "the form with the previous photo") == []
    page.focus("[data-site-camera-open]")
    page.keyboard.press("Enter")
    page.wait_for_function(VIDEO_PLAYING)
    assert page.evaluate("() => document.activeElement.matches('[data-camera-shutter]')")
    assert serious_violations_here(page, "the camera view") == []
    assert page.locator("[data-camera-shutter]").get_attribute("type") == "button"
    page.keyboard.press("Escape")

    page.wait_for_selector("dialog[data-camera-dialog]:not([open])", state="attached")
    assert page.evaluate("() => document.activeElement.matches('[data-site-camera-open]')")
    assert page.evaluate("() => document.querySelector('[data-camera-video]').srcObject") is None
    assert page.evaluate("() => document.querySelector('input[name=camera]').files.length") == 0


def test_another_site_or_a_site_without_a_photo_offers_no_camera(camera_page, alice, earlier_photo):
    page = camera_page
    log_in(page, "alice@example.org")
    start_a_record(page, alice, "Genou gauche")

    page.fill("input[name=body_site]", "Coude")
    page.press("input[name=body_site]", "Tab")

    page.wait_for_selector("[data-site-camera]", state="hidden")


def test_without_the_camera_api_the_previous_photo_stays_beside_the_ordinary_camera_input(page, alice, earlier_photo):
    page.add_init_script("delete Navigator.prototype.mediaDevices;")
    log_in(page, "alice@example.org")

    start_a_record(page, alice, "Genou gauche")

    assert page.evaluate("() => navigator.mediaDevices") is None
    assert not page.is_visible("[data-site-camera-open]")
    assert "ne peut pas ouvrir l’appareil photo" in page.inner_text("[data-site-camera-message]")
    thumbnail = page.locator("[data-site-camera-thumbnail]")
    assert thumbnail.is_visible() and thumbnail.evaluate(IMAGE_SHOWN) == 640
    camera_input = page.locator("input[name=camera]")
    assert camera_input.get_attribute("capture") == "environment"
    assert page.is_visible("label.upload__button:has(input[name=camera])")


@pytest.fixture
def camera_refused_page(live_server, request):
    """A fake camera whose permission the browser refuses (no fake "Allow" answered, none granted)."""
    with phone_page(live_server, chromium_args=["--use-fake-device-for-media-stream"]) as (page, errors):
        yield page
    assert_no_unexpected_errors(errors, request)


def test_a_refused_camera_is_explained_and_the_previous_photo_stays(camera_refused_page, alice, earlier_photo):
    page = camera_refused_page
    log_in(page, "alice@example.org")
    start_a_record(page, alice, "Genou gauche")

    page.click("[data-site-camera-open]")

    page.wait_for_selector("[data-site-camera-message]:has-text('n’a pas pu être ouvert')")
    assert page.is_visible("[data-site-camera-thumbnail]")
    assert not page.is_visible("[data-site-camera-open]")
    assert page.evaluate("() => document.querySelector('[data-camera-dialog]').open") is False
    assert page.evaluate("() => document.activeElement.name") == "camera"  # the ordinary camera input
