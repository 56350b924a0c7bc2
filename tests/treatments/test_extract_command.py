import json
from io import StringIO

from django.core.management import call_command

from tests.files import TEST_DATA

PRESCRIPTIONS = TEST_DATA / "prescriptions"


def run(*arguments) -> str:
    output = StringIO()
    call_command("extract_prescription", *arguments, stdout=output)
    return output.getvalue()


def test_it_prints_one_result_per_file_and_an_error_for_the_unreadable_one(tmp_path):
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    files = [str(PRESCRIPTIONS / "rx-0001.pdf"), str(corrupt), str(PRESCRIPTIONS / "rx-0022.pdf")]

    results = json.loads(run(*files, "--json"))

    assert [result["file"] for result in results] == files
    assert [("error" in result) for result in results] == [False, True, False]
    assert results[1]["error"]
    first = results[0]
    assert first["engine"] == "pdf-text"
    assert first["date"] == "2026-09-01"
    assert first["prescriber"] == {"name": "Dr Anaïs RICHARD", "rpps": "10017468140"}
    assert [medication["name"] for medication in first["medications"]] == [
        "Prégabaline 50 mg gélule",
        "METOCLOPRAMIDE SANDOZ 10 mg, comprimé sécable",
        "Desloratadine 5 mg comprimé",
    ]
    assert first["medications"][0] | {"cis": "", "substance": ""} == first["medications"][0] | {
        "cis": "",
        "substance": "",
        "strength": "50 mg",
        "form": "gélule",
        "dose": 1,
        "unit": "gélule",
        "periods": ["bedtime"],
        "duration_days": 5,
        "as_needed": False,
        "renewals": 0,
        "instructions": "",
        "confidence": 1.0,
        "source_line": "• Prégabaline 50 mg gélule : 1 gélule au coucher pendant 5 jours",
    }
    assert len(results[2]["medications"]) == 2


def test_a_missing_file_or_a_file_that_is_no_document_is_an_error(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("Doliprane 1000 mg")
    missing = str(tmp_path / "missing.pdf")

    results = json.loads(run(missing, str(text), "--json"))

    assert [set(result) for result in results] == [{"file", "error"}, {"file", "error"}]


def test_without_json_it_prints_a_summary():
    output = run(str(PRESCRIPTIONS / "rx-0002.pdf"))
    assert "Dr Emma MERCIER (RPPS 10546111393)" in output
    assert "Date: 2026-09-18" in output
    assert "2 comprimé · matin, midi, soir · 5 jours · à renouveler 1 fois" in output
