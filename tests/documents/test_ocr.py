import io
import json

import boto3
import numpy as np
import pytest
from botocore.stub import ANY, Stubber
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from documents.ocr import get_engine
from documents.ocr.local import RapidOcrEngine
from documents.ocr.textract import TextractEngine
from documents.text import UnreadableDocument
from tests.files import TEST_DATA

PRESCRIPTIONS = TEST_DATA / "prescriptions"


def prescription(name: str) -> Image.Image:
    return Image.open(PRESCRIPTIONS / name)


def truth(prescription_id: str) -> dict:
    entries = json.loads((PRESCRIPTIONS / "truth.json").read_text())
    return next(entry for entry in entries if entry["id"] == prescription_id)


def textract_line(text: str, confidence: float, left: float, top: float, width: float, height: float) -> dict:
    """A LINE block as Textract sends it for upright text: the polygon starts at the top left."""
    return {
        "BlockType": "LINE",
        "Id": f"line-{text}",
        "Text": text,
        "Confidence": confidence,
        "Geometry": {
            "BoundingBox": {"Left": left, "Top": top, "Width": width, "Height": height},
            "Polygon": [
                {"X": left, "Y": top},
                {"X": left + width, "Y": top},
                {"X": left + width, "Y": top + height},
                {"X": left, "Y": top + height},
            ],
        },
        "Relationships": [{"Type": "CHILD", "Ids": [f"word-{word}" for word in text.split()]}],
    }


def textract_words(line: dict) -> list[dict]:
    return [
        {
            "BlockType": "WORD",
            "Id": f"word-{word}",
            "Text": word,
            "TextType": "PRINTED",
            "Confidence": line["Confidence"],
            "Geometry": line["Geometry"],
        }
        for word in line["Text"].split()
    ]


def textract_response(lines: list[dict]) -> dict:
    page = {
        "BlockType": "PAGE",
        "Id": "page",
        "Geometry": {
            "BoundingBox": {"Left": 0.0, "Top": 0.0, "Width": 1.0, "Height": 1.0},
            "Polygon": [{"X": 0.0, "Y": 0.0}, {"X": 1.0, "Y": 0.0}, {"X": 1.0, "Y": 1.0}, {"X": 0.0, "Y": 1.0}],
        },
        "Relationships": [{"Type": "CHILD", "Ids": [line["Id"] for line in lines]}],
    }
    words = [word for line in lines for word in textract_words(line)]
    return {"DocumentMetadata": {"Pages": 1}, "Blocks": [page, *lines, *words]}


@pytest.fixture
def textract_client():
    client = boto3.client(
        "textract", region_name="eu-west-3", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def sent_pictures(client) -> list[Image.Image]:
    """The pictures the engine sends, decoded from the request the client really builds."""
    pictures = []
    client.meta.events.register(
        "provide-client-params.textract.DetectDocumentText",
        lambda params, **kwargs: pictures.append(Image.open(io.BytesIO(params["Document"]["Bytes"]))),
    )
    return pictures


def test_textract_lines_come_in_reading_order_with_their_confidence(textract_client):
    client, stubber = textract_client
    # Textract lists blocks in its own order; the right column of the header sits a little higher.
    lines = [
        textract_line("1 comprimé matin, midi et soir pendant 5 jours", 97.5, 0.10, 0.52, 0.6, 0.02),
        textract_line("Strasbourg, le 01/09/2026", 99.0, 0.60, 0.098, 0.3, 0.02),
        textract_line("DOLIPRANE 1000 mg, comprimé", 98.0, 0.10, 0.48, 0.4, 0.02),
        textract_line("Dr Anaïs RICHARD", 99.5, 0.10, 0.10, 0.3, 0.02),
    ]
    stubber.add_response("detect_document_text", textract_response(lines), {"Document": {"Bytes": ANY}})

    page = TextractEngine(client=client).read_page(Image.new("RGB", (1240, 1754), "white"))

    assert [line.text for line in page.lines] == [
        "Dr Anaïs RICHARD Strasbourg, le 01/09/2026",
        "DOLIPRANE 1000 mg, comprimé",
        "1 comprimé matin, midi et soir pendant 5 jours",
    ]
    assert page.lines[1].confidence == pytest.approx(0.98)
    assert page.rotation == 0


def test_textract_reads_a_page_turned_a_quarter_in_its_own_order(textract_client):
    client, stubber = textract_client
    # The page lies turned a quarter clockwise: lines run down the picture, the first one on the right.
    first = textract_line("DOLIPRANE 1000 mg, comprimé", 98.0, 0.0, 0.0, 0.0, 0.0)
    second = textract_line("1 comprimé matin, midi et soir pendant 5 jours", 97.0, 0.0, 0.0, 0.0, 0.0)
    first["Geometry"]["Polygon"] = [
        {"X": 0.8, "Y": 0.1},
        {"X": 0.8, "Y": 0.5},
        {"X": 0.78, "Y": 0.5},
        {"X": 0.78, "Y": 0.1},
    ]
    second["Geometry"]["Polygon"] = [
        {"X": 0.7, "Y": 0.1},
        {"X": 0.7, "Y": 0.8},
        {"X": 0.68, "Y": 0.8},
        {"X": 0.68, "Y": 0.1},
    ]
    stubber.add_response("detect_document_text", textract_response([second, first]), {"Document": {"Bytes": ANY}})

    page = TextractEngine(client=client).read_page(Image.new("RGB", (1754, 1240), "white"))

    assert [line.text for line in page.lines] == [first["Text"], second["Text"]]
    assert page.rotation == 270


def test_textract_gets_a_picture_within_its_limits(textract_client):
    client, stubber = textract_client
    pictures = sent_pictures(client)
    stubber.add_response("detect_document_text", textract_response([]), {"Document": {"Bytes": ANY}})

    TextractEngine(client=client).read_page(Image.new("RGB", (12000, 6000), "white"))

    assert pictures[0].format == "JPEG"
    assert pictures[0].size == (4000, 2000)


def test_textract_refusing_the_picture_makes_the_document_unreadable(textract_client):
    client, stubber = textract_client
    stubber.add_client_error("detect_document_text", service_error_code="BadDocumentException")

    with pytest.raises(UnreadableDocument):
        TextractEngine(client=client).read_page(Image.new("RGB", (100, 100), "white"))


def test_textract_uses_the_region_from_the_settings(settings):
    settings.AWS_TEXTRACT_REGION = "eu-west-3"

    assert TextractEngine().client.meta.region_name == "eu-west-3"


def test_the_engine_is_chosen_by_the_setting(settings):
    settings.OCR_ENGINE = "textract"
    settings.AWS_TEXTRACT_REGION = "eu-west-3"

    assert isinstance(get_engine(), TextractEngine)
    assert isinstance(get_engine("local"), RapidOcrEngine)


def test_the_local_engine_is_the_default(settings):
    del settings.OCR_ENGINE

    assert get_engine().name == "rapidocr"


def test_an_unknown_engine_is_a_configuration_error(settings):
    settings.OCR_ENGINE = "crystal-ball"

    with pytest.raises(ImproperlyConfigured):
        get_engine()


def test_rapidocr_reads_the_medication_lines_of_a_scan_with_their_accents():
    scan = prescription("rx-0001.jpg")
    labels = [medication["label"] for medication in truth("rx-0001")["medications"]]

    lines = RapidOcrEngine().read(scan)

    texts = [line.text for line in lines]
    # "Prégabaline 50 mg gélule" is printed as "• Prégabaline 50 mg gélule : 1 gélule au coucher ...".
    assert any(labels[0] in text for text in texts), texts
    assert any(labels[1] in text for text in texts), texts
    assert all(0.5 <= line.confidence <= 1 for line in lines)


def test_a_page_whose_sheet_was_misplaced_is_read_whole(monkeypatch):
    """Should a part of the sheet be taken for the sheet, as the lit part below the phone's shadow on this photo once
    was (its corners below), that part, warped flat, reads one line: the whole picture is read instead, and every
    line of the page comes out."""
    lit_part = np.array([[0.14, 0.33], [0.81, 0.69], [0.8, 0.83], [0.26, 0.88]])
    monkeypatch.setattr("documents.ocr.preparation._sheet_corners", lambda colour: (lit_part, 0.17))
    photo = Image.open(TEST_DATA / "prescriptions" / "prescription-photo-shadow-taken-for-the-sheet.jpeg")

    page = RapidOcrEngine().read_page(photo)

    texts = [line.text for line in page.lines]
    assert page.steps[0].values == {"corners": None, "whole": True}
    assert "1 gél le matin et le soir" in texts, texts
    assert any(text.startswith("1) Venlafax") and text.endswith("37,5 mg gél") for text in texts), texts
    assert len(texts) >= 12
