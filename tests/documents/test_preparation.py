"""Making a phone photo of a page ready for OCR: the sheet found and warped flat, the light evened out, a
tilt straightened; and a doubtful line read again from its crop. Pages are drawn here, then photographed
badly with OpenCV: a dim table, the sheet in perspective, the phone's shadow across half of it."""

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image

from documents.ocr.base import line_crop
from documents.ocr.local import RapidOcrEngine
from documents.ocr.preparation import prepared
from documents.text import Line

LINES = [
    "Dr Claire MARTIN - Médecine générale",
    "Le 12/03/2026",
    "DOLIPRANE 1000 mg, comprimé",
    "1 comprimé matin, midi et soir pendant 5 jours",
    "AMOXICILLINE 1 g gélule",
    "1 gélule matin et soir pendant 7 jours",
]
# Where the sheet's corners land on the photo (top left, top right, bottom right, bottom left), as shares.
SHEET = np.float64([[0.22, 0.12], [0.80, 0.16], [0.86, 0.90], [0.14, 0.86]])


def page_picture() -> np.ndarray:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=14)
    for line in LINES:
        pdf.cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")
    document = pdfium.PdfDocument(bytes(pdf.output()))
    picture = np.array(document[0].render(scale=110 / 72).to_pil().convert("L"))
    document.close()
    return picture


def bad_photo(page: np.ndarray, *, shadow: bool = True, tilt: float = 0.0) -> Image.Image:
    """The page on a dark green table, in perspective, dim and noisy, the lower half in shadow."""
    height, width = page.shape
    canvas_w, canvas_h = 1100, 1300
    target = np.float32(SHEET * (canvas_w, canvas_h))
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [width, 0], [width, height], [0, height]]), target)
    sheet = cv2.warpPerspective(page.astype(np.float32), warp, (canvas_w, canvas_h), borderValue=-1)
    table = np.float32([40, 70, 45])
    photo = np.where(sheet[..., None] < 0, table, np.repeat(sheet[..., None], 3, axis=2) * 0.55)
    if shadow:
        photo[canvas_h // 2 :] *= 0.45
    rng = np.random.default_rng(7)
    photo = np.clip(photo + rng.normal(0, 3, photo.shape), 0, 255).astype(np.uint8)
    if tilt:
        matrix = cv2.getRotationMatrix2D((canvas_w / 2, canvas_h / 2), -tilt, 1.0)
        photo = cv2.warpAffine(photo, matrix, (canvas_w, canvas_h), borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(photo)


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


def test_the_paper_is_white_in_the_shadow_as_in_the_light(page):
    gray = np.asarray(prepared(bad_photo(page)).image.convert("L"))
    height = gray.shape[0]
    lit, shaded = gray[height // 10 : height // 3], gray[2 * height // 3 : 9 * height // 10]
    # In the photo the shaded paper is at under half the brightness of the lit paper; both are white now.
    assert np.median(lit) == 255
    assert np.median(shaded) == 255


def test_a_tilted_photo_of_a_page_filling_the_picture_is_straightened(page):
    picture = np.full((page.shape[0] + 200, page.shape[1] + 200), 255, np.uint8)
    picture[100:-100, 100:-100] = page
    matrix = cv2.getRotationMatrix2D((picture.shape[1] / 2, picture.shape[0] / 2), -3.0, 1.0)
    tilted = cv2.warpAffine(picture, matrix, picture.shape[::-1], borderValue=255)

    steps = {step.name: step.values for step in prepared(Image.fromarray(tilted)).steps}

    assert steps["page"]["corners"] is None  # nothing to warp: the page fills the picture
    assert steps["tilt"]["degrees"] == pytest.approx(-3.0, abs=0.5)


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
    assert [step.name for step in read.steps] == ["page", "denoise", "light", "tilt"]
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


def test_a_line_of_a_pdf_text_layer_has_no_crop():
    assert line_crop(None, None) is None
    assert RapidOcrEngine().reread(type("Page", (), {"picture": None})(), Line("DOLIPRANE 1000 mg")) == []


def test_a_photo_sent_as_png_is_prepared_the_same(page):
    buffer = io.BytesIO()
    bad_photo(page).save(buffer, format="PNG")
    assert prepared(Image.open(buffer)).page_found
