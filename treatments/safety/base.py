"""The engine's vocabulary: what is checked (Candidate) and what a check finds (SafetyWarning)."""

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from treatments import lexicon
from treatments.models import Moment


class Code(StrEnum):
    ALLERGY = "allergy"  # blocking: substance or class the patient is allergic to
    DUPLICATE_SUBSTANCE = "duplicate_substance"  # same substance twice among current treatments
    MAX_DAILY_DOSE = "max_daily_dose"  # computed daily dose above the usual adult maximum
    INTERACTION_CONTRAINDICATED = "interaction_contraindicated"  # ANSM thesaurus "contre-indication"
    INTERACTION_INADVISABLE = "interaction_inadvisable"  # ANSM thesaurus "association déconseillée"


HIGH = "high"
MODERATE = "moderate"


@dataclass(frozen=True)
class SafetyWarning:
    code: Code
    key: str  # stable identity, what a SafetyOverride(code, key) answers, e.g. "penicillins:AMOXICILLINE"
    blocking: bool  # True for ALLERGY only
    severity: str  # "high" or "moderate"
    message: str  # plain sentence in the active language, for the patient too
    substances: tuple[str, ...]
    source: str  # where the rule comes from (table line, thesaurus entry), shown to professionals

    def as_dict(self) -> dict:
        values = asdict(self)
        values["code"] = str(self.code)
        values["substances"] = list(self.substances)
        return values


# The same threshold as treatments.services uses to fill a medication from the lexicon by its name.
LEXICON_MATCH_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Candidate:
    """One medication as checked: proposed (form, API, reading) or saved."""

    ref: str  # the medication's public_id, or any caller-chosen id for a proposal (e.g. "0", "1")
    name: str
    cis: str = ""
    substance: str = ""
    strength: str = ""
    dose: Decimal = Decimal(1)
    dose_unit: str = ""
    doses_per_day: int = 0  # moments + explicit times per day; 0 when as needed
    as_needed: bool = False

    @classmethod
    def from_medication(cls, medication) -> "Candidate":
        return cls(
            ref=str(medication.public_id),
            name=medication.name,
            cis=medication.cis,
            substance=medication.substance,
            strength=medication.strength,
            dose=Decimal(medication.dose),
            dose_unit=medication.dose_unit,
            doses_per_day=0 if medication.as_needed else len(medication.moments) + len(medication.times or []),
            as_needed=medication.as_needed,
        )

    @classmethod
    def from_values(cls, values: dict, *, ref: str) -> "Candidate":
        """From the values medication_add/medication_update take (moments as booleans, "dose_unit"), or from a
        reading's proposed medication (moments as "periods", "unit"). A name alone is looked up in the lexicon
        the way medication_add completes it, so that the check sees what will be saved."""
        periods = values.get("periods") or [moment for moment in Moment.values if values.get(moment)]
        cis = values.get("cis") or ""
        substance = values.get("substance") or ""
        strength = values.get("strength") or ""
        if not cis and not substance:
            match = lexicon.best_match(values.get("name") or "")
            if match and match[1] >= LEXICON_MATCH_CONFIDENCE:
                cis = match[0].cis
        drug = lexicon.get(cis) if cis else None
        if drug is not None:
            substance = substance or drug.substances
            strength = strength or drug.strength
        return cls(
            ref=ref,
            name=values.get("name") or "",
            cis=cis,
            substance=substance,
            strength=strength,
            dose=_decimal(values.get("dose")),
            dose_unit=values.get("dose_unit") or values.get("unit") or "",
            doses_per_day=0 if values.get("as_needed") else len(periods) + len(values.get("times") or []),
            as_needed=bool(values.get("as_needed")),
        )


def _decimal(value) -> Decimal:
    try:
        dose = Decimal(str(value)) if value not in (None, "") else Decimal(1)
    except InvalidOperation:
        return Decimal(1)
    return dose if dose > 0 else Decimal(1)
