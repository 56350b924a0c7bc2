"""E-prescription QR code benchmark: the time `documents.eprescription.identifier_in` adds to a reading, per page.

Prescriptions made here (tests/eprescriptions.py: a PDF with the code, its dim tilted phone photo, the same at
12 megapixels) and, without a code, each PDF, scan and photo of a folder of real prescriptions: a page without a
code is the slowest case (every attempt is made). Prints the median and the maximum of five runs.

    .venv/bin/python bench/eprescription.py [/path/to/prescriptions]
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

import pypdfium2 as pdfium
from PIL import Image

from documents.eprescription import identifier_in
from tests.eprescriptions import phone_photo, prescription_pdf

RUNS = 5
TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def pages_of(content: bytes, content_type: str) -> int:
    if content_type != "application/pdf":
        return 1
    document = pdfium.PdfDocument(content)
    try:
        return len(document)
    finally:
        document.close()


def measure(label: str, content: bytes, content_type: str) -> list[float]:
    pages = pages_of(content, content_type)
    found = identifier_in(content, content_type)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        identifier_in(content, content_type)
        times.append((time.perf_counter() - started) / pages)
    print(
        f"{label:48} {'code' if found else 'none':5} {statistics.median(times) * 1000:6.0f} ms/page"
        f" (max {max(times) * 1000:.0f})"
    )
    return times


def twelve_megapixels(photo: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo)).resize((3000, 4000)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=Path(__file__).parent.parent / "tests/data/prescriptions")
    folder = Path(parser.parse_args().folder)
    with_code, without_code = prescription_pdf(), prescription_pdf(qr_text=None)
    measure("PDF with the code, 1 page", with_code, "application/pdf")
    measure("PDF with a 12 mm code on page 3 of 3", prescription_pdf(qr_size_mm=12, pages=3), "application/pdf")
    measure("PDF without a code", without_code, "application/pdf")
    measure("photo 1241x1754, dim and tilted, with the code", phone_photo(with_code), "image/jpeg")
    measure("photo 1241x1754 without a code", phone_photo(without_code), "image/jpeg")
    measure("photo 3000x4000 with the code", twelve_megapixels(phone_photo(with_code)), "image/jpeg")
    measure("photo 3000x4000 without a code", twelve_megapixels(phone_photo(without_code)), "image/jpeg")
    by_kind: dict[str, list[float]] = {}
    for path in sorted(folder.iterdir()):
        content_type = TYPES.get(path.suffix.lower())
        if content_type is None:
            continue
        kind = "photo" if "-photo" in path.stem else path.suffix.lower().lstrip(".")
        by_kind.setdefault(kind, []).extend(measure(path.name, path.read_bytes(), content_type))
    for kind, times in by_kind.items():
        print(f"{kind}: median {statistics.median(times) * 1000:.0f} ms/page, max {max(times) * 1000:.0f} ms/page")


if __name__ == "__main__":
    main()
