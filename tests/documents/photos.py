"""Pages drawn for the OCR tests, and photographed badly with OpenCV: a dim table, the sheet in
perspective, the phone's shadow across half of it, a tilt."""

import cv2
import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image

LINES = [
    "Dr Claire MARTIN - Médecine générale",
    "Le 12/03/2026",
    "DOLIPRANE 1000 mg, comprimé",
    "1 comprimé matin, midi et soir pendant 5 jours",
    "AMOXICILLINE 1 g gélule",
    "1 gélule matin et soir pendant 7 jours",
]
DPI = 110
# Where the sheet's corners land on the photo (top left, top right, bottom right, bottom left), as shares.
SHEET = np.float64([[0.22, 0.12], [0.80, 0.16], [0.86, 0.90], [0.14, 0.86]])


def page_picture(lines: list[str] | None = None, stained: set[int] = frozenset(), stain: float = 0.08) -> np.ndarray:
    """The page at 110 dpi; the lines at the indexes in `stained` spattered with ink, `stain` of their area."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=14)
    rows = []
    for line in lines or LINES:
        rows.append((pdf.get_y(), pdf.get_y() + 14))
        pdf.cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")
    document = pdfium.PdfDocument(bytes(pdf.output()))
    picture = np.array(document[0].render(scale=DPI / 72).to_pil().convert("L"))
    document.close()
    spatter = np.random.default_rng(11)
    for index in stained:
        top, bottom = (round(millimetres * DPI / 25.4) for millimetres in rows[index])
        specks = spatter.random(picture[top:bottom].shape) < stain
        picture[top:bottom][specks] = 60
    return picture


def bad_photo(page: np.ndarray, *, shadow: bool = True, tilt: float = 0.0) -> Image.Image:
    """The page on a dark green table, in perspective, dim and noisy, the lower half in shadow."""
    height, width = page.shape
    canvas_w, canvas_h = 1100, 1300
    target = np.float32(SHEET * (canvas_w, canvas_h))
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [width, 0], [width, height], [0, height]]), target)
    sheet = cv2.warpPerspective(page.astype(np.float32), warp, (canvas_w, canvas_h), borderValue=-1)
    table = np.float32([40, 70, 45])
    photo = np.where(sheet[..., None] < 0, table, np.repeat(sheet[..., None], 3, axis=2) * 0.55)
    if shadow:
        photo[canvas_h // 2 :] *= 0.45
    rng = np.random.default_rng(7)
    photo = np.clip(photo + rng.normal(0, 3, photo.shape), 0, 255).astype(np.uint8)
    if tilt:
        matrix = cv2.getRotationMatrix2D((canvas_w / 2, canvas_h / 2), -tilt, 1.0)
        photo = cv2.warpAffine(photo, matrix, (canvas_w, canvas_h), borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(photo)
