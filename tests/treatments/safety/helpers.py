"""Real specialities of the shipped lexicon (CIS codes of the BDPM) and a way to check them as a reading would."""

from treatments.models import Allergy
from treatments.safety import Candidate, check

DOLIPRANE_1000 = "60234100"  # DOLIPRANE 1000 mg, comprimé: PARACÉTAMOL 1000 mg
DOLIPRANE_500_GELULE = "67119691"  # DOLIPRANE 500 mg, gélule
IXPRIM = "60392513"  # IXPRIM 37,5 mg/325 mg, comprimé pelliculé: PARACÉTAMOL + CHLORHYDRATE DE TRAMADOL
CLAMOXYL_1G = "64539416"  # CLAMOXYL 1 g, comprimé dispersible: AMOXICILLINE
AMOXICILLINE_KRKA_1G = "60101406"  # AMOXICILLINE KRKA 1 g, comprimé dispersible sécable
STILNOX = "63179285"  # STILNOX 10 mg, comprimé pelliculé sécable: TARTRATE DE ZOLPIDEM
ADVIL_400 = "63646874"  # ADVIL 400 mg, comprimé enrobé: IBUPROFÈNE
IBUPROFENE_BIOGARAN_400 = "61000075"  # IBUPROFENE BIOGARAN 400 mg, comprimé pelliculé
KETOPROFENE_ZENTIVA_100 = "60494614"  # KETOPROFENE ZENTIVA LP 100 mg, comprimé sécable à libération prolongée
KARDEGIC_75 = "64755969"  # KARDEGIC 75 mg, sachet-dose: ACIDE ACÉTYLSALICYLIQUE 75 mg
COUMADINE_5 = "63245753"  # COUMADINE 5 mg, comprimé sécable: WARFARINE SODIQUE
DAKTARIN_GEL_BUCCAL = "69184289"  # DAKTARIN 2 %, gel buccal: MICONAZOLE
METHOTREXATE_10 = "60390455"  # METHOTREXATE ACCORD 10 mg, comprimé
BACTRIM_FORTE = "64121235"  # BACTRIM FORTE: TRIMÉTHOPRIME + SULFAMÉTHOXAZOLE
SIMVASTATINE_20 = "69094525"  # SIMVASTATINE BIOGARAN 20 mg
CLARITHROMYCINE_500 = "60814021"  # CLARITHROMYCINE ARROW 500 mg, comprimé pelliculé


def proposed(ref: str, cis: str, *, dose=1, unit="comprimé", periods=("morning",), as_needed=False, name=""):
    """A medication as a reading proposes it (extract_prescription --json), completed from the lexicon."""
    return Candidate.from_values(
        {
            "name": name or cis,
            "cis": cis,
            "dose": dose,
            "unit": unit,
            "periods": [] if as_needed else list(periods),
            "as_needed": as_needed,
        },
        ref=ref,
    )


def allergy_to(*, drug_class="", substance="", label="", kind=Allergy.Kind.ALLERGY) -> Allergy:
    return Allergy(drug_class=drug_class, substance=substance, label=label or drug_class or substance, kind=kind)


def codes(warnings) -> list[str]:
    return [warning.code for warning in warnings]


def check_alone(*candidates: Candidate, allergies=(), current=()):
    return check(list(candidates), current=list(current), allergies=list(allergies))
