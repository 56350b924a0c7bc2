"""What reading a prescription produces, shared by the readers (PDF text layer, OCR engines) and the
parser: lines of text in reading order, each with how sure the reader is of it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    text: str
    # 1.0 for a PDF's text layer; the OCR engine's own score otherwise.
    confidence: float = 1.0


@dataclass(frozen=True)
class PageText:
    lines: list[Line]
    # How far the page was turned (0, 90, 180 or 270 degrees clockwise) to be read upright.
    rotation: int = 0


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
