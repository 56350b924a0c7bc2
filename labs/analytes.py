"""The analytes ReLyfe reads on French lab reports, each with its LOINC code, the names and synonyms French
laboratories print, its unit, and the other units it is reported in.

Values are kept as written and also unified into the analyte's unit (`to_unit`), so that a trend mixes a
laboratory that prints glucose in g/L with one that prints it in mmol/L.

Some analytes are printed under one name in two units that are two LOINC codes (the leukocyte formula in %
and in G/L, the prothrombin time in % and in seconds): `candidates` gives every analyte a name may be, and the
unit read beside the value (`accepts`) tells them apart.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


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

    def accepts(self, unit: str) -> bool:
        unit = unit_spelling(unit)
        return unit == self.unit or unit in self.conversions


DATA = Path(__file__).resolve().parent / "data" / "analytes.csv"


def _load(path: Path) -> tuple[Analyte, ...]:
    """The table: one analyte a row; synonyms separated by "|"; conversions as "unit=factor|unit=factor"."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    return tuple(
        Analyte(
            loinc=row["loinc"],
            name=row["name"],
            name_en=row["name_en"],
            unit=row["unit"],
            synonyms=tuple(synonym for synonym in row["synonyms"].split("|") if synonym),
            conversions={
                unit: Decimal(factor)
                for unit, factor in (
                    conversion.split("=") for conversion in row["conversions"].split("|") if conversion
                )
            },
        )
        for row in rows
    )


ANALYTES: tuple[Analyte, ...] = _load(DATA)
_BY_LOINC = {analyte.loinc: analyte for analyte in ANALYTES}


def get(loinc: str) -> Analyte | None:
    return _BY_LOINC.get(loinc)


def fold(text: str) -> str:
    """Lower case without accents, ligatures opened, runs of spaces as one: how names are compared."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
    text = "".join(character for character in text if not unicodedata.combining(character))
    return " ".join(text.lower().split())


def _names(analyte: Analyte) -> set[str]:
    return {fold(name) for name in (analyte.name, *analyte.synonyms)}


# Every folded name or synonym and the analytes it may be.
NAMES: dict[str, tuple[Analyte, ...]] = {}
for _analyte in ANALYTES:
    for _name in _names(_analyte):
        NAMES[_name] = (*NAMES.get(_name, ()), _analyte)


def candidates(name: str) -> tuple[Analyte, ...]:
    """The analytes a name as printed may be (several when only the unit tells them apart)."""
    return NAMES.get(fold(name), ())


# Compact lower-case spellings (spaces removed, µ for u/μ, superscripts as digits) and the one kept.
_UNIT_SPELLINGS = {
    **{spelling: "mmol/L" for spelling in ("mmol/l", "mmol/litre", "mm/l")},
    **{spelling: "µmol/L" for spelling in ("µmol/l", "µmol/litre", "µm/l")},
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "mmol/mol": "mmol/mol",
    **{spelling: "g/L" for spelling in ("g/l", "g/litre", "gr/l")},
    "g/dl": "g/dL",
    "g/100ml": "g/dL",
    "mg/l": "mg/L",
    "mg/dl": "mg/dL",
    "mg/100ml": "mg/dL",
    **{spelling: "µg/L" for spelling in ("µg/l", "mcg/l")},
    "µg/dl": "µg/dL",
    "µg/ml": "µg/mL",
    "ng/ml": "ng/mL",
    "ng/l": "ng/L",
    "ng/dl": "ng/dL",
    "pg/ml": "pg/mL",
    "mg/mmol": "mg/mmol",
    "mg/mmolcreat": "mg/mmol",
    "mg/mmolcreatinine": "mg/mmol",
    "mg/g": "mg/g",
    "mg/gcreat": "mg/g",
    "g/24h": "g/24h",
    "g/24heures": "g/24h",
    "g/j": "g/24h",
    "mg/24h": "mg/24h",
    **{spelling: "G/L" for spelling in ("giga/l", "10^9/l", "10*9/l", "109/l", "10e9/l", "gi/l")},
    **{spelling: "T/L" for spelling in ("t/l", "tera/l", "téra/l", "10^12/l", "10*12/l", "1012/l", "10e12/l")},
    **{spelling: "/mm3" for spelling in ("/mm3", "/mm³", "/mmc", "/mm 3", "elements/mm3", "éléments/mm3")},
    "/µl": "/µL",
    "10^3/µl": "10^3/µL",
    "10^3/mm3": "10^3/mm3",
    "10^6/µl": "10^6/µL",
    "10^6/mm3": "10^6/mm3",
    "m/mm3": "10^6/mm3",
    "millions/mm3": "10^6/mm3",
    "m/µl": "10^6/µL",
    "%": "%",
    "l/l": "L/L",
    "fl": "fL",
    "µ3": "µm3",
    "µm3": "µm3",
    "pg": "pg",
    "ui/l": "UI/L",
    "u/l": "UI/L",
    "ui/ml": "UI/mL",
    "u/ml": "U/mL",
    "ku/l": "kU/L",
    "kui/l": "kUI/L",
    "mui/l": "mUI/L",
    "mu/l": "mU/L",
    "mui/ml": "mUI/mL",
    "µui/ml": "µUI/mL",
    "µu/ml": "µUI/mL",
    "µkat/l": "µkat/L",
    "meq/l": "mEq/L",
    "ml/min/1.73m2": "mL/min/1.73m²",
    "ml/mn/1.73m2": "mL/min/1.73m²",
    "ml/min/1.73": "mL/min/1.73m²",
    "ml/min/1.73m^2": "mL/min/1.73m²",
    "ml/min/1.73m*2": "mL/min/1.73m²",
    "ml/min": "mL/min",
    "ml/mn": "mL/min",
    "s": "s",
    "sec": "s",
    "secondes": "s",
    "mm/h": "mm/h",
    "mm/1h": "mm/h",
    "mm/1reheure": "mm/h",
    "mm": "mm",
    "mmhg": "mmHg",
    "kpa": "kPa",
}
_SUPERSCRIPTS = str.maketrans({"³": "3", "²": "2", "⁹": "9", "¹": "1", "⁰": "0", "⁶": "6", "μ": "µ", "\u00d7": "x"})
# The spellings where case tells units apart: G/L (giga) is not g/L (grams), nor T/L (tera) a tonne.
_CASED = {"G/L": "G/L", "G/l": "G/L", "Giga/L": "G/L", "Giga/l": "G/L", "G/µL": "G/L", "10^3/µL": "10^3/µL"}


def unit_spelling(text: str) -> str:
    """One spelling per unit, whatever the report printed ("mmol/l", "MMOL/L" and "mmol/L" are "mmol/L";
    "10^9/l", "10*9/L", "G/l" and "giga/L" are "G/L"; "mL/min/1,73m²" is "mL/min/1.73m²")."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFC", text).translate(_SUPERSCRIPTS))
    # What OCR reads for the litre's L and the I of UI: "G/I", "mmol/1", "mUl/mL". No unit ends in /I.
    compact = re.sub(r"/[I1|]$", "/l", compact)
    compact = re.sub(r"^([mµuk]?)Ul(?=/)", r"\1UI", compact)
    if compact in _CASED:
        return _CASED[compact]
    lower = compact.lower().replace("1,73", "1.73")
    # "umol/L", "ug/L", "uUI/mL": a u for µ, as keyboards without µ write it.
    lower = re.sub(r"^u(?=(?:mol|g|ui|u|kat|m3)\b|(?:mol|g|ui|u|kat)/)", "µ", lower)
    lower = re.sub(r"^x\s*10", "10", lower)
    return _UNIT_SPELLINGS.get(lower, compact)


def is_unit(text: str) -> bool:
    """Whether the text is a unit some analyte is reported in."""
    return unit_spelling(text) in KNOWN_UNITS


KNOWN_UNITS = frozenset(
    {unit for analyte in ANALYTES for unit in (analyte.unit, *analyte.conversions) if unit}
    | {"G/L", "T/L", "/mm3", "/µL"}
)


def to_unit(analyte: Analyte, value: Decimal, unit: str) -> Decimal | None:
    """The value in the analyte's own unit, or None when the unit is neither it nor one it converts from."""
    unit = unit_spelling(unit)
    if unit == analyte.unit:
        return value
    factor = analyte.conversions.get(unit)
    return None if factor is None else value * factor
