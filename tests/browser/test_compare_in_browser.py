import io
import math
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from documents.uploads import check_upload
from health_records import services
from health_records.models import HealthRecord
from health_records.photos import GAP
from tests.browser.sign_in import log_in
from tests.browser.test_pages_fit_a_phone import OVERFLOWS
from tests.files import jpeg_bytes
from tests.health_records.photo_pairs import (
    FEATURE,
    LANDMARKS,
    in_copy,
    is_yellow,
    jpeg_of,
    marked_photo_and_moved_copy,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED, BLUE = (220, 20, 20), (20, 20, 220)
PHONE_WIDTH = 390


def photo(patient, day, title, content=None, color=RED):
    return services.health_record_create_with_site(
        actor=patient,
        patient=patient,
        kind="photo",
        title=title,
        clinical_date=day,
        body_site="genou gauche",
        uploads=[check_upload(SimpleUploadedFile("photo.jpg", content or jpeg_bytes(size=(800, 600), color=color)))],
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


def open_comparison(page, record):
    """The comparison page of `record`, once its pictures have arrived and its script has set the mode the
    user sees (the toolbar shows only then, the slider pressed)."""
    page.goto(page.base_url + f"/records/{record.public_id}/compare/")
    expect(page.locator("[data-compare-mode=slider]")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-compare-image]')].every(image => image.naturalWidth > 0)"
    )


def boxes(page):
    """The displayed boxes of the two pictures and of the stage (getBoundingClientRect)."""
    return page.evaluate(
        """() => Object.fromEntries(["first", "second"].map(which => {
             const box = document.querySelector(`[data-compare-image=${which}]`).getBoundingClientRect();
             const frame = document.querySelector(`[data-compare-frame=${which}]`).getBoundingClientRect();
             return [which, {x: box.x, y: box.y, width: box.width, height: box.height,
                             frame: {x: frame.x, y: frame.y, width: frame.width, height: frame.height}}];
           }))"""
    )


def overflows(page):
    """What sticks out of the phone's screen (the sweep's check), but for the lined-up photo: moved, it may
    reach past its frame, which clips it (the frames themselves must fit)."""
    faults = [
        fault for fault in page.evaluate(OVERFLOWS, PHONE_WIDTH) if not fault.startswith("div.compare__canvas > img")
    ]
    for frame in boxes(page).values():
        frame = frame["frame"]
        if frame["x"] < -0.5 or frame["x"] + frame["width"] > PHONE_WIDTH + 0.5:
            faults.append(f"frame: {frame['x']:.0f}-{frame['x'] + frame['width']:.0f} px")
    return faults


def centre(box, origin=None):
    origin = origin or {"x": 0, "y": 0}
    return box["x"] - origin["x"] + box["width"] / 2, box["y"] - origin["y"] + box["height"] / 2


def inside(box, frame):
    return (
        box["x"] >= frame["x"] - 0.5
        and box["y"] >= frame["y"] - 0.5
        and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5
        and box["y"] + box["height"] <= frame["y"] + frame["height"] + 0.5
    )


def test_a_patient_compares_two_photos_in_the_three_modes_and_saves_the_comparison(page, alice):
    earlier = photo(alice, date(2026, 1, 10), "Genou J+2", color=RED)
    later = photo(alice, date(2026, 3, 1), "Genou J+60", color=BLUE)
    log_in(page, "alice@example.org")

    page.goto(page.base_url + f"/records/{later.public_id}/")
    page.click("[data-compare-link]")
    expect(page.locator("[data-compare-mode=slider]")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-compare-image]')].every(image => image.naturalWidth > 0)"
    )
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
    centre_point = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert is_blue(colour_at(page, *centre_point))
    page.mouse.move(*centre_point)
    page.mouse.down()
    assert is_red(colour_at(page, *centre_point))
    page.mouse.up()
    assert is_blue(colour_at(page, *centre_point))

    # Side by side: both photos in frames of the same size, each dated.
    page.click("[data-compare-mode=side]")
    shown = boxes(page)
    first, second = shown["first"], shown["second"]
    assert page.is_visible("[data-compare-image=first]") and page.is_visible("[data-compare-image=second]")
    assert abs(first["height"] - second["height"]) <= 1 and first["height"] > 50
    assert first["frame"]["width"] == pytest.approx(second["frame"]["width"], abs=1)
    assert first["x"] + first["width"] <= second["x"]
    assert page.is_visible("figcaption >> text=10 janvier 2026")

    page.click(".compare__save button[type=submit]")
    page.wait_for_selector("h1:has-text('Comparaison')")
    saved = HealthRecord.objects.get(title__startswith="Comparaison")
    assert saved.kind == "comparison" and saved.alignment == {}
    assert page.url.endswith(f"/records/{saved.public_id}/")
    page.wait_for_function("() => document.querySelector('img.file__image').naturalWidth > 1000")

    # The saved comparison is listed under the pair and on each photo's page, and offered nowhere as a photo.
    saved_file = saved.files.get()
    open_comparison(page, later)
    expect(page.locator(".compare__saved-list a")).to_have_text([saved.title])
    for picker in ("#compare-with", "#compare-other"):
        values = page.eval_on_selector_all(f"{picker} option", "options => options.map(option => option.value)")
        assert sorted(values) == sorted(str(record.files.get().public_id) for record in (earlier, later))
        assert str(saved_file.public_id) not in values
    page.goto(page.base_url + f"/records/{earlier.public_id}/")
    expect(page.locator(".record__comparisons a")).to_have_text([saved.title])
    page.goto(page.base_url + f"/patients/{alice.public_id}/photos/")
    assert page.locator(".gallery__photo").count() == 2
    assert page.locator(f".gallery__photo a[href='/records/{saved.public_id}/']").count() == 0
    expect(page.locator(".compare__saved-list a")).to_have_text([saved.title])


def test_a_portrait_and_a_landscape_photo_line_up_in_the_three_modes(page, alice):
    # The portrait was stored turned, as a phone does: landscape pixels and an EXIF tag saying "turn it".
    stored_turned = Image.new("RGB", (800, 600), RED)
    portrait = photo(alice, date(2026, 1, 10), "Genou debout", content=jpeg_of(stored_turned, exif_orientation=6))
    landscape = photo(alice, date(2026, 3, 1), "Genou couché", color=BLUE)
    assert (portrait.files.get().width, portrait.files.get().height) == (600, 800)
    log_in(page, "alice@example.org")
    open_comparison(page, landscape)

    for mode in ("slider", "layers", "side"):
        page.click(f"[data-compare-mode={mode}]")
        stage_box(page)
        shown = boxes(page)
        first, second = shown["first"], shown["second"]
        # The same scale: the portrait's height is the landscape's width (their longer sides)...
        assert first["height"] == pytest.approx(second["width"], abs=1), mode
        assert first["width"] == pytest.approx(second["height"], abs=1), mode
        # ... each whole in its frame, the two frames of one size, the photos on the same centre of it.
        assert inside(first, first["frame"]) and inside(second, second["frame"]), mode
        assert first["frame"]["width"] == pytest.approx(second["frame"]["width"], abs=0.5), mode
        assert first["frame"]["height"] == pytest.approx(second["frame"]["height"], abs=0.5), mode
        first_centre, second_centre = centre(first, first["frame"]), centre(second, second["frame"])
        assert first_centre == pytest.approx(second_centre, abs=1), mode
        assert first["frame"]["width"] > 100, mode
        if mode != "side":
            # One frame for both, filling the stage: the slider divides the same area.
            assert first["frame"] == pytest.approx(second["frame"], abs=0.5), mode
            assert centre(first) == pytest.approx(centre(second), abs=1), mode
            assert first["frame"]["width"] == pytest.approx(
                page.locator("[data-compare-stage]").bounding_box()["width"], abs=1
            )
        # Nothing sticks out of the phone's screen.
        assert overflows(page) == [], mode


def yellow_centre(page, x, y, radius=30):
    """Where the yellow spot is, on the screen, in the square of `radius` around (x, y)."""
    shot = Image.open(
        io.BytesIO(page.screenshot(clip={"x": x - radius, "y": y - radius, "width": 2 * radius, "height": 2 * radius}))
    ).convert("RGB")
    scale = shot.width / (2 * radius)
    yellow = [
        (column, row)
        for row in range(shot.height)
        for column in range(shot.width)
        if is_yellow(shot.getpixel((column, row)))
    ]
    assert yellow, "no yellow spot near the expected place"
    return (
        x - radius + sum(column for column, _row in yellow) / len(yellow) / scale,
        y - radius + sum(row for _column, row in yellow) / len(yellow) / scale,
    )


def on_screen(box, size, point):
    return box["x"] + point[0] * box["width"] / size[0], box["y"] + point[1] * box["height"] / size[1]


def test_four_landmarks_line_up_a_moved_turned_and_smaller_copy_in_every_mode_and_in_the_saved_picture(page, alice):
    original, copy, _alignment = marked_photo_and_moved_copy()
    photo(alice, date(2026, 1, 10), "Genou J+2", content=jpeg_of(original))
    later = photo(alice, date(2026, 3, 1), "Genou J+60", content=jpeg_of(copy))
    log_in(page, "alice@example.org")
    open_comparison(page, later)
    stage_box(page)

    # Placing: the left photo alone, two taps; then the right one alone, two taps.
    page.click("[data-compare-place]")
    expect(page.locator("[data-compare-step='0']")).to_be_visible()
    for point in LANDMARKS:
        box = page.locator("[data-compare-image=first]").bounding_box()
        page.mouse.click(*on_screen(box, original.size, point))
    expect(page.locator("[data-compare-step='2']")).to_be_visible()
    for point in LANDMARKS:  # on a phone, with a finger
        box = page.locator("[data-compare-image=second]").bounding_box()
        page.touchscreen.tap(*on_screen(box, copy.size, in_copy(point)))
    expect(page.locator("[data-compare-step=done]")).to_be_visible()
    expect(page.locator("[data-compare-mode=slider]")).to_have_attribute("aria-pressed", "true")

    # In layers mode the right photo shows alone, moved: its yellow spot is where the left photo's is.
    for mode in ("layers", "slider", "side"):
        page.click(f"[data-compare-mode={mode}]")
        if mode == "slider":
            page.focus("[data-compare-handle]")
            page.keyboard.press("Home")  # the bar at the far left: the right photo everywhere
        stage_box(page)
        first_box = page.locator("[data-compare-image=first]").bounding_box()
        expected = on_screen(first_box, original.size, FEATURE)
        if mode == "side":
            # Side by side: at the same place in the right frame as in the left one.
            frames = boxes(page)
            expected = (
                expected[0] - frames["first"]["frame"]["x"] + frames["second"]["frame"]["x"],
                expected[1] - frames["first"]["frame"]["y"] + frames["second"]["frame"]["y"],
            )
        found = yellow_centre(page, *expected)
        assert math.dist(found, expected) < 4, (mode, found, expected)
        assert overflows(page) == [], mode

    # Reset: the copy is only centred again, its spot elsewhere; lined up again, then saved.
    page.click("[data-compare-reset]")
    expect(page.locator("[data-compare]")).to_have_attribute("data-aligned", "false")
    assert page.get_attribute("[data-compare-image=second] >> xpath=..", "style").find("matrix") == -1
    page.click("[data-compare-place]")
    page.keyboard.press("Escape")
    expect(page.locator("[data-compare-place]")).to_have_attribute("aria-pressed", "false")
    # With the keyboard: the cross starts in the middle; a second point on the first is refused.
    page.click("[data-compare-place]")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("[data-compare-step=close]")).to_be_visible()
    for _step in range(10):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("[data-compare-step='2']")).to_be_visible()
    page.keyboard.press("Enter")
    for _step in range(10):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("[data-compare]")).to_have_attribute("data-aligned", "true")
    page.click("[data-compare-reset]")
    expect(page.locator("[data-compare]")).to_have_attribute("data-aligned", "false")
    page.click("[data-compare-place]")
    for which, size, points in (("first", original.size, LANDMARKS), ("second", copy.size, map(in_copy, LANDMARKS))):
        for point in points:
            box = page.locator(f"[data-compare-image={which}]").bounding_box()
            page.mouse.click(*on_screen(box, size, point))
    expect(page.locator("[data-compare]")).to_have_attribute("data-aligned", "true")

    page.click(".compare__save button[type=submit]")
    page.wait_for_selector("h1:has-text('Comparaison')")
    saved = HealthRecord.objects.get(kind="comparison")
    for side, points in (("left", LANDMARKS), ("right", [in_copy(point) for point in LANDMARKS])):
        assert len(saved.alignment[side]) == 2
        for kept, placed in zip(saved.alignment[side], points, strict=True):
            assert math.dist(kept, placed) < 4, (side, kept, placed)
    # The saved picture is lined up as it was seen: the spot at the same place in both frames.
    with saved.files.get().file.open("rb") as stored:
        picture = Image.open(stored).convert("RGB")
    panel = (picture.width - GAP) // 2
    scale = panel / 800
    offset_y = 100 * scale
    left_spot = (FEATURE[0] * scale, FEATURE[1] * scale + offset_y)
    assert is_yellow(picture.getpixel(left_spot))
    assert is_yellow(picture.getpixel((left_spot[0] + panel + GAP, left_spot[1])))
