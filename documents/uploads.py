"""Checks an uploaded file by its content and prepares the bytes that get stored.

Nothing here trusts the file name or the browser's content type: the type comes from the magic bytes,
images are fully decoded and re-encoded (which drops EXIF, GPS and XMP), PDFs are opened with PDFium.
Nothing is logged: file names and contents are health data.
"""

import dataclasses
import io
import threading
import time
import unicodedata
import warnings
import zlib
from dataclasses import dataclass, field

import pikepdf
import pillow_heif
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from documents.isolation import ChildUsage, LimitExceeded, Limits, run_isolated

pillow_heif.register_heif_opener()

ALLOWED_CONTENT_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic"}

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_PDF_PAGES = 100
# What a PDF's compressed streams may inflate to, all together: a scanned 100-page PDF inflates to far
# less (its pictures are JPEGs, which are not inflated here); a "zip bomb" PDF to gigabytes.
DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024
DEFAULT_CHECK_CPU_SECONDS = 30
DEFAULT_CHECK_MEMORY_BYTES = 1536 * 1024 * 1024
DEFAULT_CHECK_WALL_SECONDS = 30
DEFAULT_CHECK_REQUEST_SECONDS = 45
MAX_DISPLAY_NAME_LENGTH = 200

# The Pillow format each image type is opened with, and what it is stored as (HEIC is not shown by
# most browsers, so it becomes a JPEG).
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
STORED_TYPES = {
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/webp": "image/webp",
    "image/heic": "image/jpeg",
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# Extensions a display name may already carry; any of them is replaced by the stored type's own.
KNOWN_EXTENSIONS = {"pdf", "jpg", "jpeg", "jpe", "jfif", "png", "webp", "heic", "heif", "hif"}
ACCEPTED_EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}

# PDFium is not thread-safe, even across different documents, and web servers run requests in threads.
PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class CheckedUpload:
    # Left out of repr so that an error report or a log line cannot carry health data.
    content: bytes = field(repr=False)
    content_type: str
    extension: str
    display_name: str = field(repr=False)
    size: int
    width: int | None = None
    height: int | None = None
    page_count: int | None = None


class UploadRefused(ValidationError):
    """A file the user has to fix before sending it again; the message says what and how."""


# Refusals because the file is too big (HTTP 413); any other refusal is an invalid file (HTTP 400).
TOO_LARGE_CODES = {"too_large", "too_many_pixels", "too_many_pages", "inflates_too_much", "too_costly"}


def refusal_status(refusal: ValidationError) -> int:
    return 413 if {error.code for error in refusal.error_list} & TOO_LARGE_CODES else 400


@dataclass(frozen=True)
class ContentLimits:
    """The limits of the checks, read from the settings in the web process and sent to the child."""

    max_pixels: int
    max_pdf_pages: int
    max_inflated_bytes: int


def content_limits() -> ContentLimits:
    return ContentLimits(
        max_pixels=getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS),
        max_pdf_pages=getattr(settings, "UPLOAD_MAX_PDF_PAGES", DEFAULT_MAX_PDF_PAGES),
        max_inflated_bytes=getattr(settings, "UPLOAD_MAX_INFLATED_BYTES", DEFAULT_MAX_INFLATED_BYTES),
    )


def process_limits() -> Limits:
    return Limits(
        cpu_seconds=getattr(settings, "UPLOAD_CHECK_CPU_SECONDS", DEFAULT_CHECK_CPU_SECONDS),
        memory_bytes=getattr(settings, "UPLOAD_CHECK_MEMORY_BYTES", DEFAULT_CHECK_MEMORY_BYTES),
        wall_seconds=getattr(settings, "UPLOAD_CHECK_WALL_SECONDS", DEFAULT_CHECK_WALL_SECONDS),
    )


def upload_deadline() -> float:
    """When the checks of one request's files must be over (time.monotonic()): a request of many hostile
    files ends with refusals before the web server's own timeout, never with its worker killed."""
    return time.monotonic() + getattr(settings, "UPLOAD_CHECK_REQUEST_SECONDS", DEFAULT_CHECK_REQUEST_SECONDS)


def check_upload(
    uploaded, *, name: str | None = None, usage: ChildUsage | None = None, deadline: float | None = None
) -> CheckedUpload:
    max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    content = _read_at_most(uploaded, max_bytes + 1)
    if not content:
        raise UploadRefused(_("This file is empty. Please choose the file again."), code="empty")
    if len(content) > max_bytes:
        raise UploadRefused(
            _("This file is larger than %(limit)s MB. Please send a smaller file, such as a lower resolution scan."),
            code="too_large",
            params={"limit": _rounded(max_bytes / (1024 * 1024))},
        )
    detected_type = detect_content_type(content)
    if detected_type is None:
        raise UploadRefused(
            _("This type of file is not accepted. Please send a PDF, or a JPEG, PNG, WebP or HEIC image."),
            code="type_not_allowed",
        )
    original_name = name if name is not None else getattr(uploaded, "name", None)
    checked = _isolated(check_content, content, detected_type, content_limits(), usage=usage, deadline=deadline)
    return dataclasses.replace(checked, display_name=_clean_display_name(original_name, checked.content_type))


def check_content(content: bytes, detected_type: str, limits: ContentLimits) -> CheckedUpload:
    """Runs in the isolated child: parses the file, refuses it or gives the bytes to store."""
    # The child runs one check in one thread: Pillow's own guard can take the limit.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        if detected_type == "application/pdf":
            return _checked_pdf(content, limits)
        return _checked_image(content, detected_type, limits)
    except (UploadRefused, MemoryError):
        raise  # a MemoryError is the process's limit, which the parent reports as such
    except Exception as error:
        # A parser's own failure on a hostile file is a damaged file, never a server error.
        raise _corrupt_pdf() if detected_type == "application/pdf" else _corrupt_image() from error


def _isolated(function, *args, usage: ChildUsage | None = None, deadline: float | None = None):
    limits = process_limits()
    if deadline is not None:
        limits = dataclasses.replace(limits, wall_seconds=min(limits.wall_seconds, deadline - time.monotonic()))
    try:
        if limits.wall_seconds <= 0:
            raise LimitExceeded("time")
        return run_isolated(function, *args, limits=limits, usage=usage)
    except LimitExceeded:
        raise UploadRefused(
            _(
                "This file needs too much time or memory to be checked, so it was not accepted. "
                "Please send a simpler or smaller file, for example a new scan or a PDF printed again."
            ),
            code="too_costly",
        ) from None


def make_thumbnail(content: bytes, content_type: str, *, max_size: int = 480) -> bytes:
    if content_type != "application/pdf" and content_type not in PILLOW_FORMATS:
        raise ValueError(f"No thumbnail for {content_type}")
    return _isolated(thumbnail_of, content, content_type, max_size, content_limits().max_pixels)


def thumbnail_of(content: bytes, content_type: str, max_size: int, max_pixels: int) -> bytes:
    """Runs in the isolated child."""
    if content_type == "application/pdf":
        image = _first_page_image(content, max_size)
    else:
        image = decoded_image(content, PILLOW_FORMATS[content_type], max_pixels=max_pixels)
    image = without_transparency(image)
    image.thumbnail((max_size, max_size))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return output.getvalue()


def detect_content_type(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def _read_at_most(uploaded, limit: int) -> bytes:
    # A form's validation may already have read the file.
    if getattr(uploaded, "seekable", lambda: False)():
        uploaded.seek(0)
    chunks = []
    remaining = limit
    # read(n) may return fewer bytes than asked (sockets, raw streams) before the end.
    while remaining > 0:
        chunk = uploaded.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _checked_image(content: bytes, content_type: str, limits: ContentLimits) -> CheckedUpload:
    stored_type = STORED_TYPES[content_type]
    image = decoded_image(content, PILLOW_FORMATS[content_type], max_pixels=limits.max_pixels)
    stored = _reencoded(image, stored_type)
    return CheckedUpload(
        content=stored,
        content_type=stored_type,
        extension=EXTENSIONS[stored_type],
        display_name="",
        size=len(stored),
        width=image.width,
        height=image.height,
    )


def decoded_image(content: bytes, pillow_format: str, *, max_pixels: int | None = None) -> Image.Image:
    """The fully decoded image, upright; refuses bombs before decoding and damaged files while decoding."""
    if max_pixels is None:
        max_pixels = getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; changing that global is not thread-safe,
    # so the warning is made an error here, and the stricter limit is checked on the header's size.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=[pillow_format])
            if image.width * image.height > max_pixels:
                raise _too_many_pixels(max_pixels)
            image.load()
            return ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise _corrupt_image() from error


def _corrupt_image() -> UploadRefused:
    return UploadRefused(
        _(
            "This image could not be read: it may be damaged or incomplete. "
            "Please export or take the picture again and send the new file."
        ),
        code="corrupt_image",
    )


def _too_many_pixels(max_pixels: int) -> UploadRefused:
    return UploadRefused(
        _("This image has more than %(limit)s megapixels. Please resize it and send it again."),
        code="too_many_pixels",
        params={"limit": _rounded(max_pixels / 1_000_000)},
    )


def _reencoded(image: Image.Image, stored_type: str) -> bytes:
    """New bytes from the pixels alone: EXIF (GPS included), XMP and comments are not carried over."""
    icc_profile = image.info.get("icc_profile")
    if stored_type == "image/jpeg":
        image = _for_jpeg(image, icc_profile)
        options = {"format": "JPEG", "quality": 90}
    elif stored_type == "image/png":
        image = _for_png(image)
        options = {"format": "PNG"}
    else:
        image = _for_webp(image)
        options = {"format": "WEBP", "quality": 90}
    if _profile_fits(icc_profile, image.mode):
        options["icc_profile"] = icc_profile
    # Encoders read some metadata (a JPEG comment, a PNG's dpi) from info; only what is passed is kept.
    image.info = {}
    output = io.BytesIO()
    image.save(output, **options)
    return output.getvalue()


def _for_jpeg(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    if image.mode == "CMYK":
        return _cmyk_to_rgb(image, icc_profile)
    if image.mode == "L":
        return image.copy()
    return without_transparency(image)


def _for_png(image: Image.Image) -> Image.Image:
    if image.mode in {"1", "L", "LA", "I", "I;16", "RGB", "RGBA"}:
        return image.copy()
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _for_webp(image: Image.Image) -> Image.Image:
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def without_transparency(image: Image.Image) -> Image.Image:
    """RGB; transparent areas become white, as they look on a page, rather than black."""
    if not image.has_transparency_data:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _cmyk_to_rgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    # Browsers show CMYK JPEGs badly or not at all; the embedded profile gives the faithful conversion.
    if icc_profile:
        try:
            return ImageCms.profileToProfile(
                image, io.BytesIO(icc_profile), ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except ImageCms.PyCMSError:
            pass
    return image.convert("RGB")


def _profile_fits(icc_profile: bytes | None, mode: str) -> bool:
    """An ICC profile describes one colour space (bytes 16-20 of its header); a mismatch breaks viewers."""
    if not icc_profile or len(icc_profile) < 20:
        return False
    colour_space = icc_profile[16:20]
    if mode in {"RGB", "RGBA"}:
        return colour_space == b"RGB "
    if mode in {"L", "LA", "I", "I;16"}:
        return colour_space == b"GRAY"
    return False


def _checked_pdf(content: bytes, limits: ContentLimits) -> CheckedUpload:
    max_pages = limits.max_pdf_pages
    # The bomb check comes first (PDFium inflates a page's streams when it loads the page), then PDFium
    # judges the file as sent (qpdf would quietly repair a truncated one), then the cleaned file is stored.
    cleaned = neutralised_pdf(content, limits)
    _check_pdf_pages(content, max_pages)
    return CheckedUpload(
        content=cleaned,
        content_type="application/pdf",
        extension=".pdf",
        display_name="",
        size=len(cleaned),
        page_count=_check_pdf_pages(cleaned, max_pages),
    )


def _check_pdf_pages(content: bytes, max_pages: int) -> int:
    with PDFIUM_LOCK:
        document = _open_pdf(content)
        try:
            page_count = len(document)
            if page_count > max_pages:
                raise UploadRefused(
                    _("This PDF has %(count)s pages; the limit is %(limit)s. Please split it into smaller files."),
                    code="too_many_pages",
                    params={"count": page_count, "limit": max_pages},
                )
            _check_pages_load(document)
        finally:
            document.close()
    return page_count


# --- Active content ---------------------------------------------------------------------------------
#
# PDFs are cleaned, not refused, when they carry active content: a hospital's PDF often has an
# OpenAction or a form script that the patient cannot remove. pikepdf (qpdf) parses the file and the
# actions that run code, open other files or send data are removed; the file is then written again
# from the parsed objects alone, so bytes before the header or after the last %%EOF (an HTML page in a
# PDF/HTML polyglot), unreachable objects and embedded files do not survive. A file in which active
# content is still found after cleaning is refused.

# Actions that run code, open or fetch another file, or send data out (ISO 32000-2 §12.6.4).
ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/GoToR",
    "/GoToE",
    "/ImportData",
    "/SubmitForm",
    "/RichMediaExecute",
    "/Rendition",
    "/Sound",
    "/Movie",
}
# Annotations that play or carry content of their own.
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
# Keys that only ever trigger actions or carry active content: removed wherever they are.
ACTIVE_KEYS = {"/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/XFA", "/RichMediaContent"}
IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"}
FLATE_FILTERS = {"/FlateDecode", "/Fl"}


def neutralised_pdf(content: bytes, limits: ContentLimits) -> bytes:
    """The PDF written again without its active content; refuses bombs and what cannot be cleaned."""
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError:
        raise _password_protected() from None
    except pikepdf.PdfError as error:
        raise _corrupt_pdf() from error
    with pdf:
        _check_inflated_size(pdf, limits)
        for item in pdf.objects:
            _remove_active_content(item)
        _remove_active_content(pdf.trailer)
        output = io.BytesIO()
        pdf.save(output, deterministic_id=True)
    cleaned = output.getvalue()
    with pikepdf.open(io.BytesIO(cleaned)) as written:
        if any(_has_active_content(item) for item in [*written.objects, written.trailer]):
            raise UploadRefused(
                _(
                    "This PDF contains scripts or embedded files that could not be removed. "
                    "Please print it again to a new PDF and send that file."
                ),
                code="active_content",
            )
    return cleaned


def _check_inflated_size(pdf: pikepdf.Pdf, limits: ContentLimits) -> None:
    """Counts what the streams inflate to, without keeping it, and stops as soon as the budget is spent."""
    total = 0
    for item in pdf.objects:
        if not isinstance(item, pikepdf.Stream):
            continue
        if item.get("/Subtype") == "/Image":
            # A picture decodes to its declared size, line by line as it is drawn, whatever its stream
            # would inflate to: its pixel count is what is limited, as for an uploaded image. (Scans of
            # a hundred pages are mostly pictures: counting them would refuse honest files.)
            if _declared_pixels(item) > limits.max_pixels:
                raise _too_many_pixels(limits.max_pixels)
            continue
        filters = item.get("/Filter")
        names = [str(name) for name in filters] if isinstance(filters, pikepdf.Array) else [str(filters or "")]
        if not names[0] or names[0] in IMAGE_FILTERS:
            total += len(item.read_raw_bytes())
        elif names[0] in FLATE_FILTERS:
            total += _inflated_size(item.read_raw_bytes(), limits.max_inflated_bytes - total + 1)
        else:
            # Rare filters (LZW, ASCII85, run length) are decoded whole; the child's memory limit bounds them.
            total += len(item.read_bytes(pikepdf.StreamDecodeLevel.generalized))
        if total > limits.max_inflated_bytes:
            raise UploadRefused(
                _(
                    "This PDF holds more data than it shows (it unpacks to more than %(limit)s MB). "
                    "Please print it again to a new PDF and send that file."
                ),
                code="inflates_too_much",
                params={"limit": _rounded(limits.max_inflated_bytes / (1024 * 1024))},
            )


def _declared_pixels(image: pikepdf.Stream) -> int:
    try:
        return int(image.get("/Width", 0)) * int(image.get("/Height", 0))
    except (TypeError, ValueError):
        return 0  # PDFium refuses an image without a usable size; nothing is decoded


def _inflated_size(raw: bytes, budget: int) -> int:
    """What zlib data inflates to, counted one megabyte at a time; stops past `budget`."""
    decompressor = zlib.decompressobj()
    total = 0
    data = raw
    try:
        while data and total <= budget and not decompressor.eof:
            total += len(decompressor.decompress(data, 1024 * 1024))
            data = decompressor.unconsumed_tail
    except zlib.error:
        pass  # readers show what inflated before the damage; so is it counted
    return total


def _remove_active_content(item, depth: int = 0) -> None:
    if depth > 50:
        return
    if isinstance(item, pikepdf.Dictionary | pikepdf.Stream):
        for key in list(item.keys()):
            value = item.get(key)
            if key in ACTIVE_KEYS or _is_active_action(value) or (key == "/Next" and _holds_active_action(value)):
                del item[key]
            elif key == "/Annots" and isinstance(value, pikepdf.Array):
                kept = [annotation for annotation in value if not _is_active_annotation(annotation)]
                if len(kept) != len(value):
                    item[key] = pikepdf.Array(kept)
            elif _is_direct_container(value):
                _remove_active_content(value, depth + 1)
    elif isinstance(item, pikepdf.Array):
        for value in item:
            if _is_direct_container(value):
                _remove_active_content(value, depth + 1)


def _has_active_content(item, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if isinstance(item, pikepdf.Dictionary | pikepdf.Stream):
        if _is_active_action(item) or _is_active_annotation(item) or item.get("/Type") == "/EmbeddedFile":
            return True
        keys = list(item.keys())  # a Stream's keys are its dictionary's
        if any(key in ACTIVE_KEYS for key in keys):
            return True
        values = [item.get(key) for key in keys]
        return any(_is_direct_container(value) and _has_active_content(value, depth + 1) for value in values)
    if isinstance(item, pikepdf.Array):
        return any(_is_direct_container(value) and _has_active_content(value, depth + 1) for value in item)
    return False


def _is_direct_container(value) -> bool:
    # Indirect objects are visited on their own, from pdf.objects.
    return isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect


def _is_active_action(value) -> bool:
    return isinstance(value, pikepdf.Dictionary) and str(value.get("/S", "")) in ACTIVE_ACTIONS


def _holds_active_action(value) -> bool:
    return _is_active_action(value) or (
        isinstance(value, pikepdf.Array) and any(_is_active_action(action) for action in value)
    )


def _is_active_annotation(value) -> bool:
    return isinstance(value, pikepdf.Dictionary) and str(value.get("/Subtype", "")) in ACTIVE_ANNOTATIONS


def _open_pdf(content: bytes) -> pdfium.PdfDocument:
    """Call with PDFIUM_LOCK held."""
    try:
        return pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_raw.FPDF_ERR_PASSWORD:
            raise _password_protected() from None
        raise _corrupt_pdf() from error


def _password_protected() -> UploadRefused:
    return UploadRefused(
        _(
            "Password-protected PDFs are not accepted. "
            "Please remove the password (for example by printing the document to a new PDF) and send it again."
        ),
        code="corrupt_pdf",
    )


def _check_pages_load(document: pdfium.PdfDocument) -> None:
    """A PDF with a broken page tree opens fine but cannot be shown: refuse it now, while the user still
    has the file at hand, rather than fail later when someone opens it."""
    for index in range(len(document)):
        try:
            document[index].close()
        except pdfium.PdfiumError as error:
            raise _corrupt_pdf() from error


def _corrupt_pdf() -> UploadRefused:
    return UploadRefused(
        _(
            "This PDF could not be read: it may be damaged or incomplete. "
            "Please save or export it again and send the new file."
        ),
        code="corrupt_pdf",
    )


def _first_page_image(content: bytes, max_size: int) -> Image.Image:
    with PDFIUM_LOCK:
        document = _open_pdf(content)
        try:
            page = document[0]
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise _corrupt_pdf()
            bitmap = page.render(scale=max_size / max(width, height))
            # A copy: the bitmap's memory belongs to PDFium, which frees it on its own schedule.
            return bitmap.to_pil().convert("RGB")
        except pdfium.PdfiumError as error:
            raise _corrupt_pdf() from error
        finally:
            document.close()


def _clean_display_name(original_name: str | None, stored_type: str) -> str:
    """The name shown to people: no folders, no control or direction characters, the stored type's
    extension (IMG_1.HEIC becomes IMG_1.jpg, a PDF sent as scan.exe becomes scan.exe.pdf)."""
    name = unicodedata.normalize("NFC", original_name or "")
    # Some browsers send the full Windows path.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if unicodedata.category(character) not in {"Cc", "Cf", "Zl", "Zp"})
    name = name.strip().strip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() in ACCEPTED_EXTENSIONS[stored_type]:
        suffix = f".{extension}"
    else:
        suffix = EXTENSIONS[stored_type]
        if extension.lower() not in KNOWN_EXTENSIONS:
            stem = name
    stem = stem.strip() or "document"
    return stem[: MAX_DISPLAY_NAME_LENGTH - len(suffix)].rstrip() + suffix


def _formatted_rounded(value: float) -> str:
    """20.0 -> "20", 2.5 -> "2.5" (or "2,5" in French)."""
    value = float(f"{value:.3g}")
    return number_format(int(value) if value.is_integer() else value)


# Lazy: a refusal made in the isolated child is formatted in the language of the request, in the parent.
_rounded = lazy(_formatted_rounded, str)
