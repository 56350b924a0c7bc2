"""What reading a prescription produces, shared by the readers (PDF text layer, OCR engines) and the
parser: lines of text in reading order, each with how sure the reader is of it."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    text: str
    # 1.0 for a PDF's text layer; the OCR engine's own score otherwise.
    confidence: float = 1.0
    # Where an OCR engine read the line on its page's picture (PageText.picture): the corners as the
    # text is read (start and end of the top edge, end and start of the bottom edge), in pixels.
    corners: tuple | None = field(default=None, compare=False)
    # Read a second time, from a larger crop, because the first reading was doubtful.
    reread: bool = field(default=False, compare=False)
    # The corners of each of the boxes the line was joined from, in reading order: on a curled photo a long line
    # bends, and the box around it all takes in its neighbours' print where each of its boxes does not.
    parts: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class PageText:
    lines: list[Line]
    # How far the page was turned (0, 90, 180 or 270 degrees clockwise) to be read upright.
    rotation: int = 0
    # How a picture was made ready for OCR (documents.ocr.preparation.Step), for the debug view.
    steps: list = field(default_factory=list)
    # False when a photo showed no sheet of paper.
    page_found: bool = True
    # The picture the OCR engine read, which the lines' corners refer to; None for a PDF's text layer.
    picture: Any = field(default=None, compare=False, repr=False)
    # The same page smoothed another way, turned as `picture` is (documents.ocr.preparation: PreparedPage.second), or
    # None: a doubtful line is read again from both.
    second_picture: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DocumentText:
    pages: list[PageText]
    engine: str  # "pdf-text", "rapidocr", "textract", ...
    warnings: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]


class UnreadableDocument(Exception):
    """The document cannot be read: the message says why, for the person who sent it."""
