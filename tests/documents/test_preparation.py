"""Making a phone photo of a page ready for OCR: the sheet found and warped flat, the light evened out, a
tilt straightened; and a doubtful line read again from its crop. Pages are drawn here, then photographed
badly with OpenCV: a dim table, the sheet in perspective, the phone's shadow across half of it."""

import io
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFilter

from documents.ocr import local
from documents.ocr.base import line_crop
from documents.ocr.local import RapidOcrEngine
from documents.ocr.preparation import prepared
from documents.text import Line, PageText
from tests.documents.photos import SHEET, bad_photo, page_picture
from tests.files import TEST_DATA


@pytest.fixture(scope="module")
def page():
    return page_picture()


def test_the_sheet_is_found_at_its_corners_and_warped_to_an_upright_page(page):
    prepared_page = prepared(bad_photo(page))

    assert prepared_page.page_found
    found = np.array(prepared_page.steps[0].values["corners"])
    assert prepared_page.steps[0].name == "page"
    assert np.abs(found - SHEET).max() < 0.02
    width, height = prepared_page.image.size
    assert height > width  # upright, as the sheet lies


@pytest.mark.parametrize(
    ("photo", "sheet"),
    [
        # The shadow's straight, soft edge changes the light along a line as a sheet's edge does; the sheet is the
        # larger shape, its shadowed edge less contrasted.
        ("prescription-photo-shadow-edge.jpeg", [[0.14, 0.19], [0.92, 0.15], [0.93, 0.94], [0.09, 0.72]]),
        # Where the shadow meets the sheet's edge, paper and table are alike: the light shape is the sheet with a bite
        # out of its side, whose hull is still the sheet's four corners.
        ("prescription-photo-shadow-bite.jpeg", [[0.14, 0.10], [0.92, 0.16], [0.74, 0.92], [0.22, 0.86]]),
        # Discs lie against the sheet's top and bottom, one as light as its shadowed part: no light shape is a
        # quadrilateral, but the sheet's four straight edges still show.
        (
            "prescription-photo-discs-against-the-sheet.jpeg",
            [[0.107, 0.171], [0.807, 0.121], [0.79, 0.852], [0.283, 0.886]],
        ),
        # The shadow's edge crosses the sheet on a slant, sharper than the sheet's own edges in the shadow: the lit part
        # is a light quadrilateral of its own, but the sheet's four straight edges show around it.
        (
            "prescription-photo-shadow-taken-for-the-sheet.jpeg",
            [[0.08, 0.14], [0.83, 0.13], [0.82, 0.83], [0.28, 0.88]],
        ),
    ],
    ids=["shadow-edge-across", "shadow-as-dark-as-the-table", "discs-against-the-sheet", "shadow-edge-on-a-slant"],
)
def test_the_sheet_of_a_poor_photo_is_found_at_its_corners(photo, sheet):
    """Corners as a person places them on the photo."""
    prepared_page = prepared(Image.open(TEST_DATA / "prescriptions" / photo))

    assert prepared_page.page_found
    found = np.array(prepared_page.steps[0].values["corners"])
    assert np.abs(found - np.array(sheet)).max() < 0.05


def test_the_paper_is_white_in_the_shadow_as_in_the_light(page):
    gray = np.asarray(prepared(bad_photo(page)).image.convert("L"))
    height = gray.shape[0]
    lit, shaded = gray[height // 10 : height // 3], gray[2 * height // 3 : 9 * height // 10]
    # In the photo the shaded paper is at under half the brightness of the lit paper; both are white now, but for
    # the paper's grain (left as it is: making it white would take the faint print in the shadow with it).
    assert np.median(lit) >= 240
    assert np.median(shaded) >= 240
    assert abs(float(np.median(lit)) - float(np.median(shaded))) <= 8


def test_a_tilted_photo_of_a_page_filling_the_picture_is_straightened(page):
    picture = np.full((page.shape[0] + 200, page.shape[1] + 200), 255, np.uint8)
    picture[100:-100, 100:-100] = page
    matrix = cv2.getRotationMatrix2D((picture.shape[1] / 2, picture.shape[0] / 2), -3.0, 1.0)
    tilted = cv2.warpAffine(picture, matrix, picture.shape[::-1], borderValue=255)

    steps = {step.name: step.values for step in prepared(Image.fromarray(tilted)).steps}

    assert steps["page"]["corners"] is None  # nothing to warp: the page fills the picture
    assert steps["tilt"]["degrees"] == pytest.approx(-3.0, abs=0.5)


CURLED_LINES = [
    "Dr Claire MARTIN - Médecine générale - Le 12/03/2026",
    "DOLIPRANE 1000 mg, comprimé : 1 comprimé matin et soir",
    "AMOXICILLINE 1 g gélule : 1 gélule matin et soir, 7 jours",
    "KARDEGIC 75 mg poudre : 1 sachet le midi pendant 3 mois",
    "LEVOTHYROX 50 microgrammes : 1 comprimé le matin à jeun",
    "ESOMEPRAZOLE 20 mg gélule : 1 gélule le soir, 1 mois",
]


def whole_readings(monkeypatch) -> list:
    """The page's text recognised in full, each time: as found, or found again turned."""
    reads = []
    read_boxes, read_found = local._read_boxes, local._Detection.read
    monkeypatch.setattr(local, "_read_boxes", lambda *args: reads.append(args) or read_boxes(*args))
    monkeypatch.setattr(local._Detection, "read", lambda detection: reads.append(detection) or read_found(detection))
    return reads


def curled(page: np.ndarray, bow: float) -> np.ndarray:
    """The page bent across its width: its lines bow down by `bow` pixels in the middle, as on a curled sheet."""
    height, width = page.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(page, xs, ys - bow * np.sin(np.pi * xs / width), cv2.INTER_LINEAR, borderValue=255)


@pytest.mark.parametrize("quarter_turns, turned", [(0, 0), (1, 90), (3, 270)])
def test_a_curled_sheets_lines_are_straightened_before_they_are_read(quarter_turns, turned, monkeypatch):
    # Bowed this much, the lines run into each other: read as they are, most are lost or misread.
    page = np.rot90(curled(page_picture(CURLED_LINES), bow=40), quarter_turns)
    reads = whole_readings(monkeypatch)

    read = RapidOcrEngine().read_page(Image.fromarray(np.ascontiguousarray(page)))

    steps = {step.name: step.values for step in read.steps}
    assert steps["curl"]["pixels"] >= 10
    assert [line.text for line in read.lines] == CURLED_LINES
    # A page turned a quarter (anticlockwise, then clockwise) is turned upright, the way its lines start, before
    # it is read: it is read once, not first across its lines.
    assert (steps["curl"]["turned"], read.rotation) == (turned, turned)
    assert len(reads) == 1


@pytest.mark.parametrize("half_turns", [0, 1])
def test_a_page_read_unsure_is_told_upright_from_upside_down_without_reading_it_twice(page, half_turns, monkeypatch):
    # Blurred this much, even upright the page reads unsure: its longest lines found are recognised as they are and
    # turned over before the page's text is, and the page is read once, the way they read better.
    photo = bad_photo(page).filter(ImageFilter.GaussianBlur(2.5)).rotate(180 * half_turns)
    reads = whole_readings(monkeypatch)

    read = RapidOcrEngine().read_page(photo)

    assert read.rotation == 180 * half_turns
    assert len(reads) == 1
    assert any("mg" in line.text for line in read.lines)


def test_straight_lines_are_left_as_they_are(page):
    steps = {step.name: step.values for step in RapidOcrEngine().read_page(Image.fromarray(page)).steps}

    assert steps["curl"]["pixels"] == 0


def test_a_picture_without_a_sheet_of_paper_says_so():
    rng = np.random.default_rng(3)
    # A cluttered dark room: coloured blotches, no sheet.
    scene = cv2.resize(rng.integers(0, 120, (12, 9, 3), dtype=np.uint8), (900, 1200), interpolation=cv2.INTER_CUBIC)

    assert not prepared(Image.fromarray(scene)).page_found


def test_the_bad_photo_is_read_and_each_step_recorded(page):
    engine = RapidOcrEngine()

    read = engine.read_page(bad_photo(page, tilt=4))

    texts = [line.text for line in read.lines]
    assert "DOLIPRANE 1000 mg, comprimé" in texts
    assert "AMOXICILLINE 1 g gélule" in texts
    assert [step.name for step in read.steps] == ["page", "light", "denoise", "curl", "tilt"]
    assert all(step.milliseconds >= 0 for step in read.steps)


def test_a_line_is_read_again_from_its_crop(page):
    engine = RapidOcrEngine()
    read = engine.read_page(bad_photo(page))
    line = next(line for line in read.lines if line.text.startswith("DOLIPRANE"))

    crop = line_crop(read.picture, line.corners, 2.0)
    again = engine.reread(read, line)

    assert crop.size[0] > crop.size[1] * 5  # the line, level, not the page
    assert again and all(reading.reread for reading in again)
    assert "DOLIPRANE 1000 mg" in again[0].text


def test_lines_read_again_together_each_get_their_own_readings_in_their_order(page):
    engine = RapidOcrEngine()
    read = engine.read_page(bad_photo(page))
    starts = ("AMOXICILLINE", "DOLIPRANE")
    lines = [next(line for line in read.lines if line.text.startswith(start)) for start in starts]

    readings = engine.reread_lines(read, lines)

    assert len(readings) == 2
    for start, again in zip(starts, readings, strict=True):
        # From the page's picture and from its second one, each of this line.
        assert len(again) == 2 and all(reading.reread and start in reading.text for reading in again)


def test_a_noisy_page_is_also_smoothed_before_its_light_is_evened(page):
    photo = prepared(bad_photo(page))
    scan = prepared(Image.fromarray(page))

    assert photo.second is not None and photo.second.size == photo.image.size
    first, second = (np.asarray(picture.convert("L")) < 128 for picture in (photo.image, photo.second))
    # The same print in the same places, smoothed another way.
    assert (first & second).sum() >= 0.7 * max(first.sum(), second.sum())
    assert (first != second).any()
    # A clean page is smoothed no way: it has no second picture to read.
    assert scan.second is None


@pytest.mark.parametrize("degrees", [0, 90, 180])
def test_a_doubtful_line_is_read_again_from_the_second_picture_turned_as_the_first(page, degrees):
    engine = RapidOcrEngine()
    read = engine.read_page(bad_photo(page).rotate(degrees, expand=True))
    line = next(line for line in read.lines if line.text.startswith("DOLIPRANE"))
    # The line's crop on the page's own picture shows nothing: what is read comes from the second picture.
    blank = replace(read, picture=Image.new("RGB", read.picture.size, "white"))

    again = engine.reread(blank, line)

    assert read.second_picture.size == read.picture.size
    assert len(again) == 1 and "DOLIPRANE 1000 mg" in again[0].text
    assert engine.reread(replace(blank, second_picture=None), line) == []


def test_a_line_of_a_pdf_text_layer_has_no_crop():
    assert line_crop(None, None) is None
    assert RapidOcrEngine().reread(PageText(lines=[]), Line("DOLIPRANE 1000 mg")) == []


def test_a_photo_sent_as_png_is_prepared_the_same(page):
    buffer = io.BytesIO()
    bad_photo(page).save(buffer, format="PNG")
    assert prepared(Image.open(buffer)).page_found
