"""Real files made in the tests: small, valid images and PDFs."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from demo.records import report_pdf

# Files kept with the tests (each folder's README says where they come from and under which licence).
TEST_DATA = Path(__file__).parent / "data"


def jpeg_bytes(size=(64, 48), color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bytes(size=(32, 32), color=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    return report_pdf("Compte rendu", ["Ligne de texte"] * (45 * (pages - 1) + 1))


def as_stored(content: bytes) -> bytes:
    """What intake keeps of a PDF: written again from its parsed objects, without active content."""
    from documents.uploads import content_limits, neutralised_pdf

    return neutralised_pdf(content, content_limits())


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
