"""AWS Textract's synchronous text detection, one page picture per call."""

import io

import boto3
from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image

from documents.ocr.base import OcrEngine, TextBox, page_from_boxes
from documents.text import PageText, UnreadableDocument

# Textract's limits for a synchronous call: 10 MB and 10,000 px a side. 4000 px is already more than a
# 300 dpi A4 page, so the size limit is what the JPEG quality steps down for.
MAX_SIDE = 4000
MAX_BYTES = 10 * 1024 * 1024
JPEG_QUALITIES = (90, 75, 60, 45)
# The errors that mean the picture itself cannot be read; throttling and outages are left to retries.
REFUSED_DOCUMENT_ERRORS = {"BadDocumentException", "UnsupportedDocumentException", "DocumentTooLargeException"}


class TextractEngine(OcrEngine):
    name = "textract"

    def __init__(self, client=None):
        self.client = client or boto3.client(
            "textract", region_name=getattr(settings, "AWS_TEXTRACT_REGION", "eu-west-3")
        )

    def read_page(self, image: Image.Image) -> PageText:
        image = _reduced(image.convert("RGB"))
        try:
            response = self.client.detect_document_text(Document={"Bytes": _encoded(image)})
        except ClientError as error:
            if error.response["Error"]["Code"] in REFUSED_DOCUMENT_ERRORS:
                raise UnreadableDocument(_("This picture could not be read. Please take it again.")) from error
            raise
        width, height = image.size
        return page_from_boxes(
            [_text_box(block, width, height) for block in response["Blocks"] if block["BlockType"] == "LINE"]
        )


def _text_box(block: dict, width: int, height: int) -> TextBox:
    # Textract gives the polygon as a fraction of the picture, starting where the text starts, so a
    # turned page shows in it; pixels keep the angles true on a picture that is not square.
    corners = tuple((point["X"] * width, point["Y"] * height) for point in block["Geometry"]["Polygon"][:4])
    return TextBox(text=block["Text"], confidence=block["Confidence"] / 100, corners=corners)


def _reduced(image: Image.Image) -> Image.Image:
    if max(image.size) <= MAX_SIDE:
        return image
    reduced = image.copy()
    reduced.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return reduced


def _encoded(image: Image.Image) -> bytes:
    for quality in JPEG_QUALITIES:
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=quality)
        if output.tell() <= MAX_BYTES:
            return output.getvalue()
    raise UnreadableDocument(_("This picture is too detailed to be read. Please send a smaller one."))
