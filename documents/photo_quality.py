"""Is a photo of a document good enough to read? Too dark, too blurred, or no page in it: each problem comes
with a message in plain words saying what to do, for the person who took it.

Only what makes the reader fail is flagged: a dim, slightly soft, shadowed or slanted page is still read, and
must not be sent back (bench/photo_quality.py holds the thresholds to pictures of both kinds). The same three
measures run in the browser before sending (static/js/photo_check.js), on the same downscaled picture.
"""

from dataclasses import dataclass, replace

import cv2
import numpy as np
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from PIL import Image

from documents import reading
from documents.text import DocumentText, UnreadableDocument
from documents.uploads import PILLOW_FORMATS, UploadRefused, decoded_image

# The picture is measured at this size (long side, pixels): what a reader needs, whatever the phone's camera.
MEASURED_SIZE = 1000
# Brightness of the paper: the 90th percentile of luminance (0-255), since the page is the bright part of a photo
# of a page. Photos in daylight are above 200, a dim room (x0.45) about 100; a page in the dark (x0.15), below 45.
DARK_BELOW = 60
# Sharpness: the strongest edges (99.5th percentile of the Laplacian, after a light smoothing that takes the
# sensor's noise away) over the picture's contrast, so that neither light nor noise moves it. Pages in focus
# measure 0.2-0.5, slightly soft ones (Gaussian sigma 1-1.7 px at 1600 px) 0.15-0.2; out of focus (sigma 5-7),
# whose letters run together, below 0.03.
BLURRED_BELOW = 0.08
# The page: the largest bright region (Otsu's threshold) covers this share of the picture (a page half in shadow
# keeps about 0.3 lit)...
PAGE_AT_LEAST = 0.15
# ... with some writing in it (the dark marks inside: a bare wall has none, a crowd too many)...
INK_SHARE = (0.0005, 0.3)
# ... and nearly gray (the median of (max - min) / max of its pixels' red, green and blue): white paper in a photo
# is below 0.15, cream paper or paper under a warm lamp up to about 0.27; skin is 0.3-0.5. A person before a white
# wall or in a white shirt still passes for a page (7 of the 15 face photos are told "no page"): a false alarm on
# a real page would cost more than a missed one, which the reader then fails on.
PAPER_COLOUR = 0.3


@dataclass(frozen=True)
class Problem:
    code: str  # "dark", "blurred" or "no_page"
    message: str


PROBLEMS = {
    "dark": Problem("dark", _("The photo is too dark: turn on a light or move near a window, then take it again.")),
    "blurred": Problem(
        "blurred", _("The photo is blurred: hold the phone still, let it focus on the page, then take it again.")
    ),
    "no_page": Problem(
        "no_page", _("No page was found in the photo: lay the whole page flat in the picture, then take it again.")
    ),
}


def browser_settings() -> dict:
    """The thresholds, for the same checks in the browser (static/js/photo_check.js)."""
    return {
        "size": MEASURED_SIZE,
        "dark_below": DARK_BELOW,
        "blurred_below": BLURRED_BELOW,
        "page_at_least": PAGE_AT_LEAST,
        "ink_share": list(INK_SHARE),
        "paper_colour": PAPER_COLOUR,
    }


def assess(image: Image.Image) -> list[Problem]:
    """The problems of a photo of a page that would keep it from being read, most important first."""
    picture = measured(image)
    gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    if page_brightness(gray) < DARK_BELOW:
        # Too dark to tell anything else: one thing to fix at a time.
        return [PROBLEMS["dark"]]
    if sharpness(gray) < BLURRED_BELOW:
        # Blurred writing fades into the paper: tell it before looking for the page.
        return [PROBLEMS["blurred"]]
    if not page_found(picture):
        return [PROBLEMS["no_page"]]
    return []


def measured(image: Image.Image) -> np.ndarray:
    """The picture in RGB, its long side MEASURED_SIZE pixels (smaller pictures are kept as they are)."""
    picture = np.asarray(image.convert("RGB"))
    scale = MEASURED_SIZE / max(picture.shape[:2])
    if scale < 1:
        picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return picture


def page_brightness(gray: np.ndarray) -> float:
    return float(np.percentile(gray, 90))


def sharpness(gray: np.ndarray) -> float:
    smoothed = cv2.GaussianBlur(gray, (3, 3), 0).astype(np.float32)
    edges = np.abs(cv2.Laplacian(smoothed, cv2.CV_32F, ksize=1))
    contrast = max(float(np.percentile(smoothed, 95) - np.percentile(smoothed, 5)), 1.0)
    return float(np.percentile(edges, 99.5)) / contrast


def page_found(picture: np.ndarray) -> bool:
    """Whether the photo (RGB, as `measured` makes it) shows a page: a large bright region, with dark marks (the
    writing) in it, of a paper's colour (nearly gray). The reader's own page detector may replace this function."""
    area, ink, colour = page_region(picture)
    return area >= PAGE_AT_LEAST and INK_SHARE[0] <= ink <= INK_SHARE[1] and colour <= PAPER_COLOUR


def page_region(picture: np.ndarray) -> tuple[float, float, float]:
    """The largest bright region: the share of the picture it covers, the share of it that is ink, and how
    coloured its bright part is (0 for gray, 1 for a pure colour)."""
    gray = cv2.GaussianBlur(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), (3, 3), 0)
    _threshold, bright = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # The letters are holes in the paper: closing them keeps the page in one piece, and tells the ink apart.
    closed = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(closed, connectivity=4)
    if count < 2:
        return 0.0, 0.0, 1.0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    inside = labels == largest
    area = int(stats[largest, cv2.CC_STAT_AREA])
    paper = picture[inside & (bright == 1)].astype(np.float32)
    brightest = paper.max(axis=1)
    colour = float(np.median((brightest - paper.min(axis=1)) / np.maximum(brightest, 1))) if len(paper) else 1.0
    return area / gray.size, 1 - len(paper) / area, colour


def read_document_checked(content: bytes, content_type: str, **options) -> DocumentText:
    """documents.reading.read_document, with what is wrong with a photo: its problems come first among the
    document's warnings, and when nothing could be read, the message says what to do about the photo."""
    problems = assess_upload(content, content_type)
    try:
        # Looked up when called, so that the reader can be replaced (a test's stand-in, the reader's own update).
        document = reading.read_document(content, content_type, **options)
    except UnreadableDocument as unreadable:
        if not problems:
            raise
        message = " ".join([str(unreadable), *(str(problem.message) for problem in problems)])
        raise UnreadableDocument(message) from unreadable
    if not problems:
        return document
    return replace(document, warnings=[*(str(problem.message) for problem in problems), *document.warnings])


def assess_upload(content: bytes, content_type: str) -> list[Problem]:
    """The problems of an uploaded picture; none for a PDF, or a picture that cannot be opened (the reader
    says so itself)."""
    if content_type not in PILLOW_FORMATS:
        return []
    try:
        image = decoded_image(content, PILLOW_FORMATS[content_type])
    except UploadRefused:
        return []
    return assess(image)


def problems_in(warnings: list[str] | None) -> list[Problem]:
    """The photo's problems among a reading's stored warnings (written in the reader's language, whichever it
    was), to be told again in the language of the person looking."""
    known = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            known.update({str(problem.message): problem for problem in PROBLEMS.values()})
    return [known[warning] for warning in warnings or [] if warning in known]
