from decimal import Decimal

import pytest

from labs import analytes


def test_the_table_has_the_common_french_analytes_each_once_with_its_unit():
    assert len(analytes.ANALYTES) >= 150
    loincs = [analyte.loinc for analyte in analytes.ANALYTES]
    assert len(set(loincs)) == len(loincs)
    for loinc, name, unit in [
        ("718-7", "Hémoglobine", "g/dL"),
        ("4548-4", "Hémoglobine glyquée (HbA1c)", "%"),
        ("2160-0", "Créatinine", "µmol/L"),
        ("62238-1", "DFG estimé (CKD-EPI)", "mL/min/1.73m²"),
        ("777-3", "Plaquettes", "G/L"),
        ("3016-3", "TSH", "mUI/L"),
        ("6301-6", "INR", ""),
        ("33762-6", "NT-proBNP", "pg/mL"),
    ]:
        analyte = analytes.get(loinc)
        assert (analyte.name, analyte.unit) == (name, unit)
    assert analytes.get("0000-0") is None


@pytest.mark.parametrize(
    ("printed", "canonical"),
    [
        ("µmol/l", "µmol/L"),
        ("umol/L", "µmol/L"),
        ("μmol/L", "µmol/L"),  # Greek mu, as NFKC makes the micro sign
        ("g/l", "g/L"),
        ("mmol/l", "mmol/L"),
        ("MMOL/L", "mmol/L"),
        ("UI/l", "UI/L"),
        ("U/L", "UI/L"),
        ("10^9/l", "G/L"),
        ("10*9/L", "G/L"),
        ("G/l", "G/L"),
        ("giga/L", "G/L"),
        ("10^12/L", "T/L"),
        ("/mm³", "/mm3"),
        ("mL/min/1,73m²", "mL/min/1.73m²"),
        ("ml/min/1,73 m2", "mL/min/1.73m²"),
        ("g/dl", "g/dL"),
        ("ng/ml", "ng/mL"),
        ("µUI/ml", "µUI/mL"),
        # OCR reads the litre's l as I or 1, and the I of UI as l.
        ("G/I", "G/L"),
        ("mmol/1", "mmol/L"),
        ("mUl/L", "mUI/L"),
    ],
)
def test_unit_spellings_reports_print_are_one_spelling(printed, canonical):
    assert analytes.unit_spelling(printed) == canonical


def test_giga_per_litre_is_not_grams_per_litre():
    assert analytes.unit_spelling("G/L") == "G/L"
    assert analytes.unit_spelling("g/L") == "g/L"


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "unified"),
    [
        ("15074-8", "0.95", "g/L", "5.27345"),  # glucose times 5.551
        ("15074-8", "5.2", "mmol/l", "5.2"),
        ("2093-3", "5.17", "mmol/L", "1.999239"),  # total cholesterol times 0.3867
        ("2085-9", "1.5", "mmol/L", "0.58005"),
        ("13457-7", "3.36", "mmol/L", "1.299312"),
        ("2571-8", "1.7", "mmol/L", "1.50569"),  # triglycerides times 0.8857
        ("2160-0", "9.5", "mg/L", "83.980"),  # creatinine times 8.84
        ("22664-7", "0.30", "g/L", "4.9950"),  # urea times 16.65
        ("14933-6", "60", "mg/L", "356.880"),  # urate times 5.948
        ("14631-6", "10", "mg/L", "17.10"),  # bilirubin times 1.71
        ("2000-8", "95", "mg/L", "2.37025"),  # calcium times 0.02495
        ("6690-2", "7500", "/mm3", "7.5000"),
        ("777-3", "245000", "/mm³", "245.000"),
        ("777-3", "245", "10^9/L", "245"),
        ("789-8", "4.5", "10^12/L", "4.5"),
        ("718-7", "145", "g/L", "14.5"),
        ("62292-8", "75", "nmol/L", "30.0450"),
        ("1920-8", "32", "U/L", "32"),
    ],
)
def test_values_are_unified_into_the_analytes_unit(loinc, value, unit, unified):
    assert analytes.to_unit(analytes.get(loinc), Decimal(value), unit) == Decimal(unified)


def test_a_unit_the_analyte_is_not_reported_in_is_not_converted():
    assert analytes.to_unit(analytes.get("15074-8"), Decimal("5"), "UI/L") is None
    assert analytes.to_unit(analytes.get("777-3"), Decimal("245"), "g/L") is None


def test_a_name_may_be_two_analytes_told_apart_by_the_unit():
    neutrophils = analytes.candidates("Polynucléaires neutrophiles")
    assert {analyte.loinc for analyte in neutrophils} == {"770-8", "751-8"}
    assert [analyte.loinc for analyte in neutrophils if analyte.accepts("%")] == ["770-8"]
    assert [analyte.loinc for analyte in neutrophils if analyte.accepts("10^9/L")] == ["751-8"]
    assert [analyte.loinc for analyte in analytes.candidates("gamma gt")] == ["2324-2"]
