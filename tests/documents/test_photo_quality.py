"""The photo checks on pictures made here: a page printed by fpdf2, drawn by pdfium, photographed on a table,
then spoiled. What keeps a page from being read is told; what the reader still reads is not."""

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from django.utils import translation
from PIL import Image

from demo.records import report_pdf
from documents import photo_quality
from documents.text import UnreadableDocument
from tests.files import TEST_DATA

LINES = [
    "Docteur Claire Martin, médecine générale",
    "Paris, le 2 mars 2026",
    "Madame Alice Dupont",
    "DOLIPRANE 1000 mg, comprimé : 1 comprimé matin et soir pendant 5 jours",
    "AMOXICILLINE 1 g, gélule : 1 gélule 3 fois par jour pendant 7 jours",
    "SPASFON 80 mg, comprimé : 2 comprimés si douleur",
]


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A page on a wooden-coloured table, lit unevenly, with the camera's noise: 1600 px long, BGR."""
    document = pdfium.PdfDocument(report_pdf("Ordonnance", LINES))
    page = np.array(document[0].render(scale=200 / 72).to_pil().convert("RGB"))[:, :, ::-1].astype(np.float32)
    document.close()
    height, width = page.shape[:2]
    margin_y, margin_x = height // 10, width // 10
    picture = np.empty((height + 2 * margin_y, width + 2 * margin_x, 3), np.float32)
    picture[:] = (70, 100, 140)
    picture[margin_y : margin_y + height, margin_x : margin_x + width] = page * (0.92, 0.97, 1.0)
    xs = np.linspace(0, 1, picture.shape[1], dtype=np.float32)
    picture *= (1.0 - 0.25 * (xs - 0.3) ** 2)[None, :, None]
    picture += np.random.default_rng(1).normal(0, 5, picture.shape)
    scale = 1600 / max(picture.shape[:2])
    picture = cv2.resize(np.clip(picture, 0, 255), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return picture.astype(np.uint8)


def image(picture: np.ndarray) -> Image.Image:
    return Image.fromarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))


def darker(picture: np.ndarray, factor: float, noise: float = 3) -> np.ndarray:
    spoiled = picture.astype(np.float32) * factor + np.random.default_rng(2).normal(0, noise, picture.shape)
    return np.clip(spoiled, 0, 255).astype(np.uint8)


def codes(picture) -> list[str]:
    return [problem.code for problem in photo_quality.assess(picture)]


def jpeg(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_good_photo_of_a_page_has_no_problem(photo):
    assert codes(image(photo)) == []


@pytest.mark.parametrize(
    "spoiled",
    [
        pytest.param(lambda photo: darker(photo, 0.45, noise=8), id="dim and noisy"),
        pytest.param(lambda photo: cv2.GaussianBlur(photo, (0, 0), 1.4), id="slightly soft"),
        pytest.param(lambda photo: np.rot90(photo).copy(), id="a quarter turn"),
    ],
)
def test_a_poor_photo_the_reader_still_reads_is_not_sent_back(photo, spoiled):
    assert codes(image(spoiled(photo))) == []


def test_a_page_half_in_shadow_is_not_sent_back(photo):
    shade = np.where(np.arange(photo.shape[1]) < photo.shape[1] // 2, 0.5, 1.0).astype(np.float32)
    assert codes(image((photo * shade[None, :, None]).astype(np.uint8))) == []


def test_a_photo_taken_in_the_dark_is_too_dark(photo):
    assert codes(image(darker(photo, 0.15))) == ["dark"]


def test_a_photo_out_of_focus_is_blurred(photo):
    assert codes(image(cv2.GaussianBlur(photo, (0, 0), 6))) == ["blurred"]


def test_a_blur_measure_does_not_depend_on_the_light(photo):
    sharp = photo_quality.sharpness(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY))
    dim = photo_quality.sharpness(cv2.cvtColor(darker(photo, 0.45, noise=0), cv2.COLOR_BGR2GRAY))
    assert dim == pytest.approx(sharp, rel=0.15)


@pytest.mark.parametrize("name", ["biden_1.jpg", "obama_1.jpg"])
def test_a_photo_of_a_person_has_no_page(name):
    assert codes(Image.open(TEST_DATA / "faces" / name)) == ["no_page"]


def test_a_bare_table_has_no_page():
    ys, xs = np.mgrid[0:900, 0:1200].astype(np.float32)
    grain = 20 * np.sin(xs / 9 + 4 * np.sin(ys / 120))
    noise = np.random.default_rng(3).normal(0, 6, (900, 1200, 3))
    table = np.clip(np.array([90, 120, 160], np.float32) + grain[..., None] + noise, 0, 255).astype(np.uint8)
    assert codes(image(table)) == ["no_page"]


def test_the_messages_tell_what_to_do_in_the_persons_language(photo):
    [problem] = photo_quality.assess(image(darker(photo, 0.15)))
    with translation.override("en"):
        assert (
            str(problem.message) == "The photo is too dark: turn on a light or move near a window, then take it again."
        )
    with translation.override("fr"):
        assert str(problem.message) == (
            "La photo est trop sombre : allumez une lumière ou approchez-vous d’une fenêtre, puis reprenez-la."
        )


def test_the_problems_are_found_again_among_stored_warnings():
    stored = ["Page 2 has no text.", str(photo_quality.PROBLEMS["blurred"].message)]
    assert [problem.code for problem in photo_quality.problems_in(stored)] == ["blurred"]
    assert photo_quality.problems_in(None) == []


def test_a_dark_photo_that_is_still_read_warns_first(photo):
    document = photo_quality.read_document_checked(jpeg(image(darker(photo, 0.2))), "image/jpeg")
    assert "DOLIPRANE" in " ".join(line.text for line in document.lines)
    assert document.warnings[0] == str(photo_quality.PROBLEMS["dark"].message)


def test_a_photo_without_text_says_what_to_do_about_it():
    content = (TEST_DATA / "faces" / "biden_1.jpg").read_bytes()
    with translation.override("en"), pytest.raises(UnreadableDocument) as unreadable:
        photo_quality.read_document_checked(content, "image/jpeg")
    message = str(unreadable.value)
    assert message.startswith("No text was found in this document.")
    assert message.endswith(
        "No page was found in the photo: lay the whole page flat in the picture, then take it again."
    )
    assert len(message) <= 300  # what a reading keeps of its error


def test_a_pdf_is_never_checked_as_a_photo():
    assert photo_quality.assess_upload(report_pdf("Ordonnance", LINES), "application/pdf") == []
