import hashlib
import io
import struct

import pillow_heif
import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms

from documents.uploads import CheckedUpload, UploadRefused, check_upload, make_thumbnail

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
# The padding string of the PDF standard security handler (ISO 32000-1, 7.6.3.3).
PDF_PASSWORD_PADDING = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def image_bytes(image_format: str, size=(60, 40), mode="RGB", color=BLUE, **save_options) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format=image_format, **save_options)
    return output.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    output = io.BytesIO()
    document.save(output)
    document.close()
    return output.getvalue()


def handmade_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF with exact cross-reference offsets, for structures pdfium will not write."""
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_offset = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    output += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref_offset,
    )
    return bytes(output)


def rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    i = j = 0
    output = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        output.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(output)


def encrypted_pdf(*, needs_password: bool) -> bytes:
    """A one-page PDF encrypted with RC4 40 bits (revision 2). Readers check the password they have
    against /U: a /U made from the empty password opens without asking, any other /U asks for one."""
    owner_entry = b"\x11" * 32
    permissions = -4
    file_id = b"\x01" * 16
    key = hashlib.md5(  # noqa: S324 - the PDF format's own choice, reproduced to build the test file
        PDF_PASSWORD_PADDING + owner_entry + struct.pack("<i", permissions) + file_id
    ).digest()[:5]
    user_entry = rc4(b"\x22" * 5 if needs_password else key, PDF_PASSWORD_PADDING)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
    ]
    return handmade_pdf(objects, b"/Encrypt 4 0 R /ID [<%s> <%s>]" % (file_id.hex().encode(), file_id.hex().encode()))


def upload(content: bytes, name: str = "file", content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal_of(content: bytes, name: str = "file") -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(content, name))
    return refused.value


def stored_image(checked: CheckedUpload) -> Image.Image:
    image = Image.open(io.BytesIO(checked.content))
    image.load()
    return image


def is_close(pixel, expected, tolerance=40) -> bool:
    return all(abs(channel - wanted) <= tolerance for channel, wanted in zip(pixel, expected, strict=True))


class EndlessStream:
    """A stream that never ends, counting what was read from it."""

    def __init__(self, first_bytes: bytes):
        self.first_bytes = first_bytes
        self.bytes_read = 0

    def read(self, size: int) -> bytes:
        chunk = (self.first_bytes + b"\0" * size)[:size] if self.bytes_read == 0 else b"\0" * size
        self.bytes_read += len(chunk)
        return chunk


def test_it_refuses_an_empty_file():
    refusal = refusal_of(b"", "scan.pdf")

    assert refusal.code == "empty"
    assert refusal.messages == ["This file is empty. Please choose the file again."]


def test_it_refuses_a_file_over_the_size_limit_and_gives_the_limit_in_megabytes(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024

    refusal = refusal_of(b"%PDF-" + b"\0" * (1024 * 1024), "scan.pdf")

    assert refusal.code == "too_large"
    assert "larger than 1 MB" in refusal.messages[0]
    assert "smaller file" in refusal.messages[0]


def test_it_accepts_a_file_of_exactly_the_size_limit(settings):
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content)

    assert check_upload(upload(content)).page_count == 1


def test_it_stops_reading_a_huge_file_one_byte_past_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    stream = EndlessStream(b"%PDF-")

    with pytest.raises(UploadRefused):
        check_upload(stream, name="endless.pdf")

    assert stream.bytes_read == 3 * 1024 * 1024 + 1


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 100, "report.pdf"),
        (image_bytes("GIF"), "photo.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scan.png"),
        (b"Patient: Alice\nDiagnosis: none\n", "notes.pdf"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", "video.heic"),
    ],
    ids=["executable renamed to pdf", "gif", "svg", "text", "mp4 renamed to heic"],
)
def test_it_refuses_a_type_other_than_pdf_jpeg_png_webp_or_heic_whatever_the_name(content, name):
    refusal = refusal_of(content, name)

    assert refusal.code == "type_not_allowed"
    assert refusal.messages == [
        "This type of file is not accepted. Please send a PDF, or a JPEG, PNG, WebP or HEIC image."
    ]


def test_it_decides_the_type_by_content_not_by_name_or_client_content_type():
    checked = check_upload(upload(image_bytes("PNG"), "photo.pdf", content_type="application/pdf"))

    assert checked.content_type == "image/png"
    assert checked.extension == ".png"
    assert checked.display_name == "photo.png"


def test_it_re_encodes_a_jpeg_and_reports_its_size():
    checked = check_upload(upload(image_bytes("JPEG", size=(60, 40)), "IMG_0001.JPG"))

    assert checked.content_type == "image/jpeg"
    assert checked.extension == ".jpg"
    assert checked.display_name == "IMG_0001.JPG"
    assert (checked.width, checked.height, checked.page_count) == (60, 40, None)
    assert checked.size == len(checked.content)
    assert stored_image(checked).format == "JPEG"


def phone_photo() -> bytes:
    """60x40 as the sensor saw it, red in the top left corner, taken with the phone turned: Orientation 6
    means 'rotate 90° clockwise to show'. It carries the place it was taken, a comment and XMP."""
    image = Image.new("RGB", (60, 40), BLUE)
    image.paste(RED, (0, 0, 15, 10))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    output = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description city="Paris"/></x:xmpmeta>'
    image.save(output, format="JPEG", quality=95, exif=exif, comment=b"at home", xmp=xmp)
    return output.getvalue()


def test_it_turns_a_phone_photo_upright_and_strips_its_location_and_metadata():
    original = phone_photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    checked = check_upload(upload(original, "IMG_0002.jpg"))

    image = stored_image(checked)
    assert (checked.width, checked.height) == (40, 60) == image.size
    assert is_close(image.getpixel((35, 3)), RED)
    assert is_close(image.getpixel((3, 3)), BLUE)
    exif = image.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert ORIENTATION not in exif
    assert "comment" not in image.info
    assert "xmp" not in image.info
    assert b"Paris" not in checked.content


def test_it_keeps_the_colour_profile_of_an_image():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    checked = check_upload(upload(image_bytes("JPEG", icc_profile=profile)))

    assert stored_image(checked).info["icc_profile"] == profile


def test_it_converts_a_cmyk_jpeg_to_rgb_so_that_browsers_show_it():
    checked = check_upload(upload(image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))))

    image = stored_image(checked)
    assert image.mode == "RGB"
    assert is_close(image.getpixel((5, 5)), RED)


def test_it_keeps_the_transparency_of_a_png():
    image = Image.new("RGBA", (20, 20), (255, 0, 0, 255))
    image.putpixel((0, 0), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")

    checked = check_upload(upload(output.getvalue(), "logo.png"))

    stored = stored_image(checked)
    assert (checked.content_type, stored.mode) == ("image/png", "RGBA")
    assert stored.getpixel((0, 0))[3] == 0
    assert stored.getpixel((10, 10)) == (255, 0, 0, 255)


def test_it_keeps_the_transparency_of_a_palette_png():
    image = Image.new("P", (20, 20), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.putpixel((0, 0), 0)
    output = io.BytesIO()
    image.save(output, format="PNG", transparency=0)

    stored = stored_image(check_upload(upload(output.getvalue())))

    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0
    assert stored.getpixel((10, 10)) == (255, 0, 0, 255)


def test_it_keeps_a_webp_as_webp_with_its_transparency():
    checked = check_upload(upload(image_bytes("WEBP", mode="RGBA", color=(0, 0, 255, 0), lossless=True), "a.webp"))

    stored = stored_image(checked)
    assert (checked.content_type, checked.extension, stored.format) == ("image/webp", ".webp", "WEBP")
    assert stored.mode == "RGBA"
    assert stored.getpixel((5, 5))[3] == 0


def heic_bytes() -> bytes:
    if not pillow_heif.libheif_info()["HEIF"]:
        pytest.skip("this pillow-heif build has no HEVC encoder, so no HEIC file can be made for the test")
    pillow_heif.register_heif_opener()
    return image_bytes("HEIF", size=(64, 48), color=RED)


def test_it_converts_a_heic_photo_to_jpeg():
    content = heic_bytes()

    checked = check_upload(upload(content, "IMG_1.HEIC"))

    image = stored_image(checked)
    assert (checked.content_type, checked.extension, checked.display_name) == ("image/jpeg", ".jpg", "IMG_1.jpg")
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert is_close(image.getpixel((30, 20)), RED)


def test_it_refuses_an_image_with_more_pixels_than_allowed_before_decoding_it(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    # One colour compresses to almost nothing: a few kilobytes that would take 100 MB once decoded.
    bomb = image_bytes("PNG", size=(10_000, 10_000), mode="1", color=0)
    assert len(bomb) < 100_000

    refusal = refusal_of(bomb, "bomb.png")

    assert refusal.code == "too_many_pixels"
    assert refusal.messages == ["This image has more than 1 megapixels. Please resize it and send it again."]


def test_it_refuses_an_image_over_the_pixel_limit_that_pillow_would_let_through(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000

    assert refusal_of(image_bytes("PNG", size=(1001, 1000), mode="1", color=0)).code == "too_many_pixels"


def test_a_check_that_needs_more_memory_than_its_process_may_have_is_refused_not_a_crash(settings):
    # Less than the child already has mapped: the first allocation of the check fails.
    settings.UPLOAD_CHECK_MEMORY_BYTES = 16 * 1024 * 1024

    refusal = refusal_of(image_bytes("PNG", size=(600, 400)))

    assert refusal.code == "too_costly"
    assert "too much time or memory" in refusal.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        image_bytes("JPEG", size=(200, 200), color=(10, 200, 30), quality=100)[:400],
        b"\xff\xd8\xff\xe0" + b"\x13" * 500,
        image_bytes("PNG", size=(300, 300), mode="RGB", color=RED)[:-40],
    ],
    ids=["truncated jpeg", "jpeg signature then garbage", "truncated png"],
)
def test_it_refuses_a_damaged_image(content):
    refusal = refusal_of(content, "photo.jpg")

    assert refusal.code == "corrupt_image"
    assert "could not be read" in refusal.messages[0]
    assert "send the new file" in refusal.messages[0]


def test_it_refuses_a_truncated_jpeg_of_a_real_looking_photo():
    output = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(output, format="JPEG")

    assert refusal_of(output.getvalue()[: len(output.getvalue()) // 2]).code == "corrupt_image"


def test_it_stores_a_pdf_written_again_from_its_objects_and_counts_its_pages():
    content = pdf_bytes(pages=3)

    checked = check_upload(upload(content, "Ordonnance Dr Martin.pdf"))

    assert len(pdfium.PdfDocument(checked.content)) == 3
    assert checked == CheckedUpload(
        content=checked.content,
        content_type="application/pdf",
        extension=".pdf",
        display_name="Ordonnance Dr Martin.pdf",
        size=len(checked.content),
        width=None,
        height=None,
        page_count=3,
    )


def test_it_refuses_a_truncated_pdf():
    content = pdf_bytes(pages=3)

    refusal = refusal_of(content[: len(content) // 2], "scan.pdf")

    assert refusal.code == "corrupt_pdf"
    assert "could not be read" in refusal.messages[0]


def test_it_refuses_a_pdf_whose_pages_cannot_be_loaded():
    content = handmade_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [9 0 R] /Count 1 >>"])

    assert refusal_of(content).code == "corrupt_pdf"


def test_it_refuses_a_pdf_without_pages():
    content = handmade_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])

    assert refusal_of(content).code == "corrupt_pdf"


def test_it_refuses_a_password_protected_pdf_and_says_so():
    refusal = refusal_of(encrypted_pdf(needs_password=True), "results.pdf")

    assert refusal.code == "corrupt_pdf"
    assert "Password-protected PDFs are not accepted" in refusal.messages[0]
    assert "remove the password" in refusal.messages[0]


def test_it_accepts_an_encrypted_pdf_that_opens_without_a_password():
    # Labs often restrict printing or copying with an owner password only; every viewer opens these.
    checked = check_upload(upload(encrypted_pdf(needs_password=False), "results.pdf"))

    assert checked.page_count == 1


def test_it_refuses_a_pdf_with_too_many_pages(settings):
    settings.UPLOAD_MAX_PDF_PAGES = 2

    refusal = refusal_of(pdf_bytes(pages=3), "dossier.pdf")

    assert refusal.code == "too_many_pages"
    assert refusal.messages == ["This PDF has 3 pages; the limit is 2. Please split it into smaller files."]


@pytest.mark.parametrize(
    ("name", "display_name"),
    [
        ("C:\\Users\\alice\\Documents\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("bilan\x00\r\n\x1b[31m.pdf", "bilan[31m.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe.pdf"),
        ("report", "report.pdf"),
        ("", "document.pdf"),
        ("   ", "document.pdf"),
        ("scan.PDF", "scan.PDF"),
        ("photo.jpg", "photo.pdf"),
        ("Compte rendu.v2", "Compte rendu.v2.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
        ("e\u0301chographie.pdf", "\u00e9chographie.pdf"),
    ],
)
def test_it_cleans_the_name_for_display(name, display_name):
    checked = check_upload(upload(pdf_bytes()), name=name)

    assert checked.display_name == display_name
    assert len(checked.display_name) <= 200


def test_it_accepts_any_binary_file_object():
    content = pdf_bytes()

    checked = check_upload(io.BytesIO(content))

    assert (checked.content_type, checked.display_name) == ("application/pdf", "document.pdf")


def test_it_reads_the_file_from_the_start_even_if_it_was_read_before():
    uploaded = upload(pdf_bytes(), "scan.pdf")
    uploaded.read()

    assert check_upload(uploaded).page_count == 1


def thumbnail_size(thumbnail: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(thumbnail))
    assert image.format == "JPEG"
    return image.size


def test_it_makes_a_jpeg_thumbnail_of_an_image_no_larger_than_max_size():
    assert thumbnail_size(make_thumbnail(image_bytes("JPEG", size=(1200, 800)), "image/jpeg")) == (480, 320)
    assert thumbnail_size(make_thumbnail(image_bytes("PNG", size=(300, 900)), "image/png", max_size=90)) == (30, 90)


def test_it_makes_a_thumbnail_with_white_where_an_image_was_transparent():
    content = image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))

    thumbnail = Image.open(io.BytesIO(make_thumbnail(content, "image/png")))

    assert is_close(thumbnail.getpixel((5, 5)), (255, 255, 255))


def test_it_makes_a_jpeg_thumbnail_of_the_first_page_of_a_pdf():
    width, height = thumbnail_size(make_thumbnail(pdf_bytes(pages=2), "application/pdf"))

    assert max(width, height) <= 480
    assert height == 480


def test_it_makes_a_thumbnail_of_a_pdf_at_the_size_asked():
    assert max(thumbnail_size(make_thumbnail(pdf_bytes(), "application/pdf", max_size=100))) <= 100


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"\xff\xd8\xff\xe0 not a picture", "image/jpeg", "corrupt_image"),
        (image_bytes("PNG"), "image/jpeg", "corrupt_image"),
        (b"%PDF-1.7 not a document", "application/pdf", "corrupt_pdf"),
    ],
)
def test_it_refuses_to_make_a_thumbnail_of_a_damaged_file(content, content_type, code):
    with pytest.raises(UploadRefused) as refused:
        make_thumbnail(content, content_type)

    assert refused.value.code == code
