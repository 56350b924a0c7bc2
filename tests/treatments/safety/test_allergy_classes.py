from treatments.models import Allergy, DrugClass
from treatments.safety import Code

from .helpers import (
    ADVIL_400,
    AMOXICILLINE_KRKA_1G,
    BACTRIM_FORTE,
    CLAMOXYL_1G,
    CLARITHROMYCINE_500,
    DOLIPRANE_1000,
    IXPRIM,
    allergy_to,
    check_alone,
    codes,
    proposed,
)


def test_it_blocks_amoxicillin_for_alice_allergic_to_the_penicillins():
    penicillins = allergy_to(drug_class=DrugClass.PENICILLINS, label="Pénicilline")

    found = check_alone(proposed("0", CLAMOXYL_1G, periods=("morning", "evening")), allergies=[penicillins])

    [warning] = found["0"]
    assert warning.code == Code.ALLERGY
    assert warning.blocking
    assert warning.severity == "high"
    assert warning.key == "penicillins:AMOXICILLINE"
    assert warning.message == (
        "Allergie signalée : « Pénicilline » (pénicillines). Amoxicilline en fait partie. "
        "Ne le prenez pas sans l’accord d’un médecin ou d’un pharmacien."
    )
    assert "J01C" in warning.source
    assert warning.as_dict()["code"] == "allergy"


def test_a_generic_of_the_class_is_caught_as_well_as_the_brand():
    penicillins = allergy_to(drug_class=DrugClass.PENICILLINS)

    found = check_alone(proposed("0", AMOXICILLINE_KRKA_1G), allergies=[penicillins])

    assert codes(found["0"]) == [Code.ALLERGY]


def test_an_allergy_to_a_substance_names_it_whatever_salt_the_bdpm_writes():
    tramadol = allergy_to(substance="TRAMADOL", label="Tramadol", kind=Allergy.Kind.INTOLERANCE)

    found = check_alone(proposed("0", IXPRIM), allergies=[tramadol])

    [warning] = found["0"]
    assert warning.key == "substance:TRAMADOL"
    assert warning.message.startswith("Intolérance signalée : « Tramadol ». Ce médicament contient : Tramadol.")


def test_nsaid_allergy_catches_ibuprofen_but_not_paracetamol():
    nsaids = allergy_to(drug_class=DrugClass.NSAIDS)

    found = check_alone(proposed("0", ADVIL_400), proposed("1", DOLIPRANE_1000), allergies=[nsaids])

    assert codes(found["0"]) == [Code.ALLERGY]
    assert found["1"] == []


def test_sulfonamide_allergy_catches_cotrimoxazole_and_macrolides_catch_clarithromycin():
    allergies = [allergy_to(drug_class=DrugClass.SULFONAMIDES), allergy_to(drug_class=DrugClass.MACROLIDES)]

    found = check_alone(proposed("0", BACTRIM_FORTE), proposed("1", CLARITHROMYCINE_500), allergies=allergies)

    assert [warning.key for warning in found["0"]] == ["sulfonamides:SULFAMETHOXAZOLE"]
    assert [warning.key for warning in found["1"]] == ["macrolides:CLARITHROMYCINE"]


def test_a_latex_allergy_is_recorded_and_never_matched():
    latex = allergy_to(drug_class=DrugClass.LATEX)

    found = check_alone(proposed("0", CLAMOXYL_1G), proposed("1", ADVIL_400), allergies=[latex])

    assert found == {"0": [], "1": []}


def test_a_removed_allergy_no_longer_warns():
    penicillins = allergy_to(drug_class=DrugClass.PENICILLINS)
    penicillins.removed_at = penicillins.recorded_at

    assert check_alone(proposed("0", CLAMOXYL_1G), allergies=[penicillins]) == {"0": []}


def test_a_name_typed_by_hand_is_matched_against_the_class_definitions():
    from treatments.safety import Candidate

    typed = Candidate(ref="0", name="Céfuroxime axétil", substance="CÉFUROXIME AXÉTIL")

    found = check_alone(typed, allergies=[allergy_to(drug_class=DrugClass.CEPHALOSPORINS)])

    assert [warning.key for warning in found["0"]] == ["cephalosporins:CEFUROXIME"]


def test_every_allergy_class_but_latex_has_members_in_the_shipped_table():
    from treatments.safety.classes import CLASSES_PATH

    rows = [line.split("\t") for line in CLASSES_PATH.read_text(encoding="utf-8").splitlines()[1:]]
    classes = {row[0] for row in rows}

    assert classes >= {value for value in DrugClass.values if value != DrugClass.LATEX}
    assert DrugClass.LATEX not in classes
    assert ["penicillins", "AMOXICILLINE", "AMOXICILLINE"] in [row[:3] for row in rows]
