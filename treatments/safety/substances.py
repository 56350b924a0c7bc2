"""Substance names as the checks compare them, and each speciality's strength per unit of each substance.

The BDPM names one substance many ways: "TARTRATE DE ZOLPIDEM", "ZOLPIDEM", "CODÉINE (PHOSPHATE DE) HÉMIHYDRATÉ",
"DL-LYSINE (ACÉTYLSALICYLATE DE)". A patient, a prescription and a safety rule mean the molecule: the salt,
the hydrate and the "(… DE)" inversion go, so that all of these compare equal (`substance_key`).
"""

import functools
import gzip
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from treatments.lexicon import fold

SAFETY_DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "drug_safety.tsv.gz"
SAFETY_DATA_COLUMNS = ("cis", "substance", "milligrams", "per_millilitres")

# Words naming the salt, ester or hydrate a molecule is made up as, folded: "chlorhydrate de tramadol" is tramadol.
SALT_WORDS = frozenset(
    [
        "chlorhydrate",
        "dichlorhydrate",
        "bromhydrate",
        "hydrochlorure",
        "hyclate",
        "mesilate",
        "dimesilate",
        "besilate",
        "tosilate",
        "maleate",
        "fumarate",
        "hemifumarate",
        "succinate",
        "tartrate",
        "hemitartrate",
        "bitartrate",
        "hydrogenotartrate",
        "citrate",
        "dihydrogenocitrate",
        "sulfate",
        "hemisulfate",
        "phosphate",
        "diphosphate",
        "acetate",
        "oxalate",
        "nitrate",
        "lactate",
        "gluconate",
        "embonate",
        "pamoate",
        "napadisilate",
        "trometamol",
        "erbumine",
        "arginine",
        "sodique",
        "disodique",
        "potassique",
        "dipotassique",
        "calcique",
        "magnesique",
        "monohydrate",
        "dihydrate",
        "trihydrate",
        "tetrahydrate",
        "pentahydrate",
        "hemihydrate",
        "sesquihydrate",
        "monohydratee",
        "dihydratee",
        "trihydratee",
        "tetrahydratee",
        "pentahydratee",
        "hemihydratee",
        "sesquihydratee",
        "anhydre",
        "base",
        "de",
        "d",
        "du",
        "l",
        "dl",
        "hemiheptahydrate",
        "lysinate",
        "epolamine",
        "diethylamine",
        "diethylammonium",
        "sel",
        "complexe",
        "betacyclodextrine",
        "axetil",
        "proxetil",
        "hexetil",
        "medocaril",
        "fosamil",
    ]
)
# Names that fold to another name of the same molecule.
ALIASES = {
    "ACETYLSALICYLATE LYSINE": "ACIDE ACETYLSALICYLIQUE",
    "ACETYLSALICYLATE DL LYSINE": "ACIDE ACETYLSALICYLIQUE",
    "CARBASALATE": "ACIDE ACETYLSALICYLIQUE",
    "NITROGLYCERINE": "TRINITRINE",
}
# "CODÉINE (PHOSPHATE DE) HÉMIHYDRATÉ": the BDPM's inverted salt, put back in reading order.
_INVERTED_SALT = re.compile(r"^(?P<molecule>[^(]+?)\s*\((?P<salt>[^)]*?)\)(?P<rest>.*)$")
_SEPARATOR = re.compile("[\\s'\u2019]+")  # spaces and apostrophes, typewriter or typographic


def _in_reading_order(name: str) -> str:
    match = _INVERTED_SALT.match(name.strip())
    if not match:
        return name
    return f"{match['salt']} {match['molecule']}{match['rest']}"


def _molecule_words(name: str) -> list[str]:
    """The words of a substance's name that name the molecule, as written (accents kept)."""
    words = [word.strip("(),") for word in _SEPARATOR.split(_in_reading_order(name))]
    # "D'AMITRIPTYLINE" is split on its apostrophe above; "DL-LYSINE" keeps its hyphen until folded.
    kept = [word for word in words if word and fold(word) not in SALT_WORDS]
    return kept or [word for word in words if word]


@functools.cache
def substance_key(name: str) -> str:
    """The identity of a substance's molecule: "Tartrate de zolpidem" and "ZOLPIDEM" both give "ZOLPIDEM"."""
    key = fold(" ".join(_molecule_words(name))).upper()
    return ALIASES.get(key, key)


@functools.cache
def display_name(name: str) -> str:
    """The molecule's name for a sentence: "TARTRATE DE ZOLPIDEM" -> "Zolpidem", "PARACÉTAMOL" -> "Paracétamol"."""
    key = substance_key(name)
    if key in ALIASES.values() and fold(name).upper() != key:
        return key.capitalize()
    return " ".join(_molecule_words(name)).capitalize()


def split_substances(substances: str) -> list[str]:
    """The substances of a medication as the lexicon joins them: "PARACÉTAMOL + CODÉINE"."""
    return [part.strip() for part in re.split(r"\s*\+\s*|\s*/\s*|\s*,\s*", substances) if part.strip()]


# Strengths --------------------------------------------------------------------------------------------------------

MASS_IN_MILLIGRAMS = {
    "g": Decimal(1000),
    "mg": Decimal(1),
    "microgramme": Decimal("0.001"),
    "microgrammes": Decimal("0.001"),
    "ug": Decimal("0.001"),
    "mcg": Decimal("0.001"),
}
VOLUME_IN_MILLILITRES = {"ml": Decimal(1), "l": Decimal(1000)}
_QUANTITY = re.compile(r"(?P<value>\d+(?: \d{3})*(?:\.\d+)?) (?P<unit>[a-z]+)")


def milligrams(text: str) -> Decimal | None:
    """A mass written as the BDPM or a prescriber does, in mg: "1 g" -> 1000, "75 µg" -> 0.075; None if not a mass."""
    match = _QUANTITY.fullmatch(fold(text))
    if not match or match["unit"] not in MASS_IN_MILLIGRAMS:
        return None
    try:
        return Decimal(match["value"].replace(" ", "")) * MASS_IN_MILLIGRAMS[match["unit"]]
    except InvalidOperation:
        return None


def millilitres(text: str) -> Decimal | None:
    match = _QUANTITY.match(fold(text))
    if not match or match["unit"] not in VOLUME_IN_MILLILITRES:
        return None
    return Decimal(match["value"].replace(" ", "")) * VOLUME_IN_MILLILITRES[match["unit"]]


@dataclass(frozen=True)
class Strength:
    """How much of one substance one unit (or one ml, when per_millilitre) of a speciality holds."""

    substance: str  # as the lexicon names it
    milligrams: Decimal
    per_millilitre: bool


def parse_strength(strength: str) -> tuple[Decimal, bool] | None:
    """A single strength as a speciality's name writes it: "500 mg" -> (500, False), "125 mg/5 ml" -> (25, True)."""
    mass, _, volume = strength.partition("/")
    amount = milligrams(mass.strip())
    if amount is None:
        return None
    if not volume.strip():
        return amount, False
    per = millilitres(volume) or (Decimal(1) if fold(volume) == "ml" else None)
    if not per:
        return None
    return amount / per, True


@functools.cache
def _strengths_by_cis() -> dict[str, tuple[Strength, ...]]:
    with gzip.open(SAFETY_DATA_PATH, "rt", encoding="utf-8") as file:
        header, *lines = file.read().splitlines()
    if tuple(header.split("\t")) != SAFETY_DATA_COLUMNS:
        raise ValueError(f"{SAFETY_DATA_PATH} has columns {header!r}: rebuild it with manage.py build_drug_lexicon.")
    strengths: dict[str, list[Strength]] = {}
    for line in lines:
        cis, substance, amount, per_millilitres = line.split("\t")
        per = Decimal(per_millilitres) if per_millilitres else None
        strength = Strength(
            substance=substance,
            milligrams=Decimal(amount) / per if per else Decimal(amount),
            per_millilitre=per is not None,
        )
        strengths.setdefault(cis, []).append(strength)
    return {cis: tuple(values) for cis, values in strengths.items()}


def strengths_of(cis: str) -> tuple[Strength, ...]:
    """The strength of each substance of a speciality, from the BDPM composition; () when it gives none."""
    return _strengths_by_cis().get(cis, ())
