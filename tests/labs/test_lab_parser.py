import json

import pytest
from django.utils import translation

from documents.reading import read_document
from documents.text import DocumentText, Line, PageText
from labs.extraction.parser import as_json, extract
from tests.files import TEST_DATA

LABS = TEST_DATA / "labs"
FIELDS = ("loinc", "value", "unit", "reference_low", "reference_high", "flag")


def truth() -> dict[str, dict]:
    return {entry["id"]: entry for entry in json.loads((LABS / "truth.json").read_text())}


def document(*texts: str, confidence: float = 1.0, engine: str = "pdf-text") -> DocumentText:
    return DocumentText(pages=[PageText(lines=[Line(text, confidence) for text in texts])], engine=engine)


def read(*texts: str, confidence: float = 1.0, engine: str = "pdf-text") -> dict:
    return as_json(extract(document(*texts, confidence=confidence, engine=engine)))


def essentials(observation: dict) -> tuple:
    return tuple(observation[field] for field in FIELDS)


def only(*texts: str) -> dict:
    observations = read(*texts)["observations"]
    assert len(observations) == 1, observations
    return observations[0]


@pytest.mark.parametrize("report", [f"lab-000{number}" for number in range(1, 7)])
def test_every_result_of_a_pdf_is_read_exactly(report):
    expected = truth()[report]
    document = read_document((LABS / f"{report}.pdf").read_bytes(), "application/pdf")

    result = as_json(extract(document))

    # In reading order: on a two-column page, the halves of each row in turn.
    assert sorted(map(str, ((*essentials(o), o["page"]) for o in result["observations"]))) == sorted(
        map(str, ((*essentials(o), o["page"]) for o in expected["observations"]))
    )
    assert result["sampled_on"]["value"] == expected["sampled_on"]
    assert result["laboratory"]["value"] == expected["laboratory"]
    assert not any(observation["doubtful"] for observation in result["observations"])


@pytest.mark.parametrize(
    ("file", "report", "share"), [("lab-0003.jpg", "lab-0003", 0.9), ("lab-0006-photo.jpeg", "lab-0006", 0.85)]
)
def test_a_scan_and_a_photo_give_no_wrong_result_and_nearly_all_right_ones(file, report, share):
    expected = truth()[report]
    wanted = [essentials(observation) for observation in expected["observations"] if observation["page"] == 1]
    document = read_document((LABS / file).read_bytes(), "image/jpeg")

    found = [essentials(observation) for observation in as_json(extract(document))["observations"]]

    assert set(found) <= set(wanted)
    assert len(found) >= share * len(wanted)


def test_the_json_has_the_shape_the_review_page_reads():
    result = as_json(
        extract(
            document("Laboratoire des Tilleuls", "Prélevé le 12/03/2025", "HbA1c 6,8 % H [4,0-6,0] 7,1 (12/01/2025)")
        ),
        file="report.pdf",
        engine="pdf-text",
    )

    assert result == {
        "file": "report.pdf",
        "engine": "pdf-text",
        "laboratory": {"value": "Laboratoire des Tilleuls", "confidence": 0.9, "line": "Laboratoire des Tilleuls"},
        "sampled_on": {"value": "2025-03-12", "confidence": 1.0, "line": "Prélevé le 12/03/2025"},
        "observations": [
            {
                "loinc": "4548-4",
                "analyte": "Hémoglobine glyquée (HbA1c)",
                "label": "HbA1c",
                "comparator": "",
                "value": "6.8",
                "unit": "%",
                "unified_value": "6.8",
                "unified_unit": "%",
                "reference_low": "4.0",
                "reference_high": "6.0",
                "flag": "H",
                "previous": {"value": "7.1", "unit": "%", "date": "2025-01-12"},
                "page": 1,
                "line": "HbA1c 6,8 % H [4,0-6,0] 7,1 (12/01/2025)",
                "confidence": {"analyte": 1.0, "value": 1.0, "unit": 1.0, "reference": 1.0},
                "doubtful": False,
            }
        ],
        "warnings": [],
    }
    assert set(as_json(extract(document("x"))).keys()) == {"laboratory", "sampled_on", "observations", "warnings"}


def test_the_previous_result_is_never_taken_for_the_current_one():
    for line in (
        "Hémoglobine 14,2 g/dL 13,8 le 02/01/2024",
        "Hémoglobine 14,2 g/dL 13,0 - 17,0 13,8 (02/01/2024)",
        "Hémoglobine 14,2 g/dL 13,0 - 17,0 02/01/2024 : 13,8",
    ):
        observation = only(line)
        assert (observation["value"], observation["previous"]["value"]) == ("14.2", "13.8")
        assert observation["previous"]["date"] == "2024-01-02"
    assert only("Hémoglobine 14,2 g/dL 13,8")["reference_low"] is None


def test_a_value_printed_in_two_units_keeps_the_first_with_its_own_range():
    for line in (
        "Glycémie à jeun 0,95 g/L 5,27 mmol/L 0,70 - 1,10 3,89 - 6,11",
        "Glycémie à jeun 0,95 g/L 5,27 mmol/L 3,89 - 6,11 0,70 - 1,10",
        "Glycémie à jeun 0,95 g/L (0,70 - 1,10) soit 5,27 mmol/L (3,89 - 6,11)",
    ):
        observation = only(line)
        assert essentials(observation) == ("15074-8", "0.95", "g/L", "0.70", "1.10", "")
        assert observation["unified_value"] == "5.273"
        assert observation["unified_unit"] == "mmol/L"


def test_the_leukocyte_formula_in_percent_and_count_on_one_line_is_two_results():
    observations = read("Polynucléaires neutrophiles 62,0 % 8,34 G/L H 1,80 - 7,50")["observations"]

    assert [essentials(observation) for observation in observations] == [
        ("770-8", "62.0", "%", None, None, ""),
        ("751-8", "8.34", "G/L", "1.80", "7.50", "H"),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CRP < 0,5 mg/L < 5,0", ("1988-5", "<", "0.5", "mg/L", None, "5.0", "")),
        ("TSH 2,10 mUI/L (N: 0,40 - 4,00)", ("3016-3", "", "2.10", "mUI/L", "0.40", "4.00", "")),
        ("TSH 2,10 mUI/L inf. à 4,5", ("3016-3", "", "2.10", "mUI/L", None, "4.5", "")),
        ("DFG selon CKD-EPI 52 mL/min/1,73m² sup. à 60", ("62238-1", "", "52", "mL/min/1.73m²", "60", None, "L")),
        ("DFG (CKD-EPI) > 90 mL/min/1,73m² > 60", ("62238-1", ">", "90", "mL/min/1.73m²", "60", None, "")),
        ("Plaquettes 245 000 /mm3 150 000 - 400 000", ("777-3", "", "245000", "/mm3", "150000", "400000", "")),
        ("Leucocytes ....... 11,2 10*9/l ↑ 4,0 à 10,0", ("6690-2", "", "11.2", "G/L", "4.0", "10.0", "H")),
        ("Potassium * 3,1 mmol/l 3,5-5,1", ("2823-3", "", "3.1", "mmol/L", "3.5", "5.1", "L")),
        ("Sodium 150 mmol/L [136 - 145]", ("2951-2", "", "150", "mmol/L", "136", "145", "H")),
        ("INR 2,6 2,0 - 3,0", ("6301-6", "", "2.6", "", "2.0", "3.0", "")),
        ("Créatinine (méthode enzymatique) : 9,5 mg/L 6,0 - 12,0", ("2160-0", "", "9.5", "mg/L", "6.0", "12.0", "")),
        ("TSH us (3e génération) 0,25 mUI/L 0,40 - 4,00 L", ("3016-3", "", "0.25", "mUI/L", "0.40", "4.00", "L")),
        ("Gamma-GT 80 UI/l ↓ 12-64", ("2324-2", "", "80", "UI/L", "12", "64", "L")),
    ],
)
def test_values_comparators_ranges_and_flags_as_reports_print_them(line, expected):
    observation = only(line)
    assert (observation["loinc"], observation["comparator"], *essentials(observation)[1:]) == expected


def test_a_printed_flag_against_the_range_is_kept_but_doubted():
    observation = only("Gamma-GT 80 UI/l ↓ 12-64")
    assert observation["flag"] == "L"
    assert observation["doubtful"]


def test_two_results_side_by_side_are_both_read():
    observations = read(
        "Créatinine 8,9 mg/L (N: 6,0 - 12,0) Potassium 4,1 mmol/L 3,5 à 5,0",
        "Hématocrite ......... 41,5 % (40,0 – 52,0) TP ........ 78 % (70 à 100)",
    )["observations"]

    assert [essentials(observation) for observation in observations] == [
        ("2160-0", "8.9", "mg/L", "6.0", "12.0", ""),
        ("2823-3", "4.1", "mmol/L", "3.5", "5.0", ""),
        ("4544-3", "41.5", "%", "40.0", "52.0", ""),
        ("5894-1", "78", "%", "70", "100", ""),
    ]


def test_the_sample_date_is_the_sampling_one_not_the_birth_or_edition_date():
    header = ("Mme DUPONT Marie née le 03/04/1961", "Édité le 14/03/2025 Prélevé le 12/03/2025 à 08h15")
    assert read(*header)["sampled_on"]["value"] == "2025-03-12"
    assert read("Prélevé le 12/03/2025 à 08h15 Édité le 14/03/2025")["sampled_on"]["value"] == "2025-03-12"
    assert read("Date de prélèvement : 5 mars 2025")["sampled_on"]["value"] == "2025-03-05"
    assert read("Prélèvement du 12.03.25")["sampled_on"]["value"] == "2025-03-12"
    undated = read("Née le 03/04/1961", "Édité le 14/03/2025", "Reçu le 13/03/2025")["sampled_on"]
    assert undated == {"value": None, "confidence": 0.0, "line": ""}


def test_the_laboratory_is_named_without_the_patient_sharing_its_line():
    assert read("LABORATOIRE DES TILLEULS Mme DUPONT Marie")["laboratory"]["value"] == "LABORATOIRE DES TILLEULS"
    assert read("Laboratoire accrédité COFRAC n° 8-1234")["laboratory"]["value"] is None


def test_lines_about_an_analyte_that_are_not_results_give_nothing():
    assert (
        read(
            "Objectif LDL < 1,0 g/L chez le patient à haut risque",
            "HbA1c cible < 7 % chez le diabétique",
            "Glycémie post-prandiale 1,45 g/L",
            "TCA témoin 31 s",
            "Hémoglobine 14,2 mg",  # a unit hemoglobin is never in
            "BILAN LIPIDIQUE",
            "Cholestérol voir commentaire",
        )["observations"]
        == []
    )


def test_urine_results_are_the_urine_analytes():
    observations = read(
        "URINES - échantillon",
        "Créatinine 8,5 mmol/L",
        "Protéines 0,12 g/L < 0,15",
        "Glucose 0,5 g/L",
        "BIOCHIMIE SANGUINE",
        "Créatinine 75 µmol/L 60 - 110",
    )["observations"]

    assert [(observation["loinc"], observation["value"]) for observation in observations] == [
        ("14683-7", "8.5"),
        ("2888-6", "0.12"),
        ("2160-0", "75"),
    ]


def test_ocr_letters_for_digits_are_read_as_digits_but_less_surely():
    observation = only("Hémoglobine l4,2 g/dL 13,0 - 17,0")
    assert observation["value"] == "14.2"
    assert observation["confidence"]["value"] < 1.0


def test_a_name_printed_on_the_line_above_its_value_is_joined():
    observations = read("Débit de filtration glomérulaire estimé (CKD-EPI)", "92 mL/min/1,73m² > 60")["observations"]
    assert [essentials(observation) for observation in observations] == [
        ("62238-1", "92", "mL/min/1.73m²", "60", None, "")
    ]


def test_two_names_before_one_value_give_the_one_whose_unit_it_is_or_nothing():
    folates = only("Folates Vitamine B12 500 pmol/L 145 - 569")
    assert (folates["loinc"], folates["doubtful"]) == ("2132-9", True)
    assert read("Numération plaquettaire MONOCYTES 0,45 G/L 0,20 - 1,00")["observations"] == []


def test_a_poorly_read_line_is_doubtful():
    observation = read("Potassium 4,1 mmol/L 3,5 - 5,1", confidence=0.5)["observations"][0]
    assert observation["doubtful"]
    assert observation["confidence"]["value"] == 0.5


def test_a_result_printed_twice_is_proposed_once_and_two_different_ones_are_doubted():
    assert len(read("Potassium 4,1 mmol/L", "Potassium 4,1 mmol/L")["observations"]) == 1
    with translation.override("en"):
        result = read("Potassium 4,1 mmol/L", "Potassium 5,9 mmol/L")
    assert [observation["doubtful"] for observation in result["observations"]] == [True, True]
    assert result["warnings"] == ["Potassium: two different results on the report."]


def test_sex_specific_ranges_are_not_a_flag_nor_a_range():
    observation = only("Hémoglobine 14,2 g/dL H : 13,0 - 17,0 F : 12,0 - 16,0")
    assert essentials(observation) == ("718-7", "14.2", "g/dL", None, None, "")
    assert observation["confidence"]["reference"] < 0.5


def test_a_star_touching_the_value_and_thousands_with_dots_on_counts():
    assert essentials(only("Potassium *5,8 mmol/L 3,5 - 5,1")) == ("2823-3", "5.8", "mmol/L", "3.5", "5.1", "H")
    assert essentials(only("Plaquettes 245.000 /mm3 150.000 - 400.000")) == (
        "777-3",
        "245000",
        "/mm3",
        "150000",
        "400000",
        "",
    )


def test_a_table_of_previous_results_is_not_read_as_this_reports():
    observations = read(
        "Potassium 4,1 mmol/L 3,5 - 5,1", "RÉSULTATS ANTÉRIEURS", "Potassium 5,9 mmol/L", "Sodium 139 mmol/L"
    )["observations"]
    assert [essentials(observation)[:2] for observation in observations] == [("2823-3", "4.1")]


def test_a_name_saying_blood_is_blood_even_under_a_urine_title():
    observations = read("URINES", "Natrémie 141 mmol/L 136 - 145", "Sodium 85 mmol/L")["observations"]
    assert [(observation["loinc"], observation["value"]) for observation in observations] == [
        ("2951-2", "141"),
        ("2955-3", "85"),
    ]


def test_read_by_ocr_a_row_mixing_two_units_or_missing_its_unit_gives_nothing():
    assert (
        read("Transferrine 12 L g/l % 2,00 à 3,60", "Hématocrite 13,3 44,3 g/100mL", engine="rapidocr")["observations"]
        == []
    )


def loincs(*texts: str, engine: str = "rapidocr") -> list[tuple[str, str]]:
    return [(found["loinc"], found["value"]) for found in read(*texts, engine=engine)["observations"]]


def test_read_by_ocr_a_range_no_laboratory_prints_for_the_analyte_gives_nothing():
    # The bicarbonates' row beside the potassium name (a tilted photo); a PDF's text is taken as printed.
    assert loincs("Potassium 27 mmol/l (22-29)") == []
    assert loincs("Cholestérol LDL calculé 0,26 g/l ≥ 0,40") == []
    assert loincs("Potassium 27 mmol/l (22-29)", engine="pdf-text") == [("2823-3", "27")]
    assert loincs("Potassium 4,1 mmol/l (3,5 - 5,1)") == [("2823-3", "4.1")]
    assert loincs("Glycémie 1,02 g/l (0,70 - 1,10)") == [("15074-8", "1.02")]


def test_read_by_ocr_a_value_a_regulated_analyte_never_has_gives_nothing():
    assert loincs("Kaliémie 105 mmol/L") == []
    assert loincs("Kaliémie 7,9 mmol/L") == [("2823-3", "7.9")]


def test_read_by_ocr_a_flag_against_the_range_gives_nothing():
    assert loincs("Fer sérique 3,09 ↑ µmol/l [10,0-30,0]") == []
    assert loincs("Fer sérique 3,09 ↓ µmol/l [10,0-30,0]") == [("2498-4", "3.09")]


def test_read_by_ocr_a_title_carrying_a_value_makes_the_next_same_unit_rows_doubtful_enough_to_drop():
    # The values column slid a row up: the title carries ASAT's value, ASAT's name the ALAT's.
    found = loincs(
        "Créatinine 70 µmol/L (45 - 110)",
        "BILAN HÉPATIQUE 25 U/L < 35",
        "ASAT (TGO) 39 U/L ≤ 45",
        "ALAT 4 U/L (12-64)",
        "Sodium 140 mmol/L 136-145",
    )
    assert found == [("2160-0", "70"), ("2951-2", "140")]
    # Without the title's value, every row is read.
    assert len(loincs("Créatinine 70 µmol/L (45 - 110)", "BILAN HÉPATIQUE", "ASAT (TGO) 25 U/L < 35")) == 2


def test_read_by_ocr_the_count_alone_on_the_next_line_is_the_same_names_count():
    found = loincs("MONOCYTES 4,6 % (2,0 - 10,0)", "0,45 G/L [0,20 - 1,00]")
    assert found == [("5905-5", "4.6"), ("742-7", "0.45")]
    # A value in the name's own unit, or after no result, is no one's.
    assert loincs("MONOCYTES 4,6 % (2,0 - 10,0)", "5,1 % [2,0 - 10,0]") == [("5905-5", "4.6")]
    assert loincs("FORMULE", "0,45 G/L [0,20 - 1,00]") == []


@pytest.mark.parametrize(
    ("line", "loinc", "value", "unit"),
    [
        ("Cortisol à 8h ..... 15,2 µg/dL (6,2 - 19,4)", "2143-6", "15.2", "µg/dL"),
        ("Zinc sérique 12,4 µmol/L (9,2 - 18,4)", "5763-0", "12.4", "µmol/L"),
        ("DHEA-S 4,8 µmol/L (1,0 - 11,7)", "2191-5", "4.8", "µmol/L"),
        ("Complément C3 1,12 g/L (0,90 - 1,80)", "4485-9", "1.12", "g/L"),
        ("Hormone anti-müllérienne (AMH) 2,31 ng/mL (1,00 - 6,00)", "38476-3", "2.31", "ng/mL"),
        ("Digoxinémie 0,9 ng/mL (0,8 - 2,0)", "10535-3", "0.9", "ng/mL"),
    ],
)
def test_the_less_common_analytes_of_hormone_drug_and_immunology_panels_are_read(line, loinc, value, unit):
    observation = only(line)

    assert (observation["loinc"], observation["value"], observation["unit"]) == (loinc, value, unit)
