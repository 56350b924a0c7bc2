"""E-prescriptions made in the tests: a prescription PDF as practice software prints it (a text layer, and the
QR code of its identifier in a corner), and a phone photo of it (tilted, in perspective, dim, noisy, JPEG)."""

import io

import cv2
import numpy
import pypdfium2 as pdfium
import segno
from fpdf import FPDF
from PIL import Image

IDENTIFIER = "2A7F3K9Q1B4D6E8H0J2M"
LINES = [
    "Dr Anaïs RICHARD",
    "Pédiatrie",
    "RPPS 10017468140",
    "Strasbourg, le 01/09/2026",
    "M. Jules Moreau",
    "ORDONNANCE",
    "1) DOLIPRANE 1000 mg, comprimé : 1 comprimé matin, midi et soir pendant 5 jours",
    "2) Desloratadine 5 mg comprimé : 1 comprimé le soir pendant 10 jours",
]


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def prescription_pdf(qr_text: str | None = IDENTIFIER, *, qr_size_mm: float = 18, pages: int = 1) -> bytes:
    """The prescription, with a QR code holding `qr_text` in the top right corner of its last page."""
    pdf = FPDF(format="A4")
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in LINES:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        if qr_text is not None and number == pages:
            pdf.image(io.BytesIO(qr_png(qr_text)), x=210 - 12 - qr_size_mm, y=12, w=qr_size_mm, h=qr_size_mm)
    return bytes(pdf.output())


def page_picture(pdf: bytes, *, dpi: int = 200) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def phone_photo(pdf: bytes, *, light: tuple[float, float] = (0.15, 0.06)) -> bytes:
    """The first page as a phone photographs it on a table in a dim room: turned 5°, in perspective, lit from
    the left (`light`: the share of the light on the left and right sides), noisy, saved as a JPEG."""
    page = numpy.asarray(page_picture(pdf, dpi=150))
    height, width = page.shape[:2]
    table = (90, 80, 70)
    turned = cv2.warpAffine(
        page,
        cv2.getRotationMatrix2D((width / 2, height / 2), 5, 1.0),
        (width, height),
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=table,
    )
    corners = numpy.float32([[0, 0], [width, 0], [width, height], [0, height]])
    seen = numpy.float32(
        [[width * 0.08, height * 0.05], [width * 0.95, 0], [width, height], [width * 0.02, height * 0.97]]
    )
    warped = cv2.warpPerspective(
        turned,
        cv2.getPerspectiveTransform(corners, seen),
        (width, height),
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=table,
    ).astype(numpy.float32)
    lit = numpy.linspace(*light, width, dtype=numpy.float32)[numpy.newaxis, :, numpy.newaxis]
    noise = numpy.random.default_rng(24).normal(0, 3, warped.shape).astype(numpy.float32)
    photo = numpy.clip(warped * lit + noise, 0, 255).astype(numpy.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()
