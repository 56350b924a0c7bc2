"""A photographed page made ready for OCR, as a person would flatten it on a scanner: the sheet found
and warped flat, the light evened out (the phone's shadow, a lamp's gradient), the sensor's noise smoothed,
the bowed lines of a curled sheet made straight (followed on the engine's map of where text is) and a small
tilt straightened. Quarter turns are left to the engine, which reads the page each way. A picture with no paper
in it is read as it is.

Each step is recorded (what it found and how long it took) for the reading's debug view; nothing of the
page's content is. A scan or a PDF page, where the sheet fills the picture, goes through the same steps:
finding no edges to warp, no tilt to straighten and no bow, they only even the light.
"""

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

# The sheet is looked for on a copy this long: its edges are tens of pixels long even there.
FINDING_SIDE = 800
# A sheet covers at least this share of the picture; a smaller bright shape is a label, a screen, a box.
MIN_PAGE_SHARE = 0.18
# A quadrilateral covering more than this is the picture's own frame: the sheet fills the picture.
MAX_PAGE_SHARE = 0.93
# How far the sheet's outline, made convex, may stray from its four corners, as a share of the quadrilateral's
# area: a sheet's hull is a quadrilateral, its sides bowed a little by curled paper; a sheet with the table
# or an object beside it taken in is not.
MAX_OUTLINE_GAP = 0.07
# How much of that quadrilateral the outline itself may leave out, in bites its hull closes over: a shadow
# that a threshold cuts off inside the sheet, a curled edge in its own shade, a dark object lying on it.
MAX_BITTEN_SHARE = 0.2
# Where no edges are seen, a picture this much paper is a page filling it (a scan, a close photo).
FILLING_PAPER_SHARE = 0.75
# Paper is nearly grey: at most this saturation (the spread of its colours over the brightest).
PAPER_SATURATION = 0.35
# A sheet's outline follows a change of light (at least this many levels of 255 within a few pixels)
# along at least this share of its sides.
EDGE_CONTRAST = 12
MIN_EDGE_SUPPORT = 0.4
# Each side on its own, at least this share (a curled sheet's side bows away from a straight line).
MIN_SIDE_SUPPORT = 0.2
# Where no light shape is a sheet, its edges are looked for among the picture's straight lines: at least this share of
# the picture's shorter side long (in edge points on the line), the strongest this many of them, of which this many
# different ones (a line this near another, in pixels and angle, is the same edge seen twice).
MIN_STRAIGHT_EDGE = 0.15
STRAIGHT_EDGES_VOTED = 200
STRAIGHT_EDGES = 16
SAME_EDGE_PIXELS = 15
SAME_EDGE_ANGLE = math.radians(8)
# A light shape covering at most this share of a sheet found by its straight edges around it is a part of it.
MAX_PART_OF_THE_SHEET = 0.8
# A sheet is this much lighter inside than around it (medians), even in a shadow.
LIGHTER_INSIDE = 1.5
# Noise (standard deviation in levels of 255, once the light is evened out) above which it is smoothed.
NOISY = 3.0
# How strongly it is smoothed, for its level of noise (the filter's h over the noise's deviation).
DENOISING = 1.2
# Tilts searched when straightening, in degrees, either way of the nearest quarter.
MAX_TILT = 8.0
# Below this the page is left as it is: turning blurs a little, and the engine reads a degree of tilt.
MIN_TILT = 0.4
# A curled sheet's lines are followed on the engine's map of where text is (a probability per pixel, at the size
# it looks for text): a line is a patch of the map at least this many times longer than thick, and this long.
TEXT_PROBABILITY = 0.3
LINE_LENGTH_TO_THICKNESS = 8
MIN_LINE_LENGTH = 16
# A line whose centre strays from a smooth course by more than this share of its thickness is two lines run
# together, a signature or a drawing: it is not followed.
MAX_COURSE_STRAY = 0.5
# A line this many times longer than thick is followed as a curve; a shorter one, as a straight segment.
CURVED_LINE_LENGTH = 25
# The slope of the lines is modelled over the page by a polynomial of these degrees along and across the lines:
# a sheet bent along one axis and seen in perspective bows its lines by different amounts down the page.
SLOPE_DEGREE_ALONG = 3
SLOPE_DEGREE_ACROSS = 2
# A line's slope further than this many deviations from the model's is not the page's (it is fitted again
# without them).
SLOPE_OUTLIER = 4.0
# Fewer points than this along the lines (one a line's thickness) say too little of their course.
MIN_COURSE_POINTS = 20
# Below this spread of the lines' slopes over the page (the model's, a standard deviation), the lines are straight.
MIN_SLOPE_SPREAD = 0.006
# A bow smaller than this (pixels of the page, the most a line is moved) is left: the engine reads it.
MIN_BOW = 3.0
# A page turned a quarter is turned upright before it is read, the way its lines' starts say: a prescription's lines
# start at one margin and end all along the other. Starts (or ends) this close, as a share of the lines' direction,
# are at one margin.
MARGIN_TOLERANCE = 0.015
# The longest side of the prepared page; the engine reads nothing more from a larger picture.
MAX_SIDE = 1600
# The background (the paper, however lit) is estimated on a copy this long, with a closing larger than
# the print's strokes, so that the letters vanish from it and only the light remains.
LIGHT_SIDE = 400
LIGHT_KERNEL = 9


@dataclass(frozen=True)
class Step:
    """One step of the preparation: its name, what it found (numbers, never text of the page) and time."""

    name: str
    values: dict = field(default_factory=dict)
    milliseconds: int = 0


@dataclass(frozen=True)
class PreparedPage:
    image: Image.Image
    steps: list[Step]
    # Whether a sheet of paper was seen: its edges, or paper filling the picture.
    page_found: bool
    # Whether the sheet's edges were found and the picture warped to them.
    flattened: bool = False
    # How far the picture was turned clockwise (0, 90 or 270 degrees) so that its lines run across it.
    turned: int = 0
    # A noisy page smoothed before its light was evened, then straightened and turned as `image` is, or None: `image`
    # is smoothed as strongly as its shadowed part needs, which blurs the print in the light; this one as strongly as
    # the sensor's noise is everywhere, which leaves the print in the shadow grainier. Each reads some lines the other
    # misreads: a doubtful line is read again from both.
    second: Image.Image | None = None


def prepared(
    image: Image.Image, find_text: Callable[[np.ndarray], np.ndarray] | None = None, *, find_sheet: bool = True
) -> PreparedPage:
    """The page made ready; `find_text` is the engine's detector: for a grey page, the probability of text at each
    point of a map of it (of any size). Without it, a curled sheet's lines are left bowed. Without `find_sheet`, the
    whole picture is taken for the page, as a scan is."""
    steps = []
    colour = np.asarray(image.convert("RGB"))

    started = time.perf_counter()
    if find_sheet:
        corners, paper_share = _sheet_corners(colour)
        found = {"corners": None if corners is None else corners.round(3).tolist(), "share": round(paper_share, 2)}
    else:
        corners, paper_share = None, 1.0
        found = {"corners": None, "whole": True}
    if corners is not None:
        colour = _flattened_sheet(colour, corners)
    page_found = corners is not None or paper_share >= FILLING_PAPER_SHARE
    steps.append(Step("page", found, _ms(started)))
    if not page_found:
        # No paper: evening the light of a scene would make print of its textures. It is read as it is.
        return PreparedPage(image=Image.fromarray(_reduced(colour)), steps=steps, page_found=False)
    gray = _reduced(cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY))

    unevened = gray
    started = time.perf_counter()
    gray = _even_light(gray)
    steps.append(Step("light", {}, _ms(started)))

    # Evening the light raises the sensor's noise where the page was dark (in the phone's shadow) as
    # much as the print: it is smoothed now, as strongly as it is there.
    started = time.perf_counter()
    noise = _noise_level(gray)
    second = None
    if noise >= NOISY:
        gray = _smoothed(gray, noise)
        # The second picture (PreparedPage.second): smoothed where the noise is as strong everywhere, then evened.
        second = _even_light(_smoothed(unevened, _noise_level(unevened)))
    steps.append(Step("denoise", {"noise": round(noise, 1), "smoothed": noise >= NOISY}, _ms(started)))

    # The lines are straightened before the tilt is measured: straight, they show the page's own tilt, where a bowed
    # page would be turned by a false one, then bent back, its print blurred twice.
    turned = 0
    if find_text is not None:
        started = time.perf_counter()
        text = find_text(gray)
        runs_down = len(_line_courses(text.T)[0]) > len(_line_courses(text)[0])
        straighten, moved = _straightening(text, runs_down, gray.shape)
        # A page turned a quarter is read once, upright (or upside down, which reading finds), not first across.
        turned = _quarter_turn(text.T) if runs_down else 0
        gray, second = (_upright(picture, straighten, turned) for picture in (gray, second))
        steps.append(Step("curl", {"pixels": round(moved, 1), "turned": turned}, _ms(started)))

    started = time.perf_counter()
    tilt = _tilt(gray)
    if abs(tilt) >= MIN_TILT:
        gray, second = (None if picture is None else _turned(picture, tilt) for picture in (gray, second))
    steps.append(Step("tilt", {"degrees": round(tilt, 1)}, _ms(started)))
    return PreparedPage(
        image=Image.fromarray(gray).convert("RGB"),
        steps=steps,
        page_found=page_found,
        flattened=corners is not None,
        turned=turned,
        second=None if second is None else Image.fromarray(second).convert("RGB"),
    )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _reduced(array: np.ndarray, side: int = MAX_SIDE) -> np.ndarray:
    scale = side / max(array.shape[:2])
    if scale >= 1:
        return array
    return cv2.resize(array, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


# Finding the sheet


def _sheet_corners(colour: np.ndarray) -> tuple[np.ndarray | None, float]:
    """The sheet's four corners as shares of the picture's width and height (top left, top right, bottom
    right, bottom left), or None when no sheet stands out from its surroundings; and the share of the
    picture that looks like paper."""
    small = _reduced(colour, FINDING_SIDE)
    height, width = small.shape[:2]
    # The darkest of the three colours: paper is light in all three, a coloured table is not.
    whiteness = cv2.GaussianBlur(small.min(axis=2), (5, 5), 0)
    # Under a cold or a warm light one colour of the paper is dim: its brightness shows the sheet too.
    brightness = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    candidates = [
        *_outlines_from_brightness(whiteness),
        *_outlines_from_brightness(brightness),
        *_outlines_from_edges(whiteness),
    ]
    paper_share = _paper_share(small, whiteness)
    # How much the light changes within a few pixels: along a sheet's edge, it does all the way.
    window = np.ones((7, 7), np.uint8)
    contrast = cv2.morphologyEx(whiteness, cv2.MORPH_GRADIENT, window)
    # A curled sheet's edge bows a few pixels away from the straight side: it is looked for that near.
    contrast = cv2.dilate(contrast, np.ones((9, 9), np.uint8))
    best, best_score = None, 0.0
    for outline in candidates:
        quad = _quadrilateral(outline)
        if quad is None:
            continue
        area = cv2.contourArea(quad) / (width * height)
        if not MIN_PAGE_SHARE <= area <= MAX_PAGE_SHARE:
            continue
        quad_area = max(cv2.contourArea(quad), 1)
        gap = 1 - cv2.contourArea(cv2.convexHull(outline)) / quad_area
        bitten = 1 - cv2.contourArea(outline) / quad_area
        if abs(gap) > MAX_OUTLINE_GAP or bitten > MAX_BITTEN_SHARE or not _is_plausible_sheet(quad):
            continue
        support = _edge_support(quad.reshape(4, 2), contrast)
        if support < MIN_EDGE_SUPPORT:
            continue
        # The shadow's soft edge across a sheet follows a change of light too, and more sharply than the
        # sheet's own edge in that shadow: the lit part alone must not win for its sharper sides.
        score = area * support
        if score > best_score:
            best, best_score = quad, score
    # Things lying against the sheet (a cup, a card) join its light shape past a quadrilateral: its four straight
    # edges still show. So do they where the phone's shadow crosses the sheet on a slant, and its edge, sharper than
    # the sheet's own in the shadow, cut the light shape down to the lit part: the sheet holds that part.
    enclosing = _sheet_from_straight_edges(whiteness, contrast)
    if best is None or (enclosing is not None and _holds_a_part(enclosing, best)):
        best = enclosing
    if best is None:
        return None, paper_share
    return _ordered(best.reshape(4, 2).astype(np.float64) / (width, height)), paper_share


def _sheet_from_straight_edges(gray: np.ndarray, contrast: np.ndarray) -> np.ndarray | None:
    """The quadrilateral of the picture's long straight edges, two running across and two down, that most looks like a
    sheet: large, its sides following a change of light, lighter inside than around it; None when none does."""
    height, width = gray.shape
    found = cv2.HoughLines(_edges(gray), 1, np.pi / 180, threshold=round(MIN_STRAIGHT_EDGE * min(height, width)))
    if found is None:
        return None
    lines: list[tuple[float, float]] = []
    for rho, theta in found[:STRAIGHT_EDGES_VOTED, 0].tolist():  # strongest first
        if all(
            abs(rho - other_rho) > SAME_EDGE_PIXELS or _angle_apart(theta, other_theta) > SAME_EDGE_ANGLE
            for other_rho, other_theta in lines
        ):
            lines.append((rho, theta))
    lines = lines[:STRAIGHT_EDGES]
    across = [line for line in lines if abs(math.cos(line[1])) < math.cos(math.radians(45))]
    down = [line for line in lines if abs(math.cos(line[1])) >= math.cos(math.radians(45))]
    best, best_score = None, 0.0
    for pair_across, pair_down in itertools.product(itertools.combinations(across, 2), itertools.combinations(down, 2)):
        corners = [_crossing(first, second) for first in pair_across for second in pair_down]
        if any(corner is None for corner in corners):
            continue
        quad = _ordered(np.array(corners)).astype(np.float32).reshape(4, 1, 2)
        area = cv2.contourArea(quad) / (width * height)
        if not MIN_PAGE_SHARE <= area <= MAX_PAGE_SHARE or not _is_plausible_sheet(quad):
            continue
        support = _edge_support(quad.reshape(4, 2), contrast)
        # Whether it is lighter inside is asked last, of a quadrilateral that would win: it is the slowest to tell.
        if support >= MIN_EDGE_SUPPORT and area * support > best_score and _lighter_inside(gray, quad):
            best, best_score = quad, area * support
    return best


def _holds_a_part(sheet: np.ndarray, part: np.ndarray) -> bool:
    """Whether the quadrilateral `part` lies within `sheet` (up to the few pixels a curled edge bows) and covers
    much less of it."""
    sheet, part = (quad.reshape(4, 1, 2).astype(np.float32) for quad in (sheet, part))
    within = all(
        cv2.pointPolygonTest(sheet, (float(x), float(y)), True) >= -SAME_EDGE_PIXELS for x, y in part.reshape(4, 2)
    )
    return within and cv2.contourArea(part) <= MAX_PART_OF_THE_SHEET * cv2.contourArea(sheet)


def _angle_apart(theta: float, other: float) -> float:
    apart = abs(theta - other) % math.pi
    return min(apart, math.pi - apart)


def _crossing(line: tuple[float, float], other: tuple[float, float]) -> np.ndarray | None:
    """Where two lines given as (distance from the origin, angle of their normal) cross; None for parallel ones."""
    normals = np.array([[math.cos(line[1]), math.sin(line[1])], [math.cos(other[1]), math.sin(other[1])]])
    if abs(np.linalg.det(normals)) < 1e-6:
        return None
    return np.linalg.solve(normals, [line[0], other[0]])


def _lighter_inside(gray: np.ndarray, quad: np.ndarray) -> bool:
    """Whether the quadrilateral is lighter inside than the picture around it, as paper is than a table."""
    inside = np.zeros_like(gray)
    cv2.fillConvexPoly(inside, quad.reshape(4, 2).round().astype(np.int32), 1)
    inside = inside.astype(bool)
    if inside.all():
        return False
    return float(np.median(gray[inside])) >= LIGHTER_INSIDE * max(float(np.median(gray[~inside])), 1.0)


def _outlines_from_brightness(gray: np.ndarray) -> list[np.ndarray]:
    """Paper is lighter than most tables, even in its own shadow: the largest light shapes at a few
    thresholds (Otsu's, then lower ones that take in a shadowed half)."""
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    outlines = []
    for level in (otsu, otsu * 0.75, otsu * 0.55):
        mask = (gray >= level).astype(np.uint8)
        # The print's strokes and specks are closed over: the sheet is one shape.
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
        outlines.extend(_largest_outlines(mask))
    return outlines


def _outlines_from_edges(gray: np.ndarray) -> list[np.ndarray]:
    """Where the sheet is no lighter than the table, its edges still show."""
    edges = cv2.dilate(_edges(gray), np.ones((5, 5), np.uint8))
    filled = np.zeros_like(edges)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    filled = cv2.erode(filled, np.ones((5, 5), np.uint8))
    return _largest_outlines(filled)


def _edges(gray: np.ndarray) -> np.ndarray:
    """Where the light changes sharply, at thresholds that follow the picture's own light."""
    median = float(np.median(gray))
    return cv2.Canny(gray, 0.5 * median, 1.2 * median + 20)


def _edge_support(corners: np.ndarray, contrast: np.ndarray) -> float:
    """How well the quadrilateral's sides follow a change of light, where they run inside the picture: a
    sheet's four edges do; a shape that took in part of the table, or cut a corner off the sheet, has a
    side that does not. The share of the sides that does, lowered by the weakest side's."""
    height, width = contrast.shape
    margin = 4
    shares = []
    for index in range(4):
        start, end = corners[index], corners[(index + 1) % 4]
        steps = max(int(math.dist(start, end) / 3), 2)
        points = start + np.linspace(0, 1, steps)[:, None] * (end - start)
        inside = (
            (points[:, 0] >= margin)
            & (points[:, 0] < width - margin)
            & (points[:, 1] >= margin)
            & (points[:, 1] < height - margin)
        )
        # A sheet running out of the picture has no edge there: that side counts neither way.
        if inside.mean() < 0.5:
            continue
        xs, ys = points[inside, 0].astype(int), points[inside, 1].astype(int)
        shares.append(float(np.mean(contrast[ys, xs] >= EDGE_CONTRAST)))
    if len(shares) < 2 or min(shares) < MIN_SIDE_SUPPORT:
        return 0.0
    return float(np.mean(shares)) * (0.5 + 0.5 * min(shares))


def _largest_outlines(mask: np.ndarray, count: int = 2) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return sorted(contours, key=cv2.contourArea, reverse=True)[:count]


def _quadrilateral(outline: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(outline)
    if len(hull) < 4:
        return None
    quad = cv2.approxPolyN(hull, 4, ensure_convex=True)
    return quad.reshape(4, 1, 2).astype(np.float32) if quad is not None and len(quad.reshape(-1, 2)) == 4 else None


def _is_plausible_sheet(quad: np.ndarray) -> bool:
    """A sheet seen by a phone: no corner sharper than 45° or flatter than 135°."""
    points = quad.reshape(4, 2).astype(np.float64)
    for index in range(4):
        previous, corner, following = points[index - 1], points[index], points[(index + 1) % 4]
        first, second = previous - corner, following - corner
        cosine = first @ second / max(np.linalg.norm(first) * np.linalg.norm(second), 1e-9)
        if not -0.71 <= cosine <= 0.71:
            return False
    return True


def _paper_share(small: np.ndarray, whiteness: np.ndarray) -> float:
    """The share of the picture that is light in all three colours and nearly grey, as paper is however
    lit (a warm bulb tints it, but less than a brown table or a cat)."""
    light = whiteness >= max(float(np.percentile(whiteness, 95)) * 0.6, 40)
    brightest = small.max(axis=2).astype(np.float32)
    saturation = (brightest - small.min(axis=2)) / np.maximum(brightest, 1)
    return float(np.mean(light & (saturation < PAPER_SATURATION)))


def _ordered(points: np.ndarray) -> np.ndarray:
    """Corners as top left, top right, bottom right, bottom left (in the picture as it was taken)."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    points = points[np.argsort(angles)]  # clockwise on screen, starting anywhere
    start = int(np.argmin(points.sum(axis=1)))
    return np.roll(points, -start, axis=0)


def _flattened_sheet(colour: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The sheet warped to a rectangle, its sides as long as the longer of each pair seen."""
    height, width = colour.shape[:2]
    points = (corners * (width, height)).astype(np.float32)
    top, right, bottom, left = (math.dist(points[i], points[(i + 1) % 4]) for i in range(4))
    target_width, target_height = max(top, bottom), max(left, right)
    scale = min(1.0, MAX_SIDE / max(target_width, target_height))
    # A photo of a small sheet is enlarged to a page the engine reads at its usual size.
    scale = max(scale, min(MAX_SIDE / max(target_width, target_height), 1.5))
    target_width, target_height = round(target_width * scale), round(target_height * scale)
    target = np.float32([[0, 0], [target_width, 0], [target_width, target_height], [0, target_height]])
    warp = cv2.getPerspectiveTransform(points, target)
    return cv2.warpPerspective(
        colour, warp, (target_width, target_height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


# Light, tilt, noise


def _even_light(gray: np.ndarray) -> np.ndarray:
    """The page divided by its own background, so that the paper is white everywhere, in the shadow as
    in the light, and the print keeps its contrast to the paper around it."""
    small = _reduced(gray, LIGHT_SIDE)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LIGHT_KERNEL, LIGHT_KERNEL))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.medianBlur(background, 5)
    background = cv2.GaussianBlur(background, (0, 0), 2)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    even = gray.astype(np.float32) / np.maximum(background.astype(np.float32), 8.0)
    # The darkest print becomes black; the paper stays white.
    ink = float(np.percentile(even, 0.5))
    even = (even - ink) / max(1.0 - ink, 0.05)
    return np.clip(even * 255, 0, 255).astype(np.uint8)


def _smoothed(gray: np.ndarray, noise: float) -> np.ndarray:
    """The page with a sensor's noise of this level (standard deviation) smoothed out."""
    return cv2.fastNlMeansDenoising(gray, None, h=min(noise * DENOISING, 40), templateWindowSize=7, searchWindowSize=15)


def _tilt(gray: np.ndarray) -> float:
    """The small angle (degrees, clockwise) that makes the text lines level, from the angle at which
    the page's dark pixels fall into the sharpest rows (or columns, on a page turned a quarter)."""
    small = _reduced(gray, FINDING_SIDE)
    ink = (small < 128).astype(np.float32)
    if ink.mean() < 0.002:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)
    best_angle, best_sharpness = 0.0, -1.0
    for angle in np.arange(-MAX_TILT, MAX_TILT + 0.01, 0.25):
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (small.shape[1], small.shape[0]))
        sharpness = max(float(np.var(turned.sum(axis=1))), float(np.var(turned.sum(axis=0))))
        if sharpness > best_sharpness:
            best_angle, best_sharpness = float(angle), sharpness
    return -best_angle


def _turned(gray: np.ndarray, degrees: float) -> np.ndarray:
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -degrees, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def _straightening(
    text: np.ndarray, runs_down: bool, shape: tuple[int, int]
) -> tuple[Callable[[np.ndarray], np.ndarray] | None, float]:
    """What makes the text lines of a page of this shape straight and level, and how far (pixels) it moves a line the
    most; None when its lines are straight already. `text` is the map of the probability of text.

    Each line's course is followed on the map; the slope of the lines at each point of the page is modelled from
    theirs, and each column (or row, on a page turned a quarter) moved along the model's course of the line
    through it, so that every line keeps its height at the middle of the page."""
    if runs_down:
        text, shape = text.T, shape[::-1]
    xs, ys, slopes = _line_courses(text)
    if len(xs) < MIN_COURSE_POINTS:
        return None, 0.0
    model = _slope_model(xs, ys, slopes, text.shape)
    # Lines all of one slope are straight: a tilt, the tilt step's to straighten. The model's slopes are compared,
    # not the lines' own, which the detector's map makes uneven by a little on a flat page (a scan of a dense table).
    if float(np.std(_terms(xs, ys, text.shape) @ model.coefficients)) < MIN_SLOPE_SPREAD:
        return None, 0.0
    shift = _shifts(model, text.shape)
    # The map is the page resized (as the engine resized it), rows and columns alike.
    scale = shape[0] / text.shape[0]
    moved = float(np.abs(shift[ys.round().astype(int).clip(0, text.shape[0] - 1), xs.astype(int)]).max()) * scale
    if moved < MIN_BOW:
        return None, 0.0
    shift = cv2.resize(shift, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) * scale
    rows, columns = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)

    def straighten(gray: np.ndarray) -> np.ndarray:
        across = gray.T if runs_down else gray
        straight = cv2.remap(
            across, columns, rows + shift, cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255
        )
        return np.ascontiguousarray(straight.T) if runs_down else straight

    return straighten, moved


def _upright(
    gray: np.ndarray | None, straighten: Callable[[np.ndarray], np.ndarray] | None, turned: int
) -> np.ndarray | None:
    """The page straightened (`_straightening`), then turned `turned` degrees clockwise (0, 90 or 270)."""
    if gray is None:
        return None
    if straighten is not None:
        gray = straighten(gray)
    if turned:
        gray = np.ascontiguousarray(np.rot90(gray, 1 if turned == 270 else -1))
    return gray


def _quarter_turn(text: np.ndarray) -> int:
    """The clockwise turn (270 or 90 degrees) that makes a page whose lines run down the picture upright, or 0 when
    its lines do not say: `text` is the map turned so that the lines run across it, its columns the picture's rows.
    Lines starting at one margin start at the picture's top on a page turned a quarter clockwise."""
    _, patches = _line_patches(text)
    starts = [left for _, left, _, _, _, _ in patches]
    ends = [left + width for _, left, _, width, _, _ in patches]
    tolerance = MARGIN_TOLERANCE * text.shape[1]
    at_start, at_end = _most_at_one_place(starts, tolerance), _most_at_one_place(ends, tolerance)
    return 270 if at_start > at_end else 90 if at_end > at_start else 0


def _most_at_one_place(places: list[int], tolerance: float) -> int:
    """How many of the places are within the tolerance of one another's, at the most."""
    ordered = np.sort(places)
    return max(
        (
            int(np.searchsorted(ordered, place + tolerance, "right") - np.searchsorted(ordered, place - tolerance))
            for place in ordered
        ),
        default=0,
    )


def _line_patches(text: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int, int, int]]]:
    """The map's patches of text that are lines running across it (much longer than thick): the map of patch labels,
    and each line's (label, left, top, width, height, area)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((text > TEXT_PROBABILITY).astype(np.uint8))
    patches = []
    for label in range(1, count):
        left, top, width, height, area = (int(value) for value in stats[label])
        if width >= max(LINE_LENGTH_TO_THICKNESS * area / width, MIN_LINE_LENGTH):
            patches.append((label, left, top, width, height, area))
    return labels, patches


def _line_courses(text: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along the centre of each text line of the map running across it, and the line's slope there:
    (x, y, dy/dx), a point every thickness of the line."""
    labels, patches = _line_patches(text)
    xs, ys, slopes = [], [], []
    for label, left, top, width, height, area in patches:
        thickness = area / width
        weights = np.where(
            labels[top : top + height, left : left + width] == label, text[top : top + height, left : left + width], 0
        )
        column_weights = weights.sum(axis=0)
        columns = np.flatnonzero(column_weights)
        centres = top + (weights * np.arange(height)[:, None]).sum(axis=0)[columns] / column_weights[columns]
        columns = columns + left
        course = np.polyfit(columns, centres, 1 if width < CURVED_LINE_LENGTH * thickness else 2)
        if np.median(np.abs(np.polyval(course, columns) - centres)) > MAX_COURSE_STRAY * thickness:
            continue
        points = columns[:: max(1, round(thickness))].astype(np.float64)
        xs.append(points)
        ys.append(np.polyval(course, points))
        slopes.append(np.polyval(np.polyder(course), points))
    if not xs:
        return np.empty(0), np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(slopes)


@dataclass(frozen=True)
class _SlopeModel:
    coefficients: np.ndarray
    # The model is trusted where there are lines; beyond them, it is held as at their edge.
    box: tuple[float, float, float, float]

    def slope(self, x: float, ys: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """The slope down the column at x, at each of the heights ys."""
        left, right, top, bottom = self.box
        along = 2 * np.clip(x, left, right) / shape[1] - 1
        across = 2 * np.clip(ys, top, bottom) / shape[0] - 1
        # The model's polynomial across the lines, at this point along them; highest degree first.
        by_degree = self.coefficients.reshape(SLOPE_DEGREE_ALONG + 1, SLOPE_DEGREE_ACROSS + 1).T @ along ** np.arange(
            SLOPE_DEGREE_ALONG + 1
        )
        return np.polyval(by_degree[::-1], across)


def _terms(xs: np.ndarray, ys: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    along, across = 2 * xs / shape[1] - 1, 2 * ys / shape[0] - 1
    return np.stack(
        [along**i * across**j for i in range(SLOPE_DEGREE_ALONG + 1) for j in range(SLOPE_DEGREE_ACROSS + 1)], axis=-1
    )


def _slope_model(xs: np.ndarray, ys: np.ndarray, slopes: np.ndarray, shape: tuple[int, int]) -> _SlopeModel:
    terms = _terms(xs, ys, shape)
    kept = np.ones(len(xs), dtype=bool)
    for _ in range(2):
        coefficients = np.linalg.lstsq(terms[kept], slopes[kept], rcond=None)[0]
        strays = np.abs(terms @ coefficients - slopes)
        kept = strays <= max(SLOPE_OUTLIER * 1.4826 * float(np.median(strays[kept])), 0.01)
    return _SlopeModel(coefficients, (xs.min(), xs.max(), ys.min(), ys.max()))


def _shifts(model: _SlopeModel, shape: tuple[int, int]) -> np.ndarray:
    """For each point of the map, how far down the line through it lies from where it is at the middle of the
    page: the model's slope followed from the middle column, left and right."""
    height, width = shape
    rows = np.arange(height, dtype=np.float64)
    shift = np.zeros(shape, dtype=np.float32)
    middle = width // 2
    for step in (1, -1):
        course = rows.copy()
        for column in range(middle + step, width if step > 0 else -1, step):
            course += step * model.slope(column - step / 2, course, shape)
            shift[:, column] = course - rows
    return shift


def _noise_level(gray: np.ndarray) -> float:
    """The sensor noise's standard deviation, in levels of 255, from the differences to a smoothed copy
    (the paper between the lines is most of a page): their third quartile, where the noisier part of a
    page half in shadow shows."""
    small = _reduced(gray, FINDING_SIDE).astype(np.float32)
    residual = small - cv2.GaussianBlur(small, (0, 0), 2)
    return float(np.percentile(np.abs(residual), 75) / 1.15)
