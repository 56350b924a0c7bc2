import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.uploads import check_upload
from health_records import annotations, services
from health_records.models import PhotoAnnotation
from tests.browser.sign_in import log_in
from tests.files import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED = (220, 20, 20)


def photo(patient, *, day=date(2026, 3, 1), color=RED):
    record = services.health_record_create_with_site(
        actor=patient,
        patient=patient,
        kind="photo",
        title="Genou J+14",
        clinical_date=day,
        body_site="genou gauche",
        uploads=[check_upload(SimpleUploadedFile("photo.jpg", jpeg_bytes(size=(800, 600), color=color)))],
    )
    return record


def is_yellow(colour):
    return colour[0] > 200 and colour[1] > 150 and colour[2] < 100


def yellow_near(page, x, y):
    """Whether the layer's colour is drawn within two pixels of (x, y): lines are 3 pixels wide on screen."""
    shot = page.screenshot(clip={"x": x - 2, "y": y - 2, "width": 5, "height": 5})
    area = Image.open(io.BytesIO(shot)).convert("RGB")
    return any(is_yellow(area.getpixel((i, j))) for i in range(area.width) for j in range(area.height))


def photo_box(page, selector):
    page.eval_on_selector(selector, "image => image.scrollIntoView({block: 'center'})")
    page.wait_for_function(f"() => document.querySelector({selector!r}).naturalWidth > 0")
    return page.locator(selector).bounding_box()


def drag(page, start, end):
    """Draws with the mouse from one point to another, given as fractions of the photo's box."""
    box = photo_box(page, "[data-annotate-stage] img")
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start[0] + end[0]) / 2, box["y"] + box["height"] * start[1], steps=3)
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=3)
    page.mouse.up()


def touch_drag(page, start, end):
    """Draws with a finger (the phone's touch screen, through Chromium's own touch events)."""
    box = photo_box(page, "[data-annotate-stage] img")
    touch = page.context.new_cdp_session(page)
    points = [{"x": box["x"] + box["width"] * x, "y": box["y"] + box["height"] * y} for x, y in (start, end)]
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [points[1]]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_patient_draws_an_arrow_a_ruler_and_a_10_mm_reference_and_sees_them_over_the_photo(page, alice):
    record = photo(alice)
    record_file = record.files.get()
    log_in(page, "alice@example.org")
    page.goto(page.base_url + f"/records/{record.public_id}/")
    page.click(f"a[href='/files/{record_file.public_id}/annotate/']")
    page.wait_for_selector("[data-annotate].is-ready")
    stage_image = "[data-annotate-stage] img"
    box = photo_box(page, stage_image)
    assert box["width"] <= 390  # the phone's width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    drag(page, (0.1, 0.1), (0.4, 0.4))  # the arrow, the tool chosen at first
    page.click("[data-tool=reference]")
    page.fill("[data-annotate-reference]", "10")
    drag(page, (0.2, 0.8), (0.45, 0.8))  # 200 of the photo's 800 pixels: 10 mm
    page.click("[data-tool=ruler]")
    drag(page, (0.5, 0.5), (0.9, 0.5))  # 320 pixels: 16 mm
    assert page.locator("[data-annotate-list] li").count() == 3
    assert "16 mm" in page.inner_text("[data-annotate-list]")
    page.click("[data-tool=circle]")
    touch_drag(page, (0.75, 0.25), (0.85, 0.25))
    assert page.locator("[data-annotate-list] li").count() == 4
    # The keyboard draws too: a text placed with the arrow keys and Enter.
    page.click("[data-tool=text]")
    page.fill("[data-annotate-label]", "J+14")
    page.focus("[data-annotate-stage]")
    for _step in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    # Undo takes the last shape back, and it can be drawn again.
    page.click("[data-annotate-undo]")
    assert page.locator("[data-annotate-list] li").count() == 4
    page.fill("[data-annotate-label]", "J+14")
    page.focus("[data-annotate-stage]")
    page.keyboard.press("Enter")
    page.click("button[type=submit].button--primary")

    page.wait_for_url(page.base_url + f"/records/{record.public_id}/")
    layer = page.locator("[data-annotation-layer]")
    layer.wait_for()
    shapes = PhotoAnnotation.objects.get().shapes
    assert [shape["kind"] for shape in shapes] == ["arrow", "reference", "ruler", "circle", "text"]
    (centre_x, centre_y), (edge_x, _edge_y) = shapes[3]["points"]
    assert abs(centre_x - 600) < 6 and abs(centre_y - 150) < 6 and abs(edge_x - centre_x - 80) < 6
    assert "16 mm" in layer.text_content() and "10 mm" in layer.text_content() and "J+14" in layer.text_content()
    # The layer lies exactly over the photo, and its ruler is drawn where it was drawn on the photo.
    image_box = photo_box(page, ".file__image")
    layer_box = layer.bounding_box()
    for key in ("x", "y", "width", "height"):
        assert abs(layer_box[key] - image_box[key]) <= 1, key
    ruler_y = image_box["y"] + image_box["height"] * 0.5
    assert yellow_near(page, image_box["x"] + image_box["width"] * 0.7, ruler_y)
    assert not yellow_near(page, image_box["x"] + image_box["width"] * 0.7, ruler_y + 20)

    # Back on the drawing page, everything saved is there to change.
    page.goto(page.base_url + f"/files/{record_file.public_id}/annotate/")
    page.wait_for_selector("[data-annotate].is-ready")
    assert page.locator("[data-annotate-list] li").count() == 5
    assert page.locator("[data-annotate-svg] [data-kind]").count() == 5
    assert "mm" in page.text_content("[data-annotate-svg]")
    assert page.input_value("[data-annotate-reference]") == "10"


def test_the_layer_follows_the_photo_in_the_comparison(page, alice):
    earlier, later = photo(alice, day=date(2026, 1, 10)), photo(alice)
    circle = [{"kind": "circle", "points": [[400, 300], [600, 300]], "label": "plaie"}]
    for record in (earlier, later):
        annotations.annotation_save(actor=alice, record_file=record.files.get(), shapes=circle)
    log_in(page, "alice@example.org")

    page.goto(page.base_url + f"/records/{later.public_id}/compare/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-compare-image]')].every(image => image.naturalWidth > 0)"
    )
    page.click("[data-compare-mode=side]")
    for side in ("first", "second"):
        image = page.locator(f"[data-compare-image={side}]")
        image.scroll_into_view_if_needed()
        image_box = image.bounding_box()
        layer_box = page.locator(f"[data-compare-image={side}] ~ [data-annotation-layer]").bounding_box()
        for key in ("x", "y", "width", "height"):
            assert abs(layer_box[key] - image_box[key]) <= 1, (side, key)
        # The circle's right edge, at three quarters of the photo's width, its middle height.
        assert yellow_near(page, image_box["x"] + image_box["width"] * 0.75, image_box["y"] + image_box["height"] * 0.5)
        assert not yellow_near(
            page, image_box["x"] + image_box["width"] * 0.6, image_box["y"] + image_box["height"] * 0.5
        )
    # In the slider the photos are contained in one frame: the layer is fitted the same way. The right
    # photo shows on the right of the handle, where its circle's right edge is.
    page.click("[data-compare-mode=slider]")
    page.eval_on_selector("[data-compare-stage]", "stage => stage.scrollIntoView({block: 'center'})")
    frame = page.locator("[data-compare-image=second]").bounding_box()
    shown_width = min(frame["width"], frame["height"] * 4 / 3)
    shown_height = shown_width * 3 / 4
    left = frame["x"] + (frame["width"] - shown_width) / 2
    top = frame["y"] + (frame["height"] - shown_height) / 2
    assert yellow_near(page, left + shown_width * 0.75, top + shown_height * 0.5)
    assert not yellow_near(page, left + shown_width * 0.65, top + shown_height * 0.5)
