"""The identifier of an e-prescription, read from the QR code of a real prescription PDF and of a photo of it
(dim, turned, in perspective, noisy), and nothing from codes that hold something else."""

import io

import numpy
import pytest
import zxingcpp
from PIL import Image

from documents.eprescription import MAX_LENGTH, as_identifier, identifier_in
from sharing.heartcode import wallet_card_pdf
from tests.eprescriptions import IDENTIFIER, page_picture, phone_photo, prescription_pdf
from tests.files import TEST_DATA
from treatments.models import EPRESCRIPTION_ID_MAX_LENGTH


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def decoder_alone_reads(content: bytes) -> list[str]:
    """What zxing-cpp finds on the picture as it is, without the preparations identifier_in adds."""
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(content)).convert("L"))]


def test_it_reads_the_identifier_of_a_prescription_pdf():
    assert identifier_in(prescription_pdf(), "application/pdf") == IDENTIFIER


def test_it_reads_a_small_code_on_the_last_page_of_a_longer_pdf():
    assert identifier_in(prescription_pdf(qr_size_mm=12, pages=3), "application/pdf") == IDENTIFIER


def test_it_reads_the_identifier_on_a_dim_tilted_photo_of_the_prescription():
    photo = phone_photo(prescription_pdf())
    assert decoder_alone_reads(photo) == []  # too dim for the decoder alone: its contrast has to be stretched

    assert identifier_in(photo, "image/jpeg") == IDENTIFIER


def test_it_reads_a_code_too_small_for_the_decoder_alone_on_a_low_resolution_scan():
    scan = png(page_picture(prescription_pdf(qr_size_mm=10), dpi=80))
    assert decoder_alone_reads(scan) == []

    assert identifier_in(scan, "image/png") == IDENTIFIER


def test_a_prescription_without_a_code_has_no_identifier():
    assert identifier_in(prescription_pdf(qr_text=None), "application/pdf") is None
    assert identifier_in(phone_photo(prescription_pdf(qr_text=None)), "image/jpeg") is None
    prescriptions = TEST_DATA / "prescriptions"
    assert identifier_in((prescriptions / "rx-0001.pdf").read_bytes(), "application/pdf") is None
    assert identifier_in((prescriptions / "rx-0004-photo.jpeg").read_bytes(), "image/jpeg") is None


def test_a_heart_code_is_not_an_e_prescription():
    card = wallet_card_pdf(
        name="Alice Martin", url="https://relyfe.fr/e/Zk3x9QpL2mN7wR4t/", instructions="Scan in an emergency"
    )

    assert identifier_in(card, "application/pdf") is None


def test_a_web_address_in_the_code_of_a_prescription_is_not_taken():
    for text in ["https://pharmacie-martin.fr/ordonnance/2A7F3K9Q1B4D6E8H0J2M", "www.pharmacie-2000.fr"]:
        assert identifier_in(prescription_pdf(qr_text=text), "application/pdf") is None


def test_the_prescribers_barcode_is_not_read_as_the_identifier():
    page = page_picture(prescription_pdf(qr_text=None), dpi=150)
    rpps = zxingcpp.create_barcode("10017468140", zxingcpp.BarcodeFormat.Code128)
    page.paste(Image.fromarray(numpy.asarray(zxingcpp.write_barcode_to_image(rpps, scale=3))), (100, 1400))
    scan = png(page)
    assert decoder_alone_reads(scan) == ["10017468140"]

    assert identifier_in(scan, "image/png") is None


def test_a_damaged_or_unknown_file_has_no_identifier():
    assert identifier_in(prescription_pdf()[:500], "application/pdf") is None
    assert identifier_in(phone_photo(prescription_pdf())[:2000], "image/jpeg") is None
    assert identifier_in(b"GIF89a", "image/gif") is None


@pytest.mark.parametrize(
    ("text", "identifier"),
    [
        ("2A7F3K9Q1B4D6E8H0J2M", "2A7F3K9Q1B4D6E8H0J2M"),
        (" 1234-5678_90.AB \n", "1234-5678_90.AB"),
        ("12345678", "12345678"),
        ("1234567", None),  # too short
        ("A1" * 33, None),  # longer than the database keeps
        ("ORDONNANCE", None),  # a word: no digit
        ("https://relyfe.fr/e/abc123/", None),
        ("pharmacie2.fr", None),
        ("2A7F 3K9Q 1B4D", None),
        ("2A7F3K9Q1B4D6É8H", None),
        ("-2A7F3K9Q1B4D", None),
    ],
)
def test_what_an_identifier_is(text, identifier):
    assert as_identifier(text) == identifier


def test_identifiers_fit_the_column_that_keeps_them():
    assert MAX_LENGTH == EPRESCRIPTION_ID_MAX_LENGTH
    assert as_identifier("A1" * (MAX_LENGTH // 2)) is not None
