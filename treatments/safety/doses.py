"""The usual maximum daily dose of common substances for an adult, and the daily dose a medication amounts to.

Each line says where its figure comes from: the reference speciality's summary of product characteristics (RCP,
section 4.2 "Posologie"), or the European (EMA/PRAC) or French (ANSM) decision that set it. Substances whose dose
is titrated without a ceiling (morphine, oxycodone) or depends on weight or indication are left out on purpose:
a figure would raise false alarms.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import ngettext

from treatments.lexicon import FORM_ABBREVIATIONS, fold

from .base import HIGH, Candidate, Code, SafetyWarning
from .substances import MASS_IN_MILLIGRAMS, milligrams, parse_strength, strengths_of, substance_key


@dataclass(frozen=True)
class MaxDose:
    substance: str
    milligrams: Decimal
    source: str
    # The figure is the maximum without a prescription (a prescriber may go higher): the message says so.
    without_prescription: bool = False


MAX_DAILY_DOSES = (
    MaxDose("paracétamol", Decimal(4000), "RCP Doliprane 1000 mg, comprimé, rubrique 4.2"),
    MaxDose("ibuprofène", Decimal(1200), "RCP Advil 400 mg, comprimé enrobé (sans ordonnance), rubrique 4.2", True),
    MaxDose("acide acétylsalicylique", Decimal(3000), "RCP Aspégic 1000 mg (usage antalgique), rubrique 4.2"),
    MaxDose("kétoprofène", Decimal(300), "RCP Profénid 100 mg, gélule, rubrique 4.2"),
    MaxDose("diclofénac", Decimal(150), "RCP Voltarène 50 mg, comprimé, rubrique 4.2"),
    MaxDose("naproxène", Decimal(1100), "RCP Apranax 550 mg, comprimé, rubrique 4.2"),
    MaxDose("tramadol", Decimal(400), "RCP Topalgic 50 mg, gélule, rubrique 4.2"),
    MaxDose(
        "codéine", Decimal(240), "EMA/PRAC, réévaluation de la codéine (2013) ; RCP des associations, rubrique 4.2"
    ),
    MaxDose("tapentadol", Decimal(500), "RCP Palexia LP, rubrique 4.2"),
    MaxDose("zolpidem", Decimal(10), "RCP Stilnox 10 mg, rubrique 4.2"),
    MaxDose("zopiclone", Decimal("7.5"), "RCP Imovane 7,5 mg, rubrique 4.2"),
    MaxDose("alprazolam", Decimal(4), "RCP Xanax, rubrique 4.2"),
    MaxDose("hydroxyzine", Decimal(100), "EMA/PRAC, réévaluation de l'hydroxyzine (2015) ; RCP Atarax, rubrique 4.2"),
    MaxDose("colchicine", Decimal(3), "RCP Colchicine Opocalcium 1 mg, rubrique 4.2 (3 mg le premier jour au plus)"),
    MaxDose("métoclopramide", Decimal(30), "EMA, réévaluation du métoclopramide (2013) ; RCP Primperan, rubrique 4.2"),
    MaxDose("dompéridone", Decimal(30), "EMA, réévaluation de la dompéridone (2014) ; RCP Motilium, rubrique 4.2"),
    MaxDose("lopéramide", Decimal(16), "RCP Imodium 2 mg, gélule, rubrique 4.2"),
    MaxDose("citalopram", Decimal(40), "ANSM, lettre aux professionnels de santé (décembre 2011) ; RCP Seropram"),
    MaxDose("escitalopram", Decimal(20), "ANSM, lettre aux professionnels de santé (décembre 2011) ; RCP Seroplex"),
    MaxDose("sertraline", Decimal(200), "RCP Zoloft, rubrique 4.2"),
    MaxDose("fluoxétine", Decimal(60), "RCP Prozac, rubrique 4.2"),
    MaxDose("paroxétine", Decimal(60), "RCP Deroxat, rubrique 4.2"),
    MaxDose("venlafaxine", Decimal(375), "RCP Effexor LP, rubrique 4.2"),
    MaxDose("duloxétine", Decimal(120), "RCP Cymbalta, rubrique 4.2"),
    MaxDose("quétiapine", Decimal(800), "RCP Xeroquel, rubrique 4.2"),
    MaxDose("olanzapine", Decimal(20), "RCP Zyprexa, rubrique 4.2"),
    MaxDose("aripiprazole", Decimal(30), "RCP Abilify, rubrique 4.2"),
    MaxDose("prégabaline", Decimal(600), "RCP Lyrica, rubrique 4.2"),
    MaxDose("gabapentine", Decimal(3600), "RCP Neurontin, rubrique 4.2"),
    MaxDose("metformine", Decimal(3000), "RCP Glucophage, rubrique 4.2"),
    MaxDose("amlodipine", Decimal(10), "RCP Amlor, rubrique 4.2"),
    MaxDose("ramipril", Decimal(10), "RCP Triatec, rubrique 4.2"),
    MaxDose("bisoprolol", Decimal(20), "RCP Détensiel, rubrique 4.2"),
    MaxDose("atorvastatine", Decimal(80), "RCP Tahor, rubrique 4.2"),
    MaxDose("rosuvastatine", Decimal(40), "RCP Crestor, rubrique 4.2"),
    MaxDose("sumatriptan", Decimal(300), "RCP Imigrane 50 mg, comprimé, rubrique 4.2"),
    MaxDose("zolmitriptan", Decimal(10), "RCP Zomig, rubrique 4.2"),
)

# Units a dose counts in that hold one reference unit of the BDPM composition ("un comprimé", "une gélule").
COUNTED_UNITS = frozenset(
    ["comprime", "gelule", "capsule", "sachet", "suppositoire", "pastille", "lyophilisat", "ovule", "ampoule"]
)
TIMES = "\u00d7"  # the multiplication sign
# Spoons of the French pharmacopoeia, in ml.
SPOONS = {"cuillere a cafe": Decimal(5), "cuillere mesure": Decimal(5), "cuillere a soupe": Decimal(15)}


@functools.cache
def _max_doses() -> dict[str, MaxDose]:
    return {substance_key(line.substance): line for line in MAX_DAILY_DOSES}


def max_dose(key: str) -> MaxDose | None:
    return _max_doses().get(key)


@dataclass(frozen=True)
class Intake:
    """How much of one substance one intake of a medication is, and how that was computed."""

    milligrams: Decimal
    calculation: str  # "2 x 10 mg", "5 ml x 25 mg/ml" with a multiplication sign


def number(value: Decimal) -> str:
    """A figure for a sentence: 60, 37,5 (in French), at most two decimals."""
    value = round(value, 2)
    if value == value.to_integral_value():
        return number_format(int(value))
    return number_format(value.normalize())


def _strength_of(candidate: Candidate, key: str, substance_count: int) -> tuple[Decimal, bool] | None:
    for strength in strengths_of(candidate.cis):
        if substance_key(strength.substance) == key:
            return strength.milligrams, strength.per_millilitre
    if substance_count == 1 and candidate.strength:
        return parse_strength(candidate.strength)
    return None


def intake(candidate: Candidate, key: str, substance_count: int) -> Intake | None:
    """One intake's amount of a substance, when the unit and the strength allow computing it; None otherwise."""
    unit = fold(candidate.dose_unit)
    first_word = unit.split(" ")[0]
    counted_word = FORM_ABBREVIATIONS.get(first_word, first_word.removesuffix("s"))
    dose = candidate.dose
    if substance_count == 1 and first_word in MASS_IN_MILLIGRAMS:
        amount = milligrams(f"{dose} {first_word}")
        return Intake(amount, f"{number(dose)} {candidate.dose_unit}") if amount is not None else None
    strength = _strength_of(candidate, key, substance_count)
    if strength is None:
        return None
    amount, per_millilitre = strength
    if not per_millilitre and counted_word in COUNTED_UNITS:
        return Intake(dose * amount, f"{number(dose)} {TIMES} {number(amount)} mg")
    if per_millilitre:
        millilitres = dose if unit == "ml" else SPOONS.get(unit, Decimal(0)) * dose
        if millilitres:
            return Intake(millilitres * amount, f"{number(millilitres)} ml {TIMES} {number(amount)} mg/ml")
    return None


def daily_dose_warnings(candidate: Candidate, substances: list[tuple[str, str]]) -> list[SafetyWarning]:
    """Warnings for each substance of a scheduled medication whose daily dose is above the usual adult maximum.
    `substances` are (key, display name) pairs. As-needed medications have no daily count to multiply."""
    if candidate.as_needed or candidate.doses_per_day <= 0:
        return []
    warnings = []
    for key, display in substances:
        maximum = max_dose(key)
        if maximum is None:
            continue
        amount = intake(candidate, key, len(substances))
        if amount is None:
            continue
        daily = amount.milligrams * candidate.doses_per_day
        if daily <= maximum.milligrams:
            continue
        values = {
            "substance": display,
            "daily": number(daily),
            "calculation": amount.calculation,
            "intake": number(amount.milligrams),
            "times": candidate.doses_per_day,
            "maximum": number(maximum.milligrams),
        }
        if maximum.without_prescription:
            message = ngettext(
                "%(substance)s: %(daily)s mg per day (%(calculation)s = %(intake)s mg per intake, %(times)s intake "
                "a day), above the usual maximum of %(maximum)s mg per day without a prescription. Only a "
                "prescriber can decide on more.",
                "%(substance)s: %(daily)s mg per day (%(calculation)s = %(intake)s mg per intake, %(times)s intakes "
                "a day), above the usual maximum of %(maximum)s mg per day without a prescription. Only a "
                "prescriber can decide on more.",
                candidate.doses_per_day,
            )
        else:
            message = ngettext(
                "%(substance)s: %(daily)s mg per day (%(calculation)s = %(intake)s mg per intake, %(times)s intake "
                "a day), above the usual maximum of %(maximum)s mg per day for an adult.",
                "%(substance)s: %(daily)s mg per day (%(calculation)s = %(intake)s mg per intake, %(times)s intakes "
                "a day), above the usual maximum of %(maximum)s mg per day for an adult.",
                candidate.doses_per_day,
            )
        warnings.append(
            SafetyWarning(
                code=Code.MAX_DAILY_DOSE,
                key=key,
                blocking=False,
                severity=HIGH,
                message=message % values,
                substances=(display,),
                source=maximum.source,
            )
        )
    return warnings
