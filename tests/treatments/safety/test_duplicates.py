from treatments.safety import Candidate, Code

from .helpers import DOLIPRANE_500_GELULE, DOLIPRANE_1000, IXPRIM, STILNOX, check_alone, codes, proposed


def test_doliprane_and_ixprim_both_hold_paracetamol():
    found = check_alone(proposed("0", DOLIPRANE_1000, name="Doliprane 1000"), proposed("1", IXPRIM, name="Ixprim"))

    [on_doliprane] = found["0"]
    [on_ixprim] = found["1"]
    assert on_doliprane.code == on_ixprim.code == Code.DUPLICATE_SUBSTANCE
    assert on_doliprane.key == "PARACETAMOL"
    assert not on_doliprane.blocking
    assert on_doliprane.message == (
        "Paracétamol : aussi présent dans « Ixprim ». Prendre les deux additionne les doses de la même substance."
    )


def test_a_duplicate_against_a_current_medication_is_found():
    current = Candidate.from_values({"name": "Doliprane 500", "cis": DOLIPRANE_500_GELULE, "morning": True}, ref="a")

    found = check_alone(proposed("0", IXPRIM, as_needed=True), current=[current])

    assert codes(found["0"]) == [Code.DUPLICATE_SUBSTANCE]
    assert "« Doliprane 500 »" in found["0"][0].message


def test_the_medication_being_edited_is_not_its_own_duplicate():
    saved = proposed("b1e4", DOLIPRANE_1000)

    assert check_alone(saved, current=[saved]) == {"b1e4": []}


def test_different_substances_are_no_duplicate():
    assert check_alone(proposed("0", DOLIPRANE_1000), proposed("1", STILNOX)) == {"0": [], "1": []}
