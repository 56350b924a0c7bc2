"""RapidOCR on this machine, with the detection and recognition models shipped inside its wheel
(PP-OCRv6 small, whose recognition model reads French accents). Nothing is downloaded."""

import functools
import math
import threading

import numpy as np
from PIL import Image

from documents.ocr.base import OcrEngine, TextBox, page_from_boxes
from documents.text import PageText

# Past this, a page takes longer to read without reading better: a 200 dpi A4 scan is 2340 px long and
# its smallest print is still about 20 px high at 1600.
MAX_SIDE = 1600
# The text detector works on a smaller copy still; 960 keeps the small print of a prescription.
DETECTION_SIDE = 960
# RapidOCR turns a crop this much taller than wide a quarter anticlockwise before reading it.
TALL_CROP_RATIO = 1.5
# A page read upright averages above 0.9; read upside down, the few characters found average far less.
UPRIGHT_CONFIDENCE = 0.8

# RapidOCR changes its own settings during a call, so two threads must not share it at once.
_recognizer_lock = threading.Lock()


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def read_page(self, image: Image.Image) -> PageText:
        image = _reduced(image.convert("RGB"))
        boxes = _read_boxes(image)
        if _is_sideways(boxes):
            # Lines read across a turned page come out in the wrong order and some misread: the page
            # is turned upright and read again, first the way its text seems to run.
            turns = (270, 90) if _looks_upright(boxes) else (90, 270)
        elif _looks_upright(boxes):
            return page_from_boxes(boxes)
        else:
            # Upside down, text reads as gibberish rather than as text going the other way.
            turns = (180,)
        return _best_turned_reading(image, boxes, turns)


def _best_turned_reading(image: Image.Image, boxes: list[TextBox], clockwise_turns: tuple[int, ...]) -> PageText:
    """The reading with the most confident text among the page as it is and turned clockwise by each
    of the turns, stopping at the first that reads well."""
    best_turn, best_boxes = 0, boxes
    for turn in clockwise_turns:
        boxes = _read_boxes(image.rotate(-turn, expand=True))
        if _score(boxes) > _score(best_boxes):
            best_turn, best_boxes = turn, boxes
        if _looks_upright(boxes):
            break
    page = page_from_boxes(best_boxes)
    return PageText(lines=page.lines, rotation=(page.rotation + best_turn) % 360)


@functools.cache
def _recognizer():
    # Imported here: loading onnxruntime and the models takes a second, and only this engine needs them.
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.log_level": "error",
            # The orientation classifier turns some upright French lines over; whole pages are turned here.
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECTION_SIDE,
        }
    )


def _read_boxes(image: Image.Image) -> list[TextBox]:
    with _recognizer_lock:
        result = _recognizer()(np.asarray(image))
    if result.boxes is None or result.txts is None:
        return []
    return [
        TextBox(text=text, confidence=float(score), corners=_reading_corners(corners))
        for corners, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
    ]


def _reading_corners(corners) -> tuple:
    """RapidOCR gives corners clockwise from the top left of the picture; a tall crop was read turned a
    quarter anticlockwise, so its text runs down the picture and starts at the top right corner."""
    points = [(float(x), float(y)) for x, y in corners]
    if math.dist(points[0], points[3]) >= TALL_CROP_RATIO * math.dist(points[0], points[1]):
        points = points[1:] + points[:1]
    return tuple(points)


def _reduced(image: Image.Image) -> Image.Image:
    if max(image.size) <= MAX_SIDE:
        return image
    reduced = image.copy()
    reduced.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return reduced


def _is_sideways(boxes: list[TextBox]) -> bool:
    return page_from_boxes(boxes).rotation in {90, 270}


def _score(boxes: list[TextBox]) -> float:
    return sum(box.confidence * len(box.text) for box in boxes)


def _looks_upright(boxes: list[TextBox]) -> bool:
    characters = sum(len(box.text) for box in boxes)
    return characters > 0 and _score(boxes) / characters >= UPRIGHT_CONFIDENCE
