import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.uploads import check_upload
from health_records import services
from health_records.models import HealthRecord
from tests.browser.sign_in import log_in
from tests.files import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED, BLUE = (220, 20, 20), (20, 20, 220)


def photo(patient, day, color, title):
    return services.health_record_create_with_site(
        actor=patient,
        patient=patient,
        kind="photo",
        title=title,
        clinical_date=day,
        body_site="genou gauche",
        uploads=[check_upload(SimpleUploadedFile("photo.jpg", jpeg_bytes(size=(800, 600), color=color)))],
    )


def colour_at(page, x, y):
    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))


def is_red(colour):
    return colour[0] > 150 and colour[2] < 100


def is_blue(colour):
    return colour[2] > 150 and colour[0] < 100


def stage_box(page):
    page.eval_on_selector("[data-compare-stage]", "stage => stage.scrollIntoView({block: 'center'})")
    return page.locator("[data-compare-stage]").bounding_box()


def test_a_patient_compares_two_photos_in_the_three_modes_and_saves_the_comparison(page, alice):
    photo(alice, date(2026, 1, 10), RED, "Genou J+2")
    later = photo(alice, date(2026, 3, 1), BLUE, "Genou J+60")
    log_in(page, "alice@example.org")

    page.goto(page.base_url + f"/records/{later.public_id}/")
    page.click("[data-compare-link]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-compare-image]')].every(image => image.naturalWidth > 0)"
    )
    assert page.get_attribute("[data-compare-mode=slider]", "aria-pressed") == "true"
    # Both photos are landscape and the phone is upright.
    assert page.is_visible(".compare__turn-hint")

    # Slider: the older (red) photo on the left of the bar, the newer (blue) on its right.
    box = stage_box(page)
    middle_y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, middle_y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, middle_y, steps=5)
    page.mouse.up()
    assert 68 <= int(page.get_attribute("[data-compare-handle]", "aria-valuenow")) <= 72
    assert is_red(colour_at(page, box["x"] + box["width"] * 0.6, middle_y))
    assert is_blue(colour_at(page, box["x"] + box["width"] * 0.85, middle_y))
    # The bar moves with the keyboard too.
    page.focus("[data-compare-handle]")
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("[data-compare-handle]", "aria-valuenow") in {"63", "64", "65", "66", "67"}

    # Layers: the newer photo; the older one while the photo is held.
    page.click("[data-compare-mode=layers]")
    assert page.get_attribute("[data-compare-mode=layers]", "aria-pressed") == "true"
    box = stage_box(page)
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert is_blue(colour_at(page, *centre))
    page.mouse.move(*centre)
    page.mouse.down()
    assert is_red(colour_at(page, *centre))
    page.mouse.up()
    assert is_blue(colour_at(page, *centre))

    # Side by side: both photos shown at the same height, each dated.
    page.click("[data-compare-mode=side]")
    first = page.locator("[data-compare-image=first]").bounding_box()
    second = page.locator("[data-compare-image=second]").bounding_box()
    assert page.is_visible("[data-compare-image=first]") and page.is_visible("[data-compare-image=second]")
    assert abs(first["height"] - second["height"]) <= 1 and first["height"] > 50
    assert first["x"] + first["width"] <= second["x"]
    assert page.is_visible("figcaption >> text=10 janvier 2026")

    page.click(".compare__save button[type=submit]")
    page.wait_for_selector("h1:has-text('Comparaison')")
    saved = HealthRecord.objects.get(title__startswith="Comparaison")
    assert page.url.endswith(f"/records/{saved.public_id}/")
    page.wait_for_function("() => document.querySelector('img.file__image').naturalWidth > 1000")
