"""Pictures of a printed page as the readers receive them, shared by the benchmark generators (labgen, rxgen).

Each function takes the page rendered in grey levels (a 2-D uint8 array, 200 dpi: `render`) and a
`random.Random`, and returns JPEG bytes; the same generator state gives the same bytes.

- `scan`: the page through a document scanner at 200 dpi: tilted a little (±1.2°), slightly darker, grey
  noise, JPEG quality 60-85.
- `photo`: the page photographed with a phone on a table in good light: mild perspective (corners moved by
  ±2.5 % of the frame, the sheet fills most of it), a faint colour cast, uneven light, light noise,
  sometimes a quarter turn, 1600 px on the long side, JPEG quality 75-90.
- `poor_photo`: the page photographed on the kitchen table at night (issue 24), every flaw at once with
  random strengths: the sheet curled (bent along one axis), seen in steep perspective (one side 20-35 %
  shorter than the other) on a plain or cluttered table that shows around it, tilted by a few degrees on top
  of a quarter or half turn, the phone's soft-edged shadow over about half the page, dim light, strong
  sensor noise (grey and per channel), a little motion blur (3-7 px of the phone's full-resolution sensor), a
  warm or cool cast, 1100-1300 px on the long side, JPEG quality 60-85. A person can still read the page;
  the print is small (about 3 px per mm), which is what makes it hard.
- `processed_poor_photo`: the same night scene through the processing a phone's camera app applies (exposure,
  noise reduction, sharpening): the poor photo patients actually send.
"""

import math
import random

import cv2
import numpy as np


def render(pdf_bytes: bytes, dpi: int = 200) -> np.ndarray:
    """The first page of a PDF in grey levels."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_bytes)
    page = document[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    page.close()
    document.close()
    return np.array(image)


def _noise_source(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randint(0, 2**31))


def scan(page: np.ndarray, rng: random.Random, noise: np.random.Generator | None = None) -> bytes:
    """The scan: tilted a little, noisy, JPEG-compressed. `noise` lets labgen share one noise source between
    its scan and its photo, as it always has (its files stay the same for a seed)."""
    noise = noise or _noise_source(rng)
    height, width = page.shape
    angle = rng.uniform(-1.2, 1.2)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    scanned = cv2.warpAffine(page, matrix, (width, height), borderValue=255)
    scanned = np.clip(
        scanned.astype(np.float32) * rng.uniform(0.9, 1.0) + noise.normal(0, 8, scanned.shape), 0, 255
    ).astype(np.uint8)
    return cv2.imencode(".jpg", scanned, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(60, 85)])[1].tobytes()


def photo(page: np.ndarray, rng: random.Random, noise: np.random.Generator | None = None) -> bytes:
    """The ordinary photo: the page on a table, seen in perspective, unevenly lit, sometimes a quarter turn."""
    noise = noise or _noise_source(rng)
    height, width = page.shape
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR).astype(np.float32)
    colour *= np.array([rng.uniform(0.85, 0.95), rng.uniform(0.9, 1.0), 1.0], dtype=np.float32)
    margin = 0.08
    canvas_w, canvas_h = int(width * (1 + 2 * margin)), int(height * (1 + 2 * margin))
    jitter = lambda: rng.uniform(-0.025, 0.025)  # noqa: E731
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    target = np.float32(
        [
            [canvas_w * (margin + jitter()), canvas_h * (margin + jitter())],
            [canvas_w * (1 - margin + jitter()), canvas_h * (margin + jitter())],
            [canvas_w * (1 - margin + jitter()), canvas_h * (1 - margin + jitter())],
            [canvas_w * (margin + jitter()), canvas_h * (1 - margin + jitter())],
        ]
    )
    warp = cv2.getPerspectiveTransform(source, target)
    table = (rng.randint(60, 120), rng.randint(70, 110), rng.randint(80, 140))
    picture = cv2.warpPerspective(colour, warp, (canvas_w, canvas_h), borderValue=table)
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    light = 1.0 - rng.uniform(0.15, 0.35) * ((xs / canvas_w - rng.random()) ** 2 + (ys / canvas_h - rng.random()) ** 2)
    picture = np.clip(picture * light[..., None] + noise.normal(0, 5, picture.shape), 0, 255).astype(np.uint8)
    scale = 1600 / max(picture.shape[:2])
    picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    turn = rng.random()
    if turn < 0.2:
        picture = cv2.rotate(picture, cv2.ROTATE_90_CLOCKWISE)
    elif turn < 0.3:
        picture = cv2.rotate(picture, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return cv2.imencode(".jpeg", picture, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(75, 90)])[1].tobytes()


# The poor photo, one small step per flaw -------------------------------------------------------------------------

# The poor photo is made at this size (long side) before its last resize: enough to keep the print sharp
# through the warps, small enough to be quick.
_WORKING_LONG_SIDE = 1800
# The long side of the photo the phone's sensor takes, before the app makes it smaller.
_SENSOR_LONG_SIDE = 4000


def _curl(page: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """The sheet bent along one axis: a smooth sine/cylinder displacement of 1.5-4 % of the page, its edges
    bent with it. Returns the bent page on a margin and the mask of where the sheet is."""
    height, width = page.shape[:2]
    pad = int(0.05 * max(height, width))
    padded = cv2.copyMakeBorder(page, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    sheet = cv2.copyMakeBorder(np.ones((height, width), np.float32), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    ys, xs = np.mgrid[0 : height + 2 * pad, 0 : width + 2 * pad].astype(np.float32)
    amplitude = rng.uniform(0.015, 0.04)
    waves = rng.uniform(0.5, 1.2)  # half a wave is a cylinder, more is a sheet that was folded
    phase = rng.uniform(0, 2 * math.pi)
    if rng.random() < 0.5:  # bent across the width: lines of text bow up and down
        map_x = xs
        map_y = ys + amplitude * height * np.sin(phase + waves * math.pi * xs / width)
    else:  # bent along the height: the margins wander left and right, the spacing of lines changes
        map_x = xs + amplitude * width * np.sin(phase + waves * math.pi * ys / height)
        map_y = ys + 0.5 * amplitude * height * np.sin(phase + waves * math.pi * ys / height)
    bent = cv2.remap(padded, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    mask = cv2.remap(sheet, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return bent, mask


def _table(height: int, width: int, rng: random.Random, noise: np.random.Generator) -> np.ndarray:
    """The table under the sheet, in dim BGR: plain wood or laminate, wood grain, or cluttered with objects."""
    base = np.array([rng.randint(30, 110), rng.randint(40, 110), rng.randint(50, 140)], dtype=np.float32)
    table = np.empty((height, width, 3), np.float32)
    table[:] = base
    style = rng.random()
    if style < 0.35:  # wood grain: stretched noise along one direction
        grain = noise.normal(0, 1, (max(height // 40, 2), width)).astype(np.float32)
        grain = cv2.resize(grain, (width, height), interpolation=cv2.INTER_CUBIC)
        table += grain[..., None] * rng.uniform(8, 20)
    elif style < 0.7:  # cluttered: keys, a mug, another paper, a phone, crumbs
        for _ in range(rng.randint(4, 10)):
            shade = tuple(float(rng.randint(10, 220)) for _ in range(3))
            centre = (rng.randint(0, width), rng.randint(0, height))
            size = rng.randint(width // 30, width // 6)
            shape = rng.random()
            if shape < 0.4:
                cv2.circle(table, centre, size, shade, -1)
            elif shape < 0.8:
                box = cv2.boxPoints((centre, (size * rng.uniform(1, 2.5), size), rng.uniform(0, 180)))
                cv2.fillPoly(table, [box.astype(np.int32)], shade)
            else:
                cv2.line(table, centre, (centre[0] + size * 2, centre[1] + size), shade, rng.randint(3, 12))
        table = cv2.GaussianBlur(table, (0, 0), rng.uniform(1, 3))
    table += noise.normal(0, 4, table.shape).astype(np.float32)  # the table's own texture
    return table


def _perspective(
    page: np.ndarray, sheet_mask: np.ndarray, rng: random.Random, noise: np.random.Generator
) -> np.ndarray:
    """The sheet on the table, shot from a low angle: one side 20-35 % shorter than the opposite one, the
    sheet covering most of the frame's width, corners jittered, the table visible all around."""
    height, width = page.shape[:2]
    margin = rng.uniform(0.04, 0.11)
    canvas_w, canvas_h = int(width * (1 + 2 * margin)), int(height * (1 + 2 * margin))
    left, top = width * margin, height * margin
    corners = np.float32([[left, top], [left + width, top], [left + width, top + height], [left, top + height]])
    shrink = rng.uniform(0.2, 0.35)  # how much shorter the far side is
    side = rng.randrange(4)  # the far side: top, right, bottom, left
    far = [(0, 1), (1, 2), (2, 3), (3, 0)][side]
    a, b = corners[far[0]].copy(), corners[far[1]].copy()
    middle = (a + b) / 2
    corners[far[0]] = middle + (a - middle) * (1 - shrink)
    corners[far[1]] = middle + (b - middle) * (1 - shrink)
    # The far side is also further away: the sheet looks shorter in that direction.
    inward = np.float32([[0, 1], [-1, 0], [0, -1], [1, 0]][side]) * rng.uniform(0.02, 0.07) * min(width, height)
    corners[far[0]] += inward
    corners[far[1]] += inward
    corners += np.float32([[rng.uniform(-0.03, 0.03) * width, rng.uniform(-0.03, 0.03) * height] for _ in range(4)])
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    warp = cv2.getPerspectiveTransform(source, corners)
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR).astype(np.float32)
    sheet = cv2.warpPerspective(colour, warp, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(sheet_mask, warp, (canvas_w, canvas_h))[..., None]
    table = _table(canvas_h, canvas_w, rng, noise)
    return sheet * mask + table * (1 - mask)


def _tilt_and_turn(picture: np.ndarray, rng: random.Random) -> np.ndarray:
    """The phone held a few degrees off (±2-6°), on top of a quarter or half turn now and then."""
    height, width = picture.shape[:2]
    angle = rng.uniform(2, 6) * rng.choice((-1, 1))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    picture = cv2.warpAffine(picture, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    turn = rng.random()
    if turn < 0.15:
        picture = cv2.rotate(picture, cv2.ROTATE_90_CLOCKWISE)
    elif turn < 0.3:
        picture = cv2.rotate(picture, cv2.ROTATE_90_COUNTERCLOCKWISE)
    elif turn < 0.4:
        picture = cv2.rotate(picture, cv2.ROTATE_180)
    return np.ascontiguousarray(picture)


def _shadow(picture: np.ndarray, rng: random.Random) -> np.ndarray:
    """The phone's (and the hand's) shadow: a soft-edged dark polygon over about half the frame, 35-60 % darker."""
    height, width = picture.shape[:2]
    # A straight-ish edge across the frame, the shadow on one side of it.
    angle = rng.uniform(0, 2 * math.pi)
    direction = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    centre = np.array([width * rng.uniform(0.35, 0.65), height * rng.uniform(0.35, 0.65)])
    reach = 2 * max(width, height)
    points = [centre - direction * reach, centre + direction * reach]
    bend = normal * rng.uniform(-0.08, 0.08) * min(width, height)
    points = [points[0], centre + bend, points[1], points[1] + normal * reach, points[0] + normal * reach]
    mask = np.zeros((height, width), np.float32)
    cv2.fillPoly(mask, [np.array(points, np.int32)], 1.0)
    # Blurred at an eighth of the size: the edge is soft anyway, and a wide blur at full size is slow.
    small = cv2.resize(mask, (width // 8 + 1, height // 8 + 1), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), rng.uniform(0.02, 0.06) * max(width, height) / 8)
    mask = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    darkening = rng.uniform(0.35, 0.6)
    return picture * (1 - darkening * mask)[..., None]


def _dim_light(picture: np.ndarray, rng: random.Random) -> np.ndarray:
    """A dim room: the whole picture at 35-60 % of its brightness, lit a little unevenly, with a colour cast
    (warm bulb or cool screen/daylight)."""
    height, width = picture.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    falloff = 1.0 - rng.uniform(0.1, 0.3) * ((xs / width - rng.random()) ** 2 + (ys / height - rng.random()) ** 2)
    brightness = rng.uniform(0.35, 0.6)
    if rng.random() < 0.6:  # warm: less blue (BGR)
        cast = np.array([rng.uniform(0.65, 0.8), rng.uniform(0.85, 0.95), 1.0], np.float32)
    else:  # cool: less red
        cast = np.array([1.0, rng.uniform(0.9, 1.0), rng.uniform(0.7, 0.85)], np.float32)
    return picture * (brightness * falloff)[..., None] * cast


def _motion_blur(picture: np.ndarray, rng: random.Random) -> np.ndarray:
    """A shaking hand: a linear blur 3-7 px long at a random angle, as the phone's full-resolution sensor
    records it (about 4000 px on the long side): shorter in proportion at the working size."""
    length = rng.randint(3, 7) * max(picture.shape[:2]) / _SENSOR_LONG_SIDE
    angle = math.radians(rng.uniform(0, 180))
    size, fine = max(math.ceil(length) | 1, 3), 8  # the segment is drawn 8 times finer, then averaged down
    drawn = np.zeros((size * fine, size * fine), np.float32)
    centre, reach = size * fine / 2, length * fine / 2
    start = (round(centre - reach * math.cos(angle)), round(centre - reach * math.sin(angle)))
    end = (round(centre + reach * math.cos(angle)), round(centre + reach * math.sin(angle)))
    cv2.line(drawn, start, end, 1.0, thickness=fine)
    kernel = cv2.resize(drawn, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.filter2D(picture, -1, kernel / kernel.sum())


def _sensor_noise(picture: np.ndarray, rng: random.Random, noise: np.random.Generator) -> np.ndarray:
    """A small sensor pushed in the dark: grey noise and per-channel colour noise, partly blotchy."""
    height, width = picture.shape[:2]
    grey = noise.normal(0, rng.uniform(3, 6), (height, width, 1)).astype(np.float32)
    colour = noise.normal(0, rng.uniform(2, 4), (height, width, 3)).astype(np.float32)
    blotches = noise.normal(0, rng.uniform(1, 3), (height // 4 + 1, width // 4 + 1, 3)).astype(np.float32)
    blotches = cv2.resize(blotches, (width, height), interpolation=cv2.INTER_LINEAR)
    return picture + grey + colour + blotches


def _resize_long_side(picture: np.ndarray, long_side: int) -> np.ndarray:
    scale = long_side / max(picture.shape[:2])
    return cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _night_scene(page: np.ndarray, rng: random.Random, noise: np.random.Generator) -> np.ndarray:
    """The sheet on the kitchen table at night, as the light reaches the phone's lens (BGR, float)."""
    page = _resize_long_side(page, _WORKING_LONG_SIDE) if max(page.shape) > _WORKING_LONG_SIDE else page
    picture = _perspective(*_curl(page, rng), rng, noise)
    picture = _tilt_and_turn(picture, rng)
    picture = _shadow(picture, rng)
    picture = _dim_light(picture, rng)
    return _motion_blur(picture, rng)


def poor_photo(page: np.ndarray, rng: random.Random) -> bytes:
    """The kitchen table at night: see the module's docstring. Every step draws its strength from `rng`."""
    noise = _noise_source(rng)
    picture = _resize_long_side(_night_scene(page, rng, noise), rng.randint(1100, 1300))
    picture = np.clip(_sensor_noise(picture, rng, noise), 0, 255).astype(np.uint8)
    return cv2.imencode(".jpeg", picture, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(60, 85)])[1].tobytes()


def processed_poor_photo(page: np.ndarray, rng: random.Random) -> bytes:
    """The same night scene as `poor_photo` draws from the same `rng` state, as a phone's camera app delivers it:
    the sensor's noise at its own finer grain, then the phone's processing, which every camera app applies before
    the JPEG: exposure raised until the paper is light, the noise smoothed (non-local means, as strong as the
    noise raised with the exposure), the edges sharpened (unsharp mask). `poor_photo` stops before that
    processing: its noise and dimness are a raw sensor's, harsher than any phone's photo."""
    noise = _noise_source(rng)
    picture = _night_scene(page, rng, noise)
    long_side, quality = rng.randint(1100, 1300), rng.randint(60, 85)
    # The sensor's noise at the working size, half again as strong: the resizing at the end averages it down.
    height, width = picture.shape[:2]
    grey = noise.normal(0, rng.uniform(3, 6) * 1.5, (height, width, 1)).astype(np.float32)
    colour = noise.normal(0, rng.uniform(2, 4) * 1.5, (height, width, 3)).astype(np.float32)
    blotches = noise.normal(0, rng.uniform(1, 3), (height // 4 + 1, width // 4 + 1, 3)).astype(np.float32)
    picture = picture + grey + colour + cv2.resize(blotches, (width, height), interpolation=cv2.INTER_LINEAR)
    # Exposure: the paper (the lightest few percent of the frame) brought to 200 of 255.
    gain = 200 / max(float(np.percentile(picture.mean(axis=2), 97)), 1.0)
    picture = np.clip(picture * gain, 0, 255).astype(np.uint8)
    strength = 4.5 * 1.5 * gain
    picture = cv2.fastNlMeansDenoisingColored(picture, None, strength, strength * 1.5, 5, 15)
    picture = cv2.addWeighted(picture, 1.6, cv2.GaussianBlur(picture, (0, 0), 1.5), -0.6, 0)
    picture = _resize_long_side(picture, long_side)
    return cv2.imencode(".jpeg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
