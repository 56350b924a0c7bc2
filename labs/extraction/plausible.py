"""Whether a printed reference range can be an analyte's at all.

Laboratories print their own reference ranges, but for most analytes these stay within a small factor of the
usual adult range below (in the analyte's own unit). Read by OCR from a tilted page, a row may take the range of
the row above or below: "Potassium 27 mmol/L (22-29)" is the bicarbonates' row. A range far from the usual one is
then the sign that the value beside it is another analyte's.

Only analytes whose range does not depend much on age, sex, cycle or method are listed; the others are never
judged.
"""

from decimal import Decimal

from labs import analytes
from labs.analytes import Analyte

# A laboratory's range stays within this factor of the usual one.
FACTOR = Decimal(3)

# LOINC: (usual low, usual high) in the analyte's unit of labs/data/analytes.csv.
_USUAL: dict[str, tuple[str | None, str]] = {
    # No low bound: only an upper limit is printed for these, never a lower one alone ("> 0,40" is HDL's).
    "13457-7": (None, "1.9"),  # LDL cholesterol g/L
    "18262-6": (None, "1.9"),  # LDL cholesterol, direct g/L
    "1988-5": (None, "10"),  # CRP mg/L
    "1920-8": (None, "50"),  # ASAT UI/L
    "1742-6": (None, "55"),  # ALAT UI/L
    "14631-6": (None, "21"),  # total bilirubin µmol/L
    "14629-0": (None, "5"),  # direct bilirubin µmol/L
    "48065-7": (None, "500"),  # D-dimer ng/mL
    "2857-1": (None, "4"),  # PSA ng/mL
    "789-8": ("3.8", "5.9"),  # erythrocytes T/L
    "718-7": ("11.5", "18"),  # hemoglobin g/dL
    "4544-3": ("34", "54"),  # hematocrit %
    "787-2": ("78", "100"),  # MCV fL
    "785-6": ("26", "34"),  # MCH pg
    "786-4": ("31", "37"),  # MCHC g/dL
    "788-0": ("11", "16"),  # RDW %
    "6690-2": ("4", "11"),  # leukocytes G/L
    "777-3": ("150", "450"),  # platelets G/L
    "32623-1": ("7", "12"),  # MPV fL
    "2498-4": ("9", "32"),  # iron µmol/L
    "3034-6": ("1.8", "3.8"),  # transferrin g/L
    "2502-3": ("15", "50"),  # iron saturation %
    "2132-9": ("140", "700"),  # vitamin B12 pmol/L
    "2284-8": ("7", "46"),  # folate nmol/L
    "15074-8": ("3.9", "6.1"),  # fasting glucose mmol/L
    "4548-4": ("4", "6.5"),  # HbA1c %
    "2160-0": ("45", "110"),  # creatinine µmol/L
    "22664-7": ("2.5", "8.3"),  # urea mmol/L
    "14933-6": ("140", "420"),  # urate µmol/L
    "2951-2": ("135", "146"),  # sodium mmol/L
    "2823-3": ("3.4", "5.3"),  # potassium mmol/L
    "2075-0": ("95", "110"),  # chloride mmol/L
    "1963-8": ("21", "31"),  # bicarbonate mmol/L
    "2000-8": ("2.1", "2.65"),  # calcium mmol/L
    "1995-0": ("1.1", "1.35"),  # ionized calcium mmol/L
    "14879-1": ("0.8", "1.5"),  # phosphate mmol/L
    "2601-3": ("0.65", "1.1"),  # magnesium mmol/L
    "2885-2": ("60", "83"),  # protein g/L
    "1751-7": ("35", "52"),  # albumin g/L
    "2093-3": ("1.5", "2.5"),  # cholesterol g/L
    "2085-9": ("0.35", "0.65"),  # HDL g/L
    "3016-3": ("0.27", "4.5"),  # TSH mUI/L
    "14920-3": ("9", "23"),  # FT4 pmol/L
    "14928-6": ("2.6", "7"),  # FT3 pmol/L
    "5894-1": ("70", "120"),  # prothrombin time %
    "3255-7": ("1.8", "4.5"),  # fibrinogen g/L
    "2744-1": ("7.35", "7.45"),  # arterial pH
}
USUAL = {loinc: (low and Decimal(low), Decimal(high)) for loinc, (low, high) in _USUAL.items()}


def range_fits(analyte: Analyte, unit: str, low: Decimal | None, high: Decimal | None) -> bool:
    """Whether a reference range printed in `unit` can be the analyte's (True when it cannot be judged)."""
    usual = USUAL.get(analyte.loinc)
    if usual is None:
        return True
    usual_low, usual_high = usual
    bounds = []
    for bound in (low, high):
        if bound is None:
            bounds.append(None)
            continue
        converted = analytes.to_unit(analyte, bound, unit) if unit else None
        if converted is None:
            return True
        bounds.append(converted)
    low, high = bounds
    if usual_low is None:
        # A lower bound alone where only upper limits are printed; else the upper limit is judged.
        if low is not None and high is None:
            return False
        usual_low = usual_high / 10
    if low is not None and low > 0 and not usual_low / FACTOR <= low <= usual_high:
        return False
    return high is None or high <= 0 or usual_low <= high <= usual_high * FACTOR


# Tightly regulated analytes: a value beyond this factor of the usual range is no reading of theirs.
_TIGHT = frozenset(
    {
        *("718-7", "4544-3", "787-2", "785-6", "786-4", "2951-2", "2823-3", "2075-0", "1963-8", "2000-8"),
        *("1995-0", "2601-3", "2885-2", "1751-7", "2744-1"),
    }
)
VALUE_FACTOR = Decimal(4)


def value_fits(analyte: Analyte, unit: str, value: Decimal) -> bool:
    """Whether a value can be a tightly regulated analyte's (True when it cannot be judged)."""
    if analyte.loinc not in _TIGHT or not unit:
        return True
    converted = analytes.to_unit(analyte, value, unit)
    if converted is None:
        return True
    usual_low, usual_high = USUAL[analyte.loinc]
    return usual_low / VALUE_FACTOR <= converted <= usual_high * VALUE_FACTOR
