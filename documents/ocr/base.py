"""What an OCR engine does, and how the boxes it finds become lines a person would read."""

import math
import statistics
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image

from documents.text import Line, PageText

if TYPE_CHECKING:
    from documents.ocr.likelihood import LineLikelihood

Point = tuple[float, float]


class OcrEngine(ABC):
    name: str

    @abstractmethod
    def read_page(self, image: Image.Image) -> PageText:
        """The page's lines in reading order, however the picture was turned, and how far it was turned."""

    def read(self, image: Image.Image) -> list[Line]:
        return self.read_page(image).lines

    def reread(self, page: PageText, line: Line) -> list[Line]:
        """Other readings of a doubtful line of the page, best first; none when the engine cannot."""
        return []

    def reread_lines(self, page: PageText, lines: list[Line]) -> list[list[Line]]:
        """`reread` of each of the lines, in their order (an engine may read them side by side)."""
        return [self.reread(page, line) for line in lines]

    def line_likelihood(self, page: PageText, line: Line) -> "LineLikelihood | None":
        """How likely each character is along a line of the page, as the engine's recogniser saw it; None when
        the engine cannot tell (it gives readings only)."""
        return None

    def line_likelihoods(self, page: PageText, line: Line) -> "Iterator[LineLikelihood]":
        """The line's likelihood on each picture the page has (see `reread`), the page's own first: each made only
        when asked for."""
        likelihood = self.line_likelihood(page, line)
        if likelihood is not None:
            yield likelihood


@dataclass(frozen=True)
class TextBox:
    text: str
    confidence: float
    # The corners as the text is read: start of the top edge, end of the top edge, end of the bottom
    # edge, start of the bottom edge. On a page turned a quarter, the top edge runs down the picture.
    corners: tuple[Point, Point, Point, Point]

    def turned(self, degrees: float) -> "TextBox":
        """The same box turned clockwise about the origin, in a frame where y grows downwards."""
        cosine, sine = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        corners = tuple((x * cosine - y * sine, x * sine + y * cosine) for x, y in self.corners)
        return TextBox(self.text, self.confidence, corners)


def line_crop(
    picture: Image.Image | None, corners: tuple | None, scale: float = 1.0, margin: float = 0.5
) -> Image.Image | None:
    """The line at `corners` on the picture, cut out level and upright with a margin of `margin` times its height
    (half by default), `scale` times larger; None when the line has no place on a picture (a PDF's text layer)."""
    if picture is None or corners is None:
        return None
    start, end, _, start_bottom = (np.array(point, dtype=np.float64) for point in corners)
    along, down = end - start, start_bottom - start
    length, height = float(np.linalg.norm(along)), float(np.linalg.norm(down))
    if length < 2 or height < 2:
        return None
    along, down = along / length, down / height
    margin = height * margin
    top_left = start - along * margin - down * margin
    source = np.float32(
        [
            top_left,
            top_left + along * (length + 2 * margin),
            top_left + along * (length + 2 * margin) + down * (height + 2 * margin),
        ]
    )
    width, tall = round((length + 2 * margin) * scale), round((height + 2 * margin) * scale)
    target = np.float32([[0, 0], [width, 0], [width, tall]])
    crop = cv2.warpAffine(
        np.asarray(picture.convert("RGB")),
        cv2.getAffineTransform(source, target),
        (width, tall),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return Image.fromarray(crop)


def normalized(text: str) -> str:
    """Full-width forms, ligatures (ﬁ) and runs of spaces are folded so that the parser sees plain text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def page_from_boxes(boxes: list[TextBox]) -> PageText:
    """Lines in reading order: boxes on the same text line are joined left to right, lines go top to
    bottom, in the frame where the text is upright and level (photos are turned and tilted)."""
    boxes = [box for box in boxes if normalized(box.text)]
    if not boxes:
        return PageText(lines=[])
    quarter, tilt = _text_direction(boxes)
    upright = [box.turned(-(quarter + tilt)) for box in boxes]
    lines = [_joined(row, quarter + tilt) for row in _rows(upright)]
    # Text running at `quarter` degrees is made level by turning the picture back that far.
    return PageText(lines=lines, rotation=(360 - quarter) % 360)


def _angle(box: TextBox) -> float:
    (start_x, start_y), (end_x, end_y) = box.corners[0], box.corners[1]
    return math.degrees(math.atan2(end_y - start_y, end_x - start_x)) % 360


def _text_direction(boxes: list[TextBox]) -> tuple[int, float]:
    """The quarter turn most of the text runs at (by amount of text, so that a stamp or a margin note
    does not decide), and the small tilt of a scan or a photo around it."""
    weights = {0: 0, 90: 0, 180: 0, 270: 0}
    for box in boxes:
        weights[_nearest_quarter(_angle(box))] += len(box.text)
    quarter = max(weights, key=weights.get)
    tilts = [_signed(_angle(box) - quarter) for box in boxes if _nearest_quarter(_angle(box)) == quarter]
    return quarter, statistics.median(tilts)


def _nearest_quarter(angle: float) -> int:
    return round(angle / 90) % 4 * 90


def _signed(angle: float) -> float:
    return (angle + 180) % 360 - 180


def _rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes chained into text lines, left to right: a box continues a line when it starts where the line,
    followed along its own slope, would be there, within half a line's height. A line of a curled or
    unevenly tilted photo bends or slants on its own, more than the page's tilt says: followed this way,
    it stays one line, and its neighbours stay apart. Lines go top to bottom by where they start."""
    rows: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda box: _middle_of_side(box, 0)[0]):
        start_x, start_y = _middle_of_side(box, 0)
        best, best_distance = None, 0.0
        for row in rows:
            last = row[-1]
            end_x, end_y = _middle_of_side(last, 1)
            height = max(_height(box), _height(last))
            if start_x < end_x - height:  # overlapping the line's last box: not its continuation
                continue
            distance = abs(start_y - (end_y + _slope(row) * (start_x - end_x)))
            if distance <= height / 2 and (best is None or distance < best_distance):
                best, best_distance = row, distance
        if best is None:
            rows.append([box])
        else:
            best.append(box)
    return sorted(rows, key=lambda row: _middle_of_side(row[0], 0)[1] - _slope(row) * _middle_of_side(row[0], 0)[0])


def _middle_of_side(box: TextBox, side: int) -> Point:
    """The middle of the box's start (side 0) or end (side 1), as the text runs."""
    top, bottom = (box.corners[0], box.corners[3]) if side == 0 else (box.corners[1], box.corners[2])
    return (top[0] + bottom[0]) / 2, (top[1] + bottom[1]) / 2


def _height(box: TextBox) -> float:
    return max(math.dist(box.corners[0], box.corners[3]), math.dist(box.corners[1], box.corners[2]), 1.0)


def _slope(row: list[TextBox]) -> float:
    """How far the line goes down for each step right, from its boxes, the longer ones counting more."""
    rise = run = 0.0
    for box in row:
        (start_x, start_y), (end_x, end_y) = _middle_of_side(box, 0), _middle_of_side(box, 1)
        rise, run = rise + end_y - start_y, run + end_x - start_x
    return rise / run if run > 0 else 0.0


def _joined(row: list[TextBox], angle: float) -> Line:
    """One line of upright boxes, and where it lies on the picture (its boxes' upright bounds, turned
    back by `angle`)."""
    row = sorted(row, key=lambda box: min(x for x, _ in box.corners))
    texts = [normalized(box.text) for box in row]
    characters = sum(len(text) for text in texts)
    confidence = sum(box.confidence * len(text) for box, text in zip(row, texts, strict=True)) / characters
    xs = [x for box in row for x, _ in box.corners]
    ys = [y for box in row for _, y in box.corners]
    bounds = TextBox("", 0, ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))))
    return Line(
        text=" ".join(texts),
        confidence=round(confidence, 4),
        corners=bounds.turned(angle).corners,
        parts=tuple(box.turned(angle).corners for box in row),
    )
