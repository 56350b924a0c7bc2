"""The analytes ReLyfe reads on French lab reports, each with its LOINC code, the names and synonyms French
laboratories print, its unit, and the other units it is reported in.

Values are kept as written and also unified into the analyte's unit (`to_unit`), so that a trend mixes a
laboratory that prints glucose in g/L with one that prints it in mmol/L.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Analyte:
    loinc: str
    # As a French laboratory prints it, and in English.
    name: str
    name_en: str
    # The unit values are unified to (UCUM spelling, as FHIR wants it: "mmol/L", "g/L", "%", "µmol/L").
    unit: str
    synonyms: tuple[str, ...] = ()
    # Other units it is reported in: a value in that unit times the factor is the value in `unit`.
    conversions: dict[str, Decimal] = field(default_factory=dict)


ANALYTES: tuple[Analyte, ...] = (
    Analyte("4548-4", "Hémoglobine glyquée (HbA1c)", "Hemoglobin A1c", "%", ("HbA1c", "Hémoglobine glyquée")),
    Analyte(
        "15074-8",
        "Glycémie à jeun",
        "Fasting glucose",
        "mmol/L",
        ("Glycémie", "Glucose", "Glycémie à jeun"),
        {"g/L": Decimal("5.551")},
    ),
    Analyte("2160-0", "Créatinine", "Creatinine", "µmol/L", ("Créatinine", "Créatininémie"), {"mg/L": Decimal("8.84")}),
    Analyte("3016-3", "TSH", "Thyrotropin (TSH)", "mUI/L", ("TSH", "TSH ultrasensible", "Thyréostimuline")),
    Analyte(
        "13457-7",
        "Cholestérol LDL",
        "LDL cholesterol",
        "g/L",
        ("LDL", "LDL-cholestérol", "Cholestérol LDL calculé"),
        {"mmol/L": Decimal("0.3867")},
    ),
)

_BY_LOINC = {analyte.loinc: analyte for analyte in ANALYTES}
_UNIT_SPELLINGS = {"mmol/l": "mmol/L", "g/l": "g/L", "mg/l": "mg/L", "umol/l": "µmol/L", "µmol/l": "µmol/L"}


def get(loinc: str) -> Analyte | None:
    return _BY_LOINC.get(loinc)


def unit_spelling(text: str) -> str:
    """One spelling per unit, whatever the report printed ("mmol/l", "MMOL/L" and "mmol/L" are "mmol/L")."""
    # NFKC turns the micro sign (µ, as typed on a French keyboard) into the Greek mu: back to the micro sign.
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("\u03bc", "\u00b5")
    return _UNIT_SPELLINGS.get(compact.lower(), compact)


def to_unit(analyte: Analyte, value: Decimal, unit: str) -> Decimal | None:
    """The value in the analyte's own unit, or None when the unit is neither it nor one it converts from."""
    unit = unit_spelling(unit)
    if unit == analyte.unit:
        return value
    factor = analyte.conversions.get(unit)
    return None if factor is None else value * factor
