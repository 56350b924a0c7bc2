"""The identifier of an e-prescription (ordonnance numérique), read from its QR code.

French prescriptions made by practice software carry a QR code holding the prescription's unique identifier,
which pharmacies scan. It is found here on a picture, or on each page of a PDF, so that the same prescription
sent twice can be recognised. Only QR codes are read: the prescriber's barcodes (RPPS, FINESS) are other
symbologies, and a medicine box's Data Matrix is not the prescription's.

A QR code that holds anything but an identifier (a web address, a Heart-Code link, a phone number, a
sentence) is not taken: a web address is never read as an identifier, even one that seems to carry one,
so that no site's link can be mistaken for a prescription.

Nothing is logged: the identifier is health data.
"""

import re

import cv2
import numpy
import pypdfium2 as pdfium
import zxingcpp

from documents.reading import MAX_PAGES, MAX_RENDER_PIXELS
from documents.uploads import PDFIUM_LOCK, PILLOW_FORMATS, UploadRefused, decoded_image

# Letters and digits, with "-", "_" and "." inside, 8 to 64 characters (what treatments stores); at least one
# digit (a word is not an identifier).
MAX_LENGTH = 64
IDENTIFIER = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{6,{MAX_LENGTH - 2}}}[A-Za-z0-9]", re.ASCII)
# "pharmacie-martin.fr", "www.example.com": a host name, whatever its letters, is a website.
HOST_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,6}", re.ASCII)
# A page is drawn at this resolution: a QR code of 15 mm in a corner still has 3 pixels or more per module.
RENDER_DPI = 200
# Photos are looked at with at most this many pixels on their long side (a 12-megapixel photo of a whole
# page keeps a corner QR code readable), then twice that for a small code.
MAX_SIDE_PX = 2400
UPSCALE = 2


def identifier_in(content: bytes, content_type: str) -> str | None:
    """The e-prescription identifier of the first QR code that holds one, or None (no code, another kind
    of code, a file that cannot be opened)."""
    if content_type == "application/pdf":
        return _identifier_in_pdf(content)
    if content_type in PILLOW_FORMATS:
        try:
            image = decoded_image(content, PILLOW_FORMATS[content_type])
        except UploadRefused:
            return None
        # Grey first, and reduced in two steps: a third of the work of resampling a 12-megapixel colour photo.
        grey = image.convert("L")
        grey.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), reducing_gap=2.0)
        return _identifier_in_picture(numpy.asarray(grey))
    return None


def as_identifier(text: str) -> str | None:
    """`text` when a QR code holding it is an e-prescription identifier, else None."""
    text = text.strip()
    if not IDENTIFIER.fullmatch(text) or not any(character.isdigit() for character in text):
        return None
    if HOST_NAME.fullmatch(text):
        return None
    return text


def _identifier_in_pdf(content: bytes) -> str | None:
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(content)
        except pdfium.PdfiumError:
            return None
    try:
        with PDFIUM_LOCK:
            page_count = min(len(document), MAX_PAGES)
        for index in range(page_count):
            with PDFIUM_LOCK:
                picture = _rendered(document, index)
            identifier = _identifier_in_picture(picture) if picture is not None else None
            if identifier:
                return identifier
        return None
    finally:
        with PDFIUM_LOCK:
            document.close()


def _rendered(document: pdfium.PdfDocument, index: int) -> numpy.ndarray | None:
    """Call with PDFIUM_LOCK held. The page in grey, or None when PDFium cannot draw it."""
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, (MAX_RENDER_PIXELS / max(width * height, 1)) ** 0.5)
            # A copy: the bitmap's memory belongs to PDFium.
            return numpy.array(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None


def _identifier_in_picture(grey: numpy.ndarray) -> str | None:
    """Tries the picture as it is, then with its contrast stretched (a dim photo), then twice as large (a small
    code whose modules are a pixel or two wide). Stops at the first identifier. Contrast evened out
    tile by tile (CLAHE) was tried and read fewer codes: it strengthens a photo's noise as much as the code."""
    for attempt in (_as_is, _stretched, _larger):
        identifier = _first_identifier(attempt(grey))
        if identifier:
            return identifier
    return None


def _as_is(grey: numpy.ndarray) -> numpy.ndarray:
    return grey


def _stretched(grey: numpy.ndarray) -> numpy.ndarray:
    """Smoothed a little (the sensor's noise and JPEG's blocks), then its greys spread from black to white: a
    dim photo's few greys become many, which the decoder's local thresholds tell apart. The whole range is
    kept (a percentile cut made the dark corner of an unevenly lit page, where the code often is, all black)."""
    smoothed = cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.normalize(smoothed, None, 0, 255, cv2.NORM_MINMAX)


def _larger(grey: numpy.ndarray) -> numpy.ndarray:
    # Not smoothed: a small code's modules are only a pixel or two wide, and smoothing blurs them together.
    return cv2.resize(grey, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)


def _first_identifier(grey: numpy.ndarray) -> str | None:
    barcodes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    for barcode in barcodes:
        identifier = as_identifier(barcode.text)
        if identifier:
            return identifier
    return None
