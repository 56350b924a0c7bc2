import json
from io import StringIO

from django.core.management import call_command
from django.utils import translation

from tests.files import TEST_DATA

LABS = TEST_DATA / "labs"


def run(*arguments) -> str:
    output = StringIO()
    # The command's own wording is English; the reader's messages follow the language, French by default.
    with translation.override("en"):
        call_command("extract_labs", *arguments, stdout=output)
    return output.getvalue()


def truth(report: str) -> dict:
    return next(entry for entry in json.loads((LABS / "truth.json").read_text()) if entry["id"] == report)


def test_it_prints_one_json_result_per_file_and_an_error_for_the_unreadable_one(tmp_path):
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    files = [str(LABS / "lab-0003.pdf"), str(corrupt), str(LABS / "lab-0005.pdf")]

    results = json.loads(run(*files, "--json"))

    assert [result["file"] for result in results] == files
    assert [("error" in result) for result in results] == [False, True, False]
    assert "could not be opened" in results[1]["error"]
    first, expected = results[0], truth("lab-0003")
    assert first["engine"] == "pdf-text"
    assert first["laboratory"]["value"] == expected["laboratory"]
    assert first["sampled_on"]["value"] == expected["sampled_on"]
    assert [(o["loinc"], o["value"], o["unit"]) for o in first["observations"]] == [
        (o["loinc"], o["value"], o["unit"]) for o in expected["observations"]
    ]
    assert set(first["observations"][0]) == {
        *("loinc", "analyte", "label", "comparator", "value", "unit", "unified_value", "unified_unit"),
        *("reference_low", "reference_high", "flag", "previous", "page", "line", "confidence", "doubtful"),
    }
    assert len(results[2]["observations"]) == len(truth("lab-0005")["observations"])


def test_the_readable_summary_lists_the_results(tmp_path):
    missing = str(tmp_path / "missing.pdf")
    text = tmp_path / "notes.txt"
    text.write_text("Hémoglobine 14,2 g/dL")

    output = run(str(LABS / "lab-0003.pdf"), missing, str(text))

    expected = truth("lab-0003")
    assert f"{LABS / 'lab-0003.pdf'} (read with pdf-text)" in output
    assert f"  Laboratory: {expected['laboratory']}" in output
    assert f"  Sampled on: {expected['sampled_on']}" in output
    first = expected["observations"][0]
    assert f"[LOINC {first['loinc']}]: {first['value']} {first['unit']}" in output
    assert output.count("  - ") == len(expected["observations"])
    assert f"{missing}: Cannot open the file: No such file or directory" in output
    assert f"{text}: " in output
    assert "Only PDF files and pictures" in output
