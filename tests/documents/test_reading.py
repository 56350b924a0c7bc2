import io
import random

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFilter

from documents.reading import read_document
from documents.text import UnreadableDocument
from tests.files import TEST_DATA

PRESCRIPTIONS = TEST_DATA / "prescriptions"


def prescription_bytes(name: str) -> bytes:
    return (PRESCRIPTIONS / name).read_bytes()


def pdf_of_pages(source: bytes, page_indexes: list[int]) -> bytes:
    source_document = pdfium.PdfDocument(source)
    document = pdfium.PdfDocument.new()
    document.import_pages(source_document, page_indexes)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=90)
    return output.getvalue()


def position(texts: list[str], fragment: str) -> int:
    return next(index for index, text in enumerate(texts) if fragment in text)


def test_a_pdf_is_read_from_its_text_layer_in_reading_order():
    document = read_document(prescription_bytes("rx-0001.pdf"), "application/pdf")

    texts = [line.text for line in document.lines]
    assert document.engine == "pdf-text"
    # The date is drawn after the doctor's whole address block, but it sits at the top of the page.
    assert texts[:2] == ["Dr Anaïs RICHARD", "Strasbourg, le 01/09/2026"]
    assert texts[position(texts, "METOCLOPRAMIDE")] == (
        "2) METOCLOPRAMIDE SANDOZ 10 mg, comprimé sécable : 1 comprimé le matin"
    )
    assert texts[position(texts, "METOCLOPRAMIDE") + 1] == "pendant 1 mois"
    assert all(line.confidence == 1.0 for line in document.lines)


def test_a_pdf_keeps_a_medication_and_its_dosage_on_consecutive_lines():
    texts = [line.text for line in read_document(prescription_bytes("rx-0007.pdf"), "application/pdf").lines]

    medication = position(texts, "Clopidogrel Taw Pharma 75 mg comprimé")
    assert texts[medication + 1] == "2 comprimés 2 fois par jour pendant 6 jours"


def test_a_pdf_without_a_text_layer_is_read_with_ocr():
    scan = Image.open(io.BytesIO(prescription_bytes("rx-0001.jpg")))
    output = io.BytesIO()
    scan.save(output, format="PDF", resolution=200)

    document = read_document(output.getvalue(), "application/pdf")

    texts = [line.text for line in document.lines]
    assert document.engine == "rapidocr"
    assert position(texts, "Prégabaline 50 mg gélule") < position(texts, "METOCLOPRAMIDE SANDOZ 10 mg")


def test_a_photo_turned_a_quarter_is_read_upright():
    # In the set, this photo lies turned a quarter clockwise.
    document = read_document(prescription_bytes("rx-0004-photo.jpeg"), "image/jpeg")

    texts = [line.text for line in document.lines]
    assert document.pages[0].rotation == 270
    assert texts[0].startswith("Dr Manon MERCIER")
    assert position(texts, "Tartrate de zolpidem 10 mg comprimé") + 1 == position(texts, "2 comprimés matin, midi")


def test_a_photo_turned_a_half_turn_is_read_upright():
    photo = Image.open(io.BytesIO(prescription_bytes("rx-0001-photo.jpeg"))).rotate(180)

    document = read_document(jpeg(photo), "image/jpeg")

    texts = [line.text for line in document.lines]
    assert document.pages[0].rotation == 180
    assert texts[0].startswith("Dr Anaïs RICHARD")
    assert position(texts, "Prégabaline 50 mg gélule") < position(texts, "Desloratadine 5 mg comprimé")


def test_a_picture_without_text_is_unreadable():
    randomness = random.Random(7)
    picture = Image.new("RGB", (1200, 900), (120, 100, 80))
    draw = ImageDraw.Draw(picture)
    for _ in range(60):
        x, y = randomness.randrange(1200), randomness.randrange(900)
        size = randomness.randrange(20, 200)
        colour = tuple(randomness.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + size, y + size * 0.7), fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(3))

    with pytest.raises(UnreadableDocument):
        read_document(jpeg(picture), "image/jpeg")


def test_a_pdf_of_blank_pages_is_unreadable():
    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    output = io.BytesIO()
    document.save(output)

    with pytest.raises(UnreadableDocument):
        read_document(output.getvalue(), "application/pdf")


def test_a_blank_page_among_others_is_kept_with_a_warning():
    document = pdfium.PdfDocument(prescription_bytes("rx-0001.pdf"))
    document.new_page(595, 842)
    output = io.BytesIO()
    document.save(output)

    read = read_document(output.getvalue(), "application/pdf")

    assert [len(page.lines) > 0 for page in read.pages] == [True, False]
    assert len(read.warnings) == 1
    assert "2" in read.warnings[0]


def test_a_pdf_with_too_many_pages_is_unreadable():
    too_long = pdf_of_pages(prescription_bytes("rx-0001.pdf"), [0] * 25)

    with pytest.raises(UnreadableDocument, match="25"):
        read_document(too_long, "application/pdf")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"%PDF-1.7\nthis is not a PDF after all", "application/pdf"),
        (b"\xff\xd8\xff\xe0 this is not a JPEG after all", "image/jpeg"),
        (b"GIF89a", "image/gif"),
    ],
)
def test_damaged_or_unsupported_files_are_unreadable(content, content_type):
    with pytest.raises(UnreadableDocument):
        read_document(content, content_type)


def test_progress_is_reported_after_each_page():
    calls = []

    document = read_document(
        pdf_of_pages(prescription_bytes("rx-0001.pdf"), [0, 0, 0]),
        "application/pdf",
        progress=lambda done, total: calls.append((done, total)),
    )

    assert len(document.pages) == 3
    assert calls == [(1, 3), (2, 3), (3, 3)]
