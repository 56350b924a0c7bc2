"""Reads the lines of a prescription: from a PDF's text layer when it has one, otherwise with OCR.

The result keeps the order a person reads in (top to bottom, left to right, whole lines), which is
what the parser relies on. Nothing is logged: the text is health data.
"""

from collections.abc import Callable

import pypdfium2 as pdfium
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from documents.ocr import get_engine
from documents.ocr.base import OcrEngine, TextBox, normalized, page_from_boxes
from documents.text import DocumentText, Line, PageText, UnreadableDocument
from documents.uploads import PDFIUM_LOCK, PILLOW_FORMATS, UploadRefused, decoded_image

MAX_PAGES = 20
# A text layer with fewer letters and digits than this is a scanner's stamp or a page number, not
# the page: the page is read from its picture instead.
MIN_TEXT_LAYER_CHARACTERS = 20
# Below this, what OCR found is specks read as letters, not a document.
MIN_DOCUMENT_CHARACTERS = 10
# Pages without a text layer are drawn at about 300 dpi, as a scanner would, but never larger than
# this many pixels (a poster-sized page would otherwise take gigabytes).
RENDER_DPI = 300
MAX_RENDER_PIXELS = 9_000_000
PDF_TEXT_ENGINE = "pdf-text"

Progress = Callable[[int, int], None]


def read_document(
    content: bytes, content_type: str, *, engine: OcrEngine | None = None, progress: Progress | None = None
) -> DocumentText:
    if content_type == "application/pdf":
        document = _read_pdf(content, engine, progress)
    elif content_type in PILLOW_FORMATS:
        document = _read_image(content, content_type, engine or get_engine(), progress)
    else:
        raise UnreadableDocument(_("Only PDF files and pictures (JPEG, PNG, WebP) can be read."))
    if _count_characters(document.lines) < MIN_DOCUMENT_CHARACTERS:
        raise UnreadableDocument(
            _("No text was found in this document. Please send a sharper picture or scan of the document.")
        )
    return document


def _read_image(content: bytes, content_type: str, engine: OcrEngine, progress: Progress | None) -> DocumentText:
    try:
        # Decoded as uploads are: bombs refused, EXIF orientation applied.
        image = decoded_image(content, PILLOW_FORMATS[content_type])
    except UploadRefused as error:
        raise UnreadableDocument(_("This picture could not be opened: it may be damaged or incomplete.")) from error
    page = engine.read_page(image)
    _report(progress, 1, 1)
    return DocumentText(pages=[page], engine=engine.name, warnings=_blank_page_warnings([page]))


def _read_pdf(content: bytes, engine: OcrEngine | None, progress: Progress | None) -> DocumentText:
    pages = []
    ocr_engine_name = None
    with PDFIUM_LOCK:
        document = _open_pdf(content)
    try:
        page_count = _checked_page_count(document)
        for index in range(page_count):
            # PDFium is held only while it works: OCR of one page takes seconds and needs no PDFium.
            with PDFIUM_LOCK:
                page, picture = _text_layer_or_picture(document, index)
            if picture is not None:
                engine = engine or get_engine()
                ocr_engine_name = engine.name
                page = engine.read_page(picture)
            pages.append(page)
            _report(progress, index + 1, page_count)
    finally:
        with PDFIUM_LOCK:
            document.close()
    return DocumentText(pages=pages, engine=ocr_engine_name or PDF_TEXT_ENGINE, warnings=_blank_page_warnings(pages))


def _open_pdf(content: bytes) -> pdfium.PdfDocument:
    """Call with PDFIUM_LOCK held."""
    try:
        return pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:
        raise UnreadableDocument(
            _("This PDF could not be opened: it may be damaged, incomplete or protected by a password.")
        ) from error


def _checked_page_count(document: pdfium.PdfDocument) -> int:
    with PDFIUM_LOCK:
        page_count = len(document)
    if page_count > MAX_PAGES:
        raise UnreadableDocument(
            format_lazy(
                _(
                    "This document has too many pages to be read ({count}; at most {limit}). "
                    "Please send only the pages of the prescription."
                ),
                count=page_count,
                limit=MAX_PAGES,
            )
        )
    return page_count


def _text_layer_or_picture(document: pdfium.PdfDocument, index: int) -> tuple[PageText | None, Image.Image | None]:
    """Call with PDFIUM_LOCK held. The page's text when its text layer holds it, else its picture."""
    try:
        page = document[index]
        try:
            text_page = page.get_textpage()
            try:
                if _count_characters_in(text_page.get_text_range()) >= MIN_TEXT_LAYER_CHARACTERS:
                    return _text_layer_lines(text_page, page.get_height()), None
            finally:
                text_page.close()
            return None, _rendered(page)
        finally:
            page.close()
    except pdfium.PdfiumError as error:
        raise UnreadableDocument(
            format_lazy(_("Page {number} of this PDF could not be read: it may be damaged."), number=index + 1)
        ) from error


def _text_layer_lines(text_page: pdfium.PdfTextPage, page_height: float) -> PageText:
    """PDFium's text runs, laid out as on the page: the stream's own order follows how the software
    drew the page (a header's right column after its left one, say), not how a person reads it."""
    boxes = []
    for index in range(text_page.count_rects()):
        left, bottom, right, top = text_page.get_rect(index)
        text = text_page.get_text_bounded(left, bottom, right, top)
        # PDF y grows upwards; the layout expects it downwards, as in a picture.
        corners = (
            (left, page_height - top),
            (right, page_height - top),
            (right, page_height - bottom),
            (left, page_height - bottom),
        )
        boxes.append(TextBox(text=text, confidence=1.0, corners=corners))
    return page_from_boxes(boxes)


def _rendered(page: pdfium.PdfPage) -> Image.Image:
    width, height = page.get_size()
    scale = min(RENDER_DPI / 72, (MAX_RENDER_PIXELS / max(width * height, 1)) ** 0.5)
    # A copy: the bitmap's memory belongs to PDFium, which frees it on its own schedule.
    return page.render(scale=scale).to_pil().convert("RGB")


def _blank_page_warnings(pages: list[PageText]) -> list[str]:
    return [
        gettext("Page %(number)s has no text.") % {"number": number}
        for number, page in enumerate(pages, start=1)
        if not page.lines
    ]


def _count_characters(lines: list[Line]) -> int:
    return sum(_count_characters_in(line.text) for line in lines)


def _count_characters_in(text: str) -> int:
    return sum(character.isalnum() for character in normalized(text))


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
