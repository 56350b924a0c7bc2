"""Calibration of the photo checks (documents/photo_quality.py): how many pictures of each class are flagged.

Pages are generated (an fpdf2 prescription drawn with pypdfium2, photographed on a table as bench/labgen.py
does), then spoiled in ways that keep a page from being read (very dark, strongly blurred, no page at all) and in
ways that do not (dim and noisy, slightly soft, half in shadow, under a warm lamp, in strong perspective): the
first must all be flagged with their problem, the second never. The real scans and photos of
../shared/data/prescriptions must all pass; the face photos (pictures without any page) should be flagged "no page"
(a person before a white wall is not always).

    .venv/bin/python bench/photo_quality.py [--count 20] [--seed 0] [--ocr]

With --ocr, each picture is also read by the OCR engine: a spoiled class the reader still reads well should not
be flagged (the figure beside each class is the share of pictures with at least 10 letters read).
"""

import argparse
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

import cv2
import numpy as np
from PIL import Image

from documents import photo_quality

SHARED = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")

DRUGS = [
    "DOLIPRANE 1000 mg, comprimé",
    "AMOXICILLINE 1 g, gélule",
    "KARDEGIC 75 mg, poudre",
    "LEVOTHYROX 75 microgrammes, comprimé",
    "SPASFON 80 mg, comprimé",
    "METFORMINE 850 mg, comprimé",
    "IBUPROFENE 400 mg, comprimé",
    "OMEPRAZOLE 20 mg, gélule",
]
# Classes not read by the OCR with --ocr: no page in them, or real pictures the reader's own bench measures.
UNREAD = ("face", "real", "wooden", "a room")
POSOLOGIES = ["1 comprimé matin et soir", "1 gélule 3 fois par jour", "1 sachet le matin", "2 comprimés si douleur"]


def page_pdf(rng: random.Random) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 8, "Docteur Claire Martin", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in ["Médecine générale", "12 rue des Lilas, 75011 Paris", "Tél. 01 23 45 67 89", ""]:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Paris, le {rng.randint(1, 28)} mars 2026", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, "Madame Alice Dupont", new_x="LMARGIN", new_y="NEXT")
    for drug in rng.sample(DRUGS, rng.randint(2, 5)):
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(0, 7, drug, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.cell(
            0, 6, f"{rng.choice(POSOLOGIES)} pendant {rng.choice([5, 7, 10, 30])} jours", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


def page_picture(pdf: bytes) -> np.ndarray:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil().convert("L")
    document.close()
    return np.array(image)


def photographed(page: np.ndarray, rng: random.Random, *, slant: float = 0.025, margin: float = 0.08) -> np.ndarray:
    """The page on a table, seen in perspective, unevenly lit, 1600 px long (as bench/labgen.py pictures)."""
    noise = np.random.default_rng(rng.randint(0, 2**31))
    height, width = page.shape
    colour = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR).astype(np.float32)
    colour *= np.array([rng.uniform(0.85, 0.95), rng.uniform(0.9, 1.0), 1.0], dtype=np.float32)
    canvas_w, canvas_h = int(width * (1 + 2 * margin)), int(height * (1 + 2 * margin))

    def jitter():
        return rng.uniform(-slant, slant)

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
    photo = cv2.warpPerspective(colour, warp, (canvas_w, canvas_h), borderValue=table)
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    light = 1.0 - rng.uniform(0.15, 0.35) * ((xs / canvas_w - rng.random()) ** 2 + (ys / canvas_h - rng.random()) ** 2)
    photo = np.clip(photo * light[..., None] + noise.normal(0, 5, photo.shape), 0, 255)
    scale = 1600 / max(photo.shape[:2])
    return cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA).astype(np.uint8)


def darker(photo: np.ndarray, factor: float, rng: random.Random, noise: float = 3) -> np.ndarray:
    generator = np.random.default_rng(rng.randint(0, 2**31))
    return np.clip(photo.astype(np.float32) * factor + generator.normal(0, noise, photo.shape), 0, 255).astype(np.uint8)


def blurred(photo: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(photo, (0, 0), sigma)


def shadowed(photo: np.ndarray, rng: random.Random) -> np.ndarray:
    """A hand's or a phone's shadow over half the page, with a soft edge."""
    width = photo.shape[1]
    xs = np.arange(width, dtype=np.float32)
    edge = width * rng.uniform(0.4, 0.6)
    shade = 0.45 + 0.55 / (1 + np.exp(-(xs - edge) / (width * 0.03)))
    if rng.random() < 0.5:
        shade = shade[::-1]
    return np.clip(photo.astype(np.float32) * shade[None, :, None], 0, 255).astype(np.uint8)


def table_texture(rng: random.Random) -> np.ndarray:
    """A wooden table and nothing on it: grain, knots, light."""
    generator = np.random.default_rng(rng.randint(0, 2**31))
    height, width = 1200, 1600
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = np.sin(xs / rng.uniform(6, 20) + 4 * np.sin(ys / rng.uniform(80, 200))) * 20
    base = np.array([rng.randint(70, 160), rng.randint(90, 170), rng.randint(120, 200)], dtype=np.float32)
    picture = base[None, None, :] + grain[..., None] + generator.normal(0, 6, (height, width, 3))
    return np.clip(picture, 0, 255).astype(np.uint8)


def scene(rng: random.Random) -> np.ndarray:
    """A room: shapes of every size and colour, nothing flat and white."""
    picture = np.zeros((1200, 1600, 3), np.uint8)
    picture[:] = (rng.randint(40, 200), rng.randint(40, 200), rng.randint(40, 200))
    for _ in range(rng.randint(20, 60)):
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        centre = (rng.randint(0, 1600), rng.randint(0, 1200))
        if rng.random() < 0.5:
            cv2.circle(picture, centre, rng.randint(20, 300), colour, -1)
        else:
            cv2.rectangle(
                picture, centre, (centre[0] + rng.randint(-400, 400), centre[1] + rng.randint(-300, 300)), colour, -1
            )
    return blurred(picture, 1.5)


def as_pil(picture: np.ndarray) -> Image.Image:
    if picture.ndim == 2:
        return Image.fromarray(picture)
    return Image.fromarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))


def classes(count: int, seed: int):
    """(class, expected problem or None, picture) for generated pictures."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # test pictures, not secrets
    for _ in range(count):
        photo = photographed(page_picture(page_pdf(rng)), rng)
        yield "good photo", None, photo
        yield "very dark (x0.15)", "dark", darker(photo, rng.uniform(0.1, 0.18), rng)
        yield "strongly blurred (sigma 5-7)", "blurred", blurred(photo, rng.uniform(5, 7))
        yield "dim and noisy (x0.45)", None, darker(photo, rng.uniform(0.4, 0.5), rng, noise=8)
        yield "slightly blurred (sigma 1-1.7)", None, blurred(photo, rng.uniform(1, 1.7))
        yield "shadow over half", None, shadowed(photo, rng)
        warm = np.clip(photo.astype(np.float32) * np.array([0.85, 0.95, 1.0], np.float32), 0, 255)
        yield "warm lamp or cream paper", None, warm.astype(np.uint8)
        slanted = photographed(page_picture(page_pdf(rng)), rng, slant=0.07, margin=0.12)
        yield "strong perspective", None, slanted
        yield "wooden table, no page", "no_page", table_texture(rng)
        yield "a room, no page", "no_page", scene(rng)


def real_pictures():
    for path in sorted((SHARED / "prescriptions").glob("*.jp*g")):
        kind = "real photo" if path.name.endswith("-photo.jpeg") else "real scan"
        yield kind, None, path
    for path in sorted((SHARED / "faces").glob("*.*")):
        if path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
            yield "face photo, no page", "no_page", path


def read_letters(image: Image.Image) -> int:
    from documents.ocr import get_engine

    page = get_engine().read_page(image.convert("RGB"))
    return sum(character.isalnum() for line in page.lines for character in line.text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ocr", action="store_true", help="also read each generated picture with the OCR engine")
    parser.add_argument("--measures", action="store_true", help="print each picture's measures")
    arguments = parser.parse_args()

    totals, flagged, right, readable = Counter(), Counter(), Counter(), Counter()
    expected_of = {}
    pictures = [
        (name, expected, as_pil(picture)) for name, expected, picture in classes(arguments.count, arguments.seed)
    ]
    pictures += [(name, expected, Image.open(path)) for name, expected, path in real_pictures()]
    for name, expected, image in pictures:
        problems = [problem.code for problem in photo_quality.assess(image)]
        expected_of[name] = expected
        totals[name] += 1
        flagged[name] += bool(problems)
        right[name] += problems == ([expected] if expected else [])
        if arguments.measures:
            picture = photo_quality.measured(image)
            gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
            print(
                f"{name:32} brightness {photo_quality.page_brightness(gray):5.0f}  "
                f"sharpness {photo_quality.sharpness(gray):5.3f}  "
                f"page (area, ink, colour) {photo_quality.page_region(picture)}  {problems}"
            )
        if arguments.ocr and not name.startswith(UNREAD):
            readable[name] += read_letters(image) >= 10
    print(
        f"{'class':32} {'expected':9} {'pictures':>8} {'flagged':>8} {'as expected':>12}"
        + ("  read by OCR" if arguments.ocr else "")
    )
    for name in totals:
        line = f"{name:32} {expected_of[name] or 'pass':9} {totals[name]:8} {flagged[name]:8} {right[name]:12}"
        if arguments.ocr and not name.startswith(UNREAD):
            line += f"  {readable[name]:>11}"
        print(line)


if __name__ == "__main__":
    main()
