"""Doubtful lines of a photographed prescription: read again, the reading kept is the one the lexicon
knows, and what stays hard to read is shown to the reviewer with its crop."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from PIL import Image

from documents.ocr.base import OcrEngine
from documents.ocr.local import RapidOcrEngine
from documents.text import DocumentText, Line, PageText
from documents.uploads import check_upload
from health_records import services as records
from tests.documents.photos import bad_photo, page_picture
from treatments.extraction.rereading import MAX_REREAD_LINES, extract_rereading, proposal
from treatments.models import PrescriptionReading
from treatments.tasks import read_prescription

LINES = [
    "Dr Claire MARTIN",
    "Le 12/03/2026",
    "Ordonnance",
    "ATORVASTATINE 20 mg, comprimé",
    "1 comprimé le soir pendant 3 mois",
    "LEVOTHYROX 75 microgrammes, comprimé",
    "1 comprimé le matin à jeun",
]
CORNERS = ((0, 0), (100, 0), (100, 10), (0, 10))


class SecondReadings(OcrEngine):
    """An engine whose second readings of a line are given: what the rereading chooses among them is
    under test here, not the OCR (which the tests below use for real)."""

    name = "second-readings"

    def __init__(self, readings: dict[str, list[str]]):
        self.readings = readings
        self.asked = []

    def read_page(self, image):
        raise NotImplementedError

    def reread(self, page, line):
        self.asked.append(line.text)
        return [Line(text, 0.8, line.corners, reread=True) for text in self.readings.get(line.text, [])]


def page_of(*lines: tuple[str, float]) -> DocumentText:
    picture = Image.new("L", (120, 20), 255)
    page = PageText(lines=[Line(text, confidence, CORNERS) for text, confidence in lines], picture=picture)
    return DocumentText(pages=[page], engine="rapidocr")


def test_the_reading_the_lexicon_knows_is_kept_over_a_more_confident_misreading():
    document = page_of(("Ordonnance", 0.99), ("ATORVASTATNE 2O rng, cornprimé", 0.62), ("1 cp le soir", 0.97))
    engine = SecondReadings({"ATORVASTATNE 2O rng, cornprimé": ["ATORVASTATINE 20 mg, comprimé"]})

    reread, extraction, _ = extract_rereading(document, engine)

    assert [medication.strength for medication in extraction.medications] == ["20 mg"]
    assert extraction.medications[0].substance.upper().startswith("ATORVASTATINE")
    assert reread.pages[0].lines[1].text == "ATORVASTATINE 20 mg, comprimé"
    assert reread.pages[0].lines[1].reread


def test_a_second_reading_that_makes_less_of_the_prescription_is_not_kept():
    document = page_of(("DOLIPRANE 1000 mg, comprimé", 0.85), ("1 comprimé matin et soir pendant 5 jours", 0.8))
    engine = SecondReadings({"1 comprimé matin et soir pendant 5 jours": ["1 cornprinne rnatn"]})

    _, extraction, hard = extract_rereading(document, engine)

    medication = extraction.medications[0]
    assert (medication.periods, medication.duration_days) == (["morning", "evening"], 5)
    # Still doubtful after the second reading: both lines are shown to the reviewer.
    assert [line.text for line in hard[0]] == [
        "DOLIPRANE 1000 mg, comprimé",
        "1 comprimé matin et soir pendant 5 jours",
    ]


def test_only_doubtful_lines_that_can_change_a_medication_are_read_again():
    document = page_of(
        ("Dr Clalre MARTlN", 0.7),  # doubtful, but no medication in it
        ("DOLIPRANE 1000 mg, comprimé", 0.99),
        ("1 comprimé matin et soir", 0.95),
        ("Metforrnine 85O mg", 0.6),  # doubtful and gives a strength: a medication misread
    )
    engine = SecondReadings({})

    extract_rereading(document, engine)

    assert engine.asked == ["Metforrnine 85O mg"]


def test_when_too_many_lines_are_doubtful_a_medications_are_read_again_before_phone_numbers_and_dates():
    header = [(f"Tel 0{number} 45 67 36 6{number}", 0.5) for number in range(MAX_REREAD_LINES)]
    document = page_of(
        *header,
        ("N° RPPS 1029 185 5789", 0.55),
        ("AZITHRCMYCINE TEVA 250 mg comprime", 0.85),  # a strength: a medication's line, misread
        ("1 cpr matin et sor. peodant 3 mote", 0.8),  # a posology
        ("4 VENtotd 100 aderourmme/doss", 0.7),  # words and a number: perhaps a medication's
    )
    engine = SecondReadings({})

    extract_rereading(document, engine)

    assert len(engine.asked) == MAX_REREAD_LINES
    assert engine.asked[:3] == [
        "1 cpr matin et sor. peodant 3 mote",
        "AZITHRCMYCINE TEVA 250 mg comprime",
        "4 VENtotd 100 aderourmme/doss",
    ]


def test_a_pdf_text_layer_is_not_read_again():
    document = DocumentText(pages=[PageText(lines=[Line("DOLIPRANE 1000 mg, comprimé", 1.0)])], engine="pdf-text")
    engine = SecondReadings({})

    result = proposal(document, file="ordonnance.pdf", engine=engine)

    assert engine.asked == []
    assert result["medications"][0]["hard_lines"] == []
    assert result["pages"] == [{"rotation": 0, "page_found": True, "steps": [], "lines": 1, "doubtful": 0, "reread": 0}]


@pytest.fixture(scope="module")
def smudged_photo() -> bytes:
    """A bad photo of a prescription whose first medication's line is spattered with ink: still read, but
    less surely than the others."""
    buffer = io.BytesIO()
    bad_photo(page_picture(LINES, stained={3}, stain=0.15)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def doubting(monkeypatch, smudged_photo):
    """Doubt set between the spattered line's confidence and the clean lines' (how sure the OCR is of a
    spattered line depends on where the ink fell): the spattered line is the doubtful one."""
    from documents.reading import read_document

    lines = read_document(smudged_photo, "image/jpeg", engine=RapidOcrEngine()).lines
    spattered = next(line.confidence for line in lines if line.text.upper().startswith("ATORVASTATINE"))
    # The other medication's lines and the spattered one's posology, read clean.
    clean = min(line.confidence for line in lines if line.text in LINES[4:])
    assert spattered < clean
    monkeypatch.setattr("treatments.extraction.rereading.DOUBTFUL", (spattered + clean) / 2)


def test_a_smudged_line_is_shown_with_its_crop_beside_its_medication(smudged_photo, doubting):
    from documents.reading import read_document

    document = read_document(smudged_photo, "image/jpeg", engine=RapidOcrEngine())

    result = proposal(document, file="photo.jpeg", engine=RapidOcrEngine())

    atorvastatin, levothyrox = result["medications"]
    assert atorvastatin["strength"] == "20 mg" and levothyrox["strength"] == "75 microgrammes"
    assert atorvastatin["hard_lines"] and not levothyrox["hard_lines"]
    assert all(line["crop"].startswith("data:image/jpeg;base64,") for line in atorvastatin["hard_lines"])
    page = result["pages"][0]
    assert [step["name"] for step in page["steps"]] == ["page", "light", "denoise", "curl", "tilt"]
    assert page["steps"][0]["values"]["corners"] is not None
    assert page["doubtful"] >= 1


@pytest.mark.django_db
def test_the_review_shows_the_hard_lines_and_how_the_photo_was_read(
    client, alice, smudged_photo, doubting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        record = records.health_record_create(
            actor=alice,
            patient=alice,
            kind="prescription",
            title="Ordonnance",
            clinical_date="2026-03-01",
            uploads=[check_upload(SimpleUploadedFile("photo.jpeg", smudged_photo))],
        )
    reading = PrescriptionReading.objects.get(record=record)
    read_prescription(reading.pk)
    client.force_login(alice)

    page = client.get(
        reverse("treatments:reading_review", args=[reading.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert page.count('class="hard-lines"') == 1  # beside the smudged medication only
    assert "This part of the photo was hard to read: check it against the paper." in page
    assert '<img class="hard-lines__crop" src="data:image/jpeg;base64,' in page
    assert "How ReLyfe read this document" in page
    assert "Sheet found on the photo and flattened." in page
    assert "Light evened out (shadows and gradients removed)." in page
    assert "Lines already straight." in page

    french = client.get(
        reverse("treatments:reading_review", args=[reading.public_id]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Cette partie de la photo était difficile à lire : vérifiez-la sur le papier." in french
    assert "Comment ReLyfe a lu ce document" in french
    assert "Lignes déjà droites." in french


def test_a_second_reading_that_took_in_the_line_above_does_not_make_the_medication_twice():
    document = page_of(("BISOPROLOL 5 mg cp", 0.97), ("1 cornprimé le rnatin", 0.7))
    engine = SecondReadings({"1 cornprimé le rnatin": ["BISOPROLOL 5 mg cp 1 comprimé le matin"]})

    _, extraction, _ = extract_rereading(document, engine)

    assert [medication.strength for medication in extraction.medications] == ["5 mg"]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "The shape taken for the sheet read almost nothing: the whole photo was read as the page."),
        (
            "fr",
            "La forme prise pour la feuille ne donnait presque rien à lire : toute la photo a été lue comme la page.",
        ),
    ],
)
def test_the_review_says_when_the_whole_photo_was_read_instead_of_the_sheet_found(language, said):
    step = {"name": "page", "values": {"corners": None, "whole": True}, "milliseconds": 0}
    with translation.override(language):
        assert render_to_string("treatments/_reading_step.html", {"step": step}).strip() == said
