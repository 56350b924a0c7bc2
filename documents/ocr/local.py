"""RapidOCR on this machine, with the detection and recognition models shipped inside its wheel
(PP-OCRv6 small, whose recognition model reads French accents). Nothing is downloaded."""

import contextlib
import functools
import math
import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

from documents.ocr.base import OcrEngine, TextBox, line_crop, page_from_boxes
from documents.ocr.likelihood import LineLikelihood
from documents.ocr.preparation import prepared
from documents.text import Line, PageText

# The text detector works on a smaller copy still; 960 keeps the small print of a prescription.
DETECTION_SIDE = 960
# The detector keeps a box whose mean probability of text is above this (RapidOCR's own is 0.5).
PAGE_BOX_THRESHOLD = 0.4
# A doubtful line is read again from its crop enlarged this much.
REREAD_SCALE = 2.0
REREAD_DETECTION_SIDE = 3200
# A reading again shorter than this share of the line's first is part of it only.
MIN_REREAD_SHARE = 0.7
# A page whose sheet was found and warped flat but which reads fewer lines than this is read again whole: the shape
# taken for the sheet may be part of it only.
FEW_LINES = 5
# RapidOCR turns a crop this much taller than wide a quarter anticlockwise before reading it.
TALL_CROP_RATIO = 1.5
# A page read upright averages above 0.9; read upside down, the few characters found average far less.
UPRIGHT_CONFIDENCE = 0.8
# Which way up a page is, is told before its text is read from this many of the longest lines found: read less surely
# than that as they are, they are recognised again turned over.
ORIENTATION_SAMPLE = 6
ORIENTATION_CROP_LENGTH = 12  # times the line's height

# Lines read again side by side (RapidOcrEngine.reread_lines): as many as the machine has cores, up to four.
_REREAD_THREADS = max(1, min(4, os.cpu_count() or 1))

# RapidOCR changes its own settings during a call, so two threads must not share it at once.
_recognizer_lock = threading.Lock()


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def read_page(self, image: Image.Image) -> PageText:
        page = prepared(image, find_text=_text_map)
        reading, turn = self._read_upright(page.image)
        if page.flattened and len(reading.lines) < FEW_LINES:
            # The edge of the phone's shadow across a sheet can be taken for the sheet's: the lit part alone, warped
            # flat, reads almost nothing. The whole picture is read as the page then, and the fuller reading kept.
            whole = prepared(image, find_text=_text_map, find_sheet=False)
            whole_reading, whole_turn = self._read_upright(whole.image)
            if _characters(whole_reading) > _characters(reading):
                page, reading, turn = whole, whole_reading, whole_turn
        rotation = (reading.rotation + page.turned) % 360
        second = page.second.rotate(-turn, expand=True) if page.second is not None and turn else page.second
        return replace(reading, rotation=rotation, steps=page.steps, page_found=page.page_found, second_picture=second)

    def _read_upright(self, image: Image.Image) -> tuple[PageText, int]:
        """The page's reading, and how far (degrees clockwise) its picture was turned to be read."""
        detection = _Detection.of(image)
        if _turned_over_reads_better(detection.sample()):
            # An upside-down page is told from a few of the lines found, recognised both ways, before its text is read:
            # the page is read once, turned over (a page read unsure either way too: its lines chose).
            picture = image.rotate(180, expand=True)
            boxes = _read_boxes(picture)
            if not _is_sideways(boxes):
                return replace(_turned_page(boxes, 180), picture=picture), 180
        boxes = detection.read()
        if not _is_sideways(boxes):
            return replace(page_from_boxes(boxes), picture=image), 0
        # Lines read across a turned page come out in the wrong order and some misread: the page is turned upright and
        # read again, first the way its text seems to run.
        return _best_turned_reading(image, boxes, (270, 90) if _looks_upright(boxes) else (90, 270))

    def reread(self, page: PageText, line: Line) -> list[Line]:
        """The line read again from its crop made larger, by a detector set to keep the line at that size
        and to take in fainter print: its words are found and read afresh; from the page's picture, then from its
        second picture (smoothed another way) where it has one."""
        return self.reread_lines(page, [line])[0]

    def reread_lines(self, page: PageText, lines: list[Line]) -> list[list[Line]]:
        """Each line's `reread`, the crops read side by side, one recogniser on one core each: a line's crop is too
        small for one recogniser to keep two cores busy (sixteen crops of a poor photo, 4.3 s one after the other
        with every core, 3.4 s side by side; the same readings)."""
        _line_recognizers()  # loaded once, before the threads share them
        pictures = (page.picture, page.second_picture)
        crops = [(line, line_crop(picture, line.corners, REREAD_SCALE)) for line in lines for picture in pictures]
        with ThreadPoolExecutor(max_workers=_REREAD_THREADS) as pool:
            readings = iter(pool.map(lambda crop: _reread(crop[1], crop[0]), crops))
        # Each line's readings from its pictures, in their order.
        return [[reading for _ in pictures for reading in next(readings)] for _ in lines]

    def line_likelihood(self, page: PageText, line: Line) -> LineLikelihood | None:
        """What the recogniser sees along the line, cut out as the page's reading cut it: the detector's box
        already holds the print's margin, and a wider cut takes in the neighbouring lines. A line of several boxes is
        seen box by box: the box around all of a long line of a curled photo takes in its neighbours' print too."""
        return _line_likelihood(page.picture, line)

    def line_likelihoods(self, page: PageText, line: Line) -> Iterator[LineLikelihood]:
        """The line's likelihood on the page's picture, then on its second picture (smoothed another way) where it has
        one: the recogniser misreads some lines on one that it reads on the other."""
        for picture in (page.picture, page.second_picture):
            likelihood = _line_likelihood(picture, line)
            if likelihood is not None:
                yield likelihood


def _line_likelihood(picture: Image.Image | None, line: Line) -> LineLikelihood | None:
    boxes = line.parts if len(line.parts) > 1 else (line.corners,)
    parts = [_box_likelihood(picture, corners) for corners in boxes]
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return LineLikelihood.joined(parts)


def _reread(crop: Image.Image | None, line: Line) -> list[Line]:
    """The line read afresh from its enlarged crop, or nothing (no crop, or part of the line only)."""
    if crop is None:
        return []
    # The crop's margins (a quarter of its height above and below the line) may show the neighbouring
    # lines' print: only words centred on the line itself are its own.
    with _line_recognizer() as recognizer:
        boxes = _boxes_of(recognizer(np.asarray(crop), use_det=True, use_cls=False, use_rec=True))
    own = [box for box in boxes if 0.25 <= _middle(box) / crop.height <= 0.75]
    found = page_from_boxes(own).lines
    if not found:
        return []
    text = " ".join(part.text for part in found)
    if len(text) < MIN_REREAD_SHARE * len(line.text):
        # Part of the line only (the rest was not found at that size, or fell outside the crop's middle):
        # a strength or a name lost is worse than a misread.
        return []
    return [replace(line, text=text, confidence=min(part.confidence for part in found), reread=True)]


def _box_likelihood(picture: Image.Image | None, corners: tuple | None) -> LineLikelihood | None:
    crop = line_crop(picture, corners, margin=0)
    if crop is None:
        return None
    pixels = np.asarray(crop)
    recogniser = _recognizer()._load_rec_model()
    _, height, width = recogniser.rec_image_shape
    normalised = recogniser.resize_norm_img(pixels, max(pixels.shape[1] / pixels.shape[0], width / height))
    with _recognizer_lock:
        probabilities = recogniser.session(normalised[np.newaxis].astype(np.float32))[0]
    return LineLikelihood.from_probabilities(probabilities, tuple(recogniser.postprocess_op.character))


def _turned_over_reads_better(crops: list[np.ndarray]) -> bool:
    """Whether the lines' crops, recognised turned over, read more surely than as they are (the confidence times the
    characters read): lines read surely as they are (UPRIGHT_CONFIDENCE) are not turned. Which way up a line is shows
    in a few words of it: the rest would cost the recogniser its time."""
    crops = [np.ascontiguousarray(crop[:, : ORIENTATION_CROP_LENGTH * crop.shape[0]]) for crop in crops if crop.size]
    if not crops:
        return False
    from rapidocr.ch_ppocr_rec.typings import TextRecInput  # imported here, as RapidOCR is (see _recognizer)

    recogniser = _recognizer()._load_rec_model()
    with _recognizer_lock:
        upright = recogniser(TextRecInput(img=crops))
    characters = sum(len(text) for text in upright.txts)
    upright_score = sum(score * len(text) for text, score in zip(upright.txts, upright.scores, strict=True))
    if characters and upright_score / characters >= UPRIGHT_CONFIDENCE:
        return False
    with _recognizer_lock:
        turned = recogniser(TextRecInput(img=[np.ascontiguousarray(np.rot90(crop, 2)) for crop in crops]))
    return sum(score * len(text) for text, score in zip(turned.txts, turned.scores, strict=True)) > upright_score


@dataclass
class _Detection:
    """A page's text found but not yet read: RapidOCR's own steps, split so that a few of the lines it found can be
    recognised before the rest."""

    picture: np.ndarray
    resized: dict
    found: object  # RapidOCR's detection output
    crops: list[np.ndarray]

    @classmethod
    def of(cls, image: Image.Image) -> "_Detection":
        from rapidocr.main import RapidOCRError  # imported here, as RapidOCR is (see _recognizer)

        engine = _recognizer()
        with _recognizer_lock:
            picture = engine.load_img(np.asarray(image))
            resized_picture, resized = engine.preprocess_img(picture)
            try:
                crops, found = engine.detect_and_crop(resized_picture, resized)
            except RapidOCRError:  # no text at all
                crops, found = [], None
        return cls(picture, resized, found, crops)

    def sample(self) -> list[np.ndarray]:
        """The longest lines found, whose way up tells the page's."""
        return sorted(self.crops, key=lambda crop: crop.shape[1] / max(crop.shape[0], 1), reverse=True)[
            :ORIENTATION_SAMPLE
        ]

    def read(self) -> list[TextBox]:
        """What `_read_boxes` gives: the lines found, recognised."""
        if not self.crops:
            return []
        from rapidocr.ch_ppocr_cls import TextClsOutput

        engine = _recognizer()
        with _recognizer_lock:
            recognised = engine.recognize_txt(self.crops)
            result = engine.build_final_output(
                self.picture, self.found, TextClsOutput(), recognised, self.crops, self.resized
            )
        return _boxes_of(result)


def _characters(page: PageText) -> int:
    return sum(len(line.text) for line in page.lines)


def _middle(box: TextBox) -> float:
    return sum(y for _, y in box.corners) / 4


def _turned_page(boxes: list[TextBox], turn: int) -> PageText:
    page = page_from_boxes(boxes)
    return replace(page, rotation=(page.rotation + turn) % 360)


def _best_turned_reading(
    image: Image.Image, boxes: list[TextBox], clockwise_turns: tuple[int, ...]
) -> tuple[PageText, int]:
    """The reading with the most confident text among the page as it is and turned clockwise by each
    of the turns, stopping at the first that reads well, and the turn it was read at."""
    best_turn, best_boxes, best_picture = 0, boxes, image
    for turn in clockwise_turns:
        picture = image.rotate(-turn, expand=True)
        boxes = _read_boxes(picture)
        if _score(boxes) > _score(best_boxes):
            best_turn, best_boxes, best_picture = turn, boxes, picture
        if _looks_upright(boxes):
            break
    page = page_from_boxes(best_boxes)
    return PageText(lines=page.lines, rotation=(page.rotation + best_turn) % 360, picture=best_picture), best_turn


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
            # Faint or blurred print, in a phone's shadow, is found as text: what is not text reads as nothing.
            "Det.box_thresh": PAGE_BOX_THRESHOLD,
        }
    )


@contextlib.contextmanager
def _line_recognizer():
    """A line recogniser of the pool, for one thread at a time (RapidOCR changes its own settings during a call)."""
    pool = _line_recognizers()
    recognizer = pool.get()
    try:
        yield recognizer
    finally:
        pool.put(recognizer)


@functools.cache
def _line_recognizers() -> queue.SimpleQueue:
    from rapidocr import RapidOCR

    pool = queue.SimpleQueue()
    for _ in range(_REREAD_THREADS):
        pool.put(RapidOCR(params=_LINE_RECOGNIZER))
    return pool


# The line recognisers' settings.
_LINE_RECOGNIZER = {
    "Global.log_level": "error",
    "Global.use_cls": False,
    "Det.limit_type": "max",
    # A line's crop is long and thin: it is read at its own size, never reduced.
    "Det.limit_side_len": REREAD_DETECTION_SIDE,
    # Fainter and thinner print than on the whole page is taken as text.
    "Det.box_thresh": 0.4,
    "Det.unclip_ratio": 1.8,
    # One core each: the crops are read side by side (reread_lines).
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
}


def _text_map(gray: np.ndarray) -> np.ndarray:
    """The detector's probability of text at each point of the page, on the page resized as the detector sees it."""
    with _recognizer_lock:
        detector = _recognizer()._load_det_model()
        return detector.session(detector.get_preprocess()(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)))[0, 0]


def _read_boxes(image: Image.Image) -> list[TextBox]:
    with _recognizer_lock:
        result = _recognizer()(np.asarray(image), use_det=True, use_cls=False, use_rec=True)
    return _boxes_of(result)


def _boxes_of(result) -> list[TextBox]:
    if getattr(result, "boxes", None) is None or getattr(result, "txts", None) is None:
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


def _is_sideways(boxes: list[TextBox]) -> bool:
    return page_from_boxes(boxes).rotation in {90, 270}


def _score(boxes: list[TextBox]) -> float:
    return sum(box.confidence * len(box.text) for box in boxes)


def _looks_upright(boxes: list[TextBox]) -> bool:
    characters = sum(len(box.text) for box in boxes)
    return characters > 0 and _score(boxes) / characters >= UPRIGHT_CONFIDENCE
