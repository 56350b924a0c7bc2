import random
import xml.etree.ElementTree as ElementTree
from io import BytesIO

import pypdfium2
import pytest
from django.utils import translation
from PIL import Image, ImageDraw, ImageFilter

from sharing import heartcode
from sharing.heartcode import QRDecodeError, decode_qr, qr_png, qr_svg, wallet_card_pdf, wallet_card_png


@pytest.fixture(autouse=True)
def english():
    """The messages are checked in English, the language they are written in."""
    with translation.override("en"):
        yield


URL = "https://relyfe.example.org/e/q2Vx8mKf0aLr7TzYb4NcW1pHs9JdE3uGi6OkQ5nMvXo/"
INSTRUCTIONS = "In an emergency, scan this code"


def card(name: str = "Alice Martin") -> bytes:
    return wallet_card_png(name=name, url=URL, instructions=INSTRUCTIONS)


def encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def phone_photo(card_png: bytes, *, angle: float) -> bytes:
    """The printed card as a phone sees it: on a textured table, turned, a little blurred, JPEG-compressed."""
    rng = random.Random(7)
    table = Image.effect_noise((2600, 1950), 30).convert("RGB")
    draw = ImageDraw.Draw(table)
    for _ in range(60):
        x, y = rng.randrange(2600), rng.randrange(1950)
        grey = rng.randrange(90, 170)
        draw.line((x, y, x + rng.randrange(100, 600), y + rng.randrange(-40, 40)), fill=(grey, grey, grey), width=6)
    printed = Image.open(BytesIO(card_png)).resize((1250, 789))
    table.paste(printed, (650, 560))
    photo = table.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(120, 120, 120))
    photo = photo.filter(ImageFilter.GaussianBlur(1.6))
    photo.thumbnail((1600, 1600))
    return encode(photo, "JPEG", quality=55)


def test_png_code_decodes_to_the_url():
    assert decode_qr(qr_png(URL)) == [URL]


def test_svg_is_a_standalone_svg_document():
    root = ElementTree.fromstring(qr_svg(URL))  # noqa: S314 -- our own output, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    assert root.get("width").endswith("mm")


def test_wallet_card_is_credit_card_size_at_300_dpi():
    image = Image.open(BytesIO(card()))
    assert image.size == (1011, 638)
    assert round(image.info["dpi"][0]) == 300


def test_wallet_card_code_decodes_to_the_url():
    assert decode_qr(card()) == [URL]


@pytest.mark.parametrize("angle", [17, -23, 180])
def test_a_phone_photo_of_the_printed_card_decodes(angle):
    assert decode_qr(phone_photo(card(), angle=angle)) == [URL]


def test_a_full_resolution_phone_photo_decodes():
    photo = Image.open(BytesIO(phone_photo(card(), angle=20))).resize((4032, 3024))
    assert decode_qr(encode(photo, "JPEG", quality=80)) == [URL]


def test_the_code_on_the_card_is_at_least_20_mm_wide():
    image = Image.open(BytesIO(card())).convert("L")
    right_half = image.crop((image.width // 2, 0, image.width, image.height))
    dark_box = right_half.point(lambda value: 255 if value < 128 else 0).getbbox()
    width_mm = (dark_box[2] - dark_box[0]) / 300 * 25.4
    assert width_mm >= 20


def test_wallet_card_pdf_is_one_a4_page():
    content = wallet_card_pdf(name="Alice Martin", url=URL, instructions=INSTRUCTIONS)
    assert content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(content)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)


def test_a_non_ascii_name_renders_with_real_glyphs():
    assert decode_qr(card("Zoé Françoise Weiß")) == [URL]
    font = heartcode._font(40, bold=True)
    missing_glyph = bytes(font.getmask("\ue000"))
    drawn_as_a_box = [letter for letter in "éçß" if bytes(font.getmask(letter)) == missing_glyph]
    assert not drawn_as_a_box


def test_a_very_long_name_stays_inside_the_card():
    name = "Maria-Concepción Álvarez de Santamaría y Borbón-Dos Sicilias " * 3
    image = Image.open(BytesIO(card(name))).convert("L")
    qr_left = 1011 - 16 - 392
    text_column = image.crop((0, 0, qr_left, image.height))
    assert text_column.point(lambda value: 255 if value < 128 else 0).getbbox()[2] <= qr_left - 1
    assert decode_qr(encode(image)) == [URL]


def test_it_refuses_bytes_that_are_not_an_image():
    with pytest.raises(QRDecodeError):
        decode_qr(b"%PDF-1.7 not a photo")


def test_it_refuses_an_image_without_a_code():
    photo = Image.effect_noise((800, 600), 40).convert("RGB")
    with pytest.raises(QRDecodeError) as error:
        decode_qr(encode(photo, "JPEG"))
    assert "No code" in str(error.value.message)


def test_it_refuses_an_image_over_the_pixel_limit(settings, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 100_000

    def must_not_decode(image, **options):
        pytest.fail("an oversized image was decoded")

    monkeypatch.setattr(heartcode.zxingcpp, "read_barcodes", must_not_decode)
    with pytest.raises(QRDecodeError) as error:
        decode_qr(qr_png(URL, scale=10))
    assert "too large" in str(error.value.message)


def test_it_refuses_a_decompression_bomb_by_its_header():
    # 50 megapixels of one colour compress to a few kilobytes.
    bomb = encode(Image.new("1", (10_000, 5_000)), optimize=True)
    assert len(bomb) < 100_000
    with pytest.raises(QRDecodeError):
        decode_qr(bomb)


def test_it_refuses_formats_that_phones_do_not_produce():
    with pytest.raises(QRDecodeError):
        decode_qr(encode(Image.open(BytesIO(qr_png(URL))).convert("RGB"), "TIFF"))


def test_it_applies_the_exif_orientation(monkeypatch):
    seen = []
    monkeypatch.setattr(heartcode.zxingcpp, "read_barcodes", lambda image, **options: seen.append(image.size) or [])
    photo = Image.new("RGB", (300, 200), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # rotated 90° clockwise
    with pytest.raises(QRDecodeError):
        decode_qr(encode(photo, "JPEG", exif=exif))
    assert seen == [(200, 300)]


def test_a_large_photo_is_reduced_before_decoding(monkeypatch):
    seen = []
    monkeypatch.setattr(heartcode.zxingcpp, "read_barcodes", lambda image, **options: seen.append(image.size) or [])
    with pytest.raises(QRDecodeError):
        decode_qr(encode(Image.new("RGB", (4000, 3000), "white"), "JPEG"))
    assert seen == [(2000, 1500)]
