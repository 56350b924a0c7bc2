from django.test import override_settings

from treatments.safety import Code
from treatments.safety.interactions import Interaction, Product, ThesaurusTableChecker

from .helpers import (
    ADVIL_400,
    BACTRIM_FORTE,
    CLARITHROMYCINE_500,
    COUMADINE_5,
    DAKTARIN_GEL_BUCCAL,
    DOLIPRANE_1000,
    IBUPROFENE_BIOGARAN_400,
    KARDEGIC_75,
    KETOPROFENE_ZENTIVA_100,
    METHOTREXATE_10,
    SIMVASTATINE_20,
    check_alone,
    codes,
    proposed,
)


def test_warfarin_and_miconazole_oral_gel_are_contraindicated_with_the_thesaurus_entry():
    found = check_alone(
        proposed("0", COUMADINE_5, name="Coumadine 5 mg"),
        proposed("1", DAKTARIN_GEL_BUCCAL, name="Daktarin gel buccal", unit="application"),
    )

    [on_warfarin] = found["0"]
    assert on_warfarin.code == Code.INTERACTION_CONTRAINDICATED
    assert on_warfarin.severity == "high"
    assert not on_warfarin.blocking
    assert on_warfarin.key == "MICONAZOLE+WARFARINE"
    assert on_warfarin.message.startswith(
        "Warfarine avec Miconazole (dans « Daktarin gel buccal ») : association contre-indiquée. Hémorragies"
    )
    assert on_warfarin.source.endswith("entrée MICONAZOLE + ANTIVITAMINES K")
    assert codes(found["1"]) == [Code.INTERACTION_CONTRAINDICATED]


def test_warfarin_and_an_nsaid_are_inadvisable():
    found = check_alone(proposed("0", COUMADINE_5), proposed("1", ADVIL_400))

    assert codes(found["0"]) == [Code.INTERACTION_INADVISABLE]
    assert "association déconseillée" in found["0"][0].message


def test_low_dose_aspirin_with_warfarin_is_not_the_analgesic_dose_the_thesaurus_warns_about():
    found = check_alone(proposed("0", COUMADINE_5), proposed("1", KARDEGIC_75, unit="sachet"))

    assert found == {"0": [], "1": []}


def test_methotrexate_with_cotrimoxazole_is_contraindicated():
    found = check_alone(proposed("0", METHOTREXATE_10), proposed("1", BACTRIM_FORTE))

    assert [warning.key for warning in found["0"]] == ["METHOTREXATE+TRIMETHOPRIME"]
    assert codes(found["0"]) == [Code.INTERACTION_CONTRAINDICATED]


def test_simvastatin_with_clarithromycin_is_contraindicated():
    found = check_alone(proposed("0", SIMVASTATINE_20, periods=("evening",)), proposed("1", CLARITHROMYCINE_500))

    assert codes(found["1"]) == [Code.INTERACTION_CONTRAINDICATED]


def test_two_different_nsaids_are_inadvisable_and_the_same_one_twice_is_a_duplicate():
    found = check_alone(proposed("0", ADVIL_400), proposed("1", KETOPROFENE_ZENTIVA_100))

    assert codes(found["0"]) == [Code.INTERACTION_INADVISABLE]
    assert found["0"][0].key == "IBUPROFENE+KETOPROFENE"
    assert codes(check_alone(proposed("0", ADVIL_400), proposed("1", IBUPROFENE_BIOGARAN_400))["0"]) == [
        Code.DUPLICATE_SUBSTANCE
    ]


def test_interactions_with_a_current_medication_are_found():
    found = check_alone(proposed("0", ADVIL_400), current=[proposed("a", COUMADINE_5)])

    assert codes(found["0"]) == [Code.INTERACTION_INADVISABLE]


def test_paracetamol_and_warfarin_raise_nothing_from_the_table():
    assert check_alone(proposed("0", DOLIPRANE_1000), proposed("1", COUMADINE_5)) == {"0": [], "1": []}


class EveryPairInteracts:
    """A stand-in for a licensed source: says every two medications are contraindicated."""

    def between(self, first: Product, second: Product) -> list[Interaction]:
        return [
            Interaction("CI", first.ingredients[0], second.ingredients[0], "Selon la source sous licence.", "Source X")
        ]


@override_settings(SAFETY_INTERACTION_CHECKER="tests.treatments.safety.test_interactions.EveryPairInteracts")
def test_the_setting_swaps_the_interaction_checker():
    found = check_alone(proposed("0", DOLIPRANE_1000), proposed("1", CLARITHROMYCINE_500))

    [warning] = found["0"]
    assert warning.code == Code.INTERACTION_CONTRAINDICATED
    assert warning.source == "Source X"
    assert warning.message.endswith("Selon la source sous licence.")


def test_the_default_checker_is_the_thesaurus_table():
    from treatments.safety.interactions import interaction_checker

    assert isinstance(interaction_checker(), ThesaurusTableChecker)
