"""Prescriptions written with the substance's name only (DCI): "Paracétamol 1 g cp" is read as a paracetamol
1 g medication, whichever maker's generic the lexicon picks."""

import itertools
import re

import pytest

from documents.text import DocumentText, Line, PageText
from treatments import lexicon
from treatments.extraction.parser import extract


def read_one(text: str):
    extraction = extract(DocumentText(pages=[PageText(lines=[Line(text)])], engine="test"))
    assert len(extraction.medications) == 1, (text, extraction.warnings)
    return extraction.medications[0]


def amounts(strength: str) -> set[str]:
    """ "1 g/125 mg" -> {"1 g", "125 mg"}; "100 000 UI" and "100 000 unités" -> {"100000 ui"}."""
    folded = re.sub(r"(?<=\d) (?=\d{3}\b)", "", lexicon.fold(strength)).replace("unites", "ui")
    words = folded.split()
    return {f"{value} {unit}" for value, unit in itertools.pairwise(words) if value[0].isdigit()}


@pytest.mark.parametrize(
    ("line", "substances", "strength"),
    [
        ("Paracétamol 1 g cp", {"paracetamol"}, "1 g"),
        ("Paracetamol 1000 mg comprimé", {"paracetamol"}, "1 g"),
        ("PARACETAMOL 500MG GELULE", {"paracetamol"}, "500 mg"),
        ("AMOXICILLINE 1G gélule", {"amoxicilline"}, "1 g"),
        ("Amoxicilline 500 mg gél", {"amoxicilline"}, "500 mg"),
        ("Amoxicilline 250mg/5ml", {"amoxicilline"}, "250 mg"),
        ("Ibuprofène 400mg, 1 cp matin midi et soir", {"ibuprofene"}, "400 mg"),
        ("IBUPROFENE 400 MG CP", {"ibuprofene"}, "400 mg"),
        ("Metformine 850 mg", {"metformine"}, "850 mg"),
        ("Lévothyroxine 75 µg", {"levothyroxine"}, "75 microgrammes"),
        ("Levothyroxine 75 microgrammes", {"levothyroxine"}, "75 microgrammes"),
        ("Lévothyroxine sodique 100 µg cp", {"levothyroxine"}, "100 microgrammes"),
        ("Amoxicilline/acide clavulanique 1 g/125 mg", {"amoxicilline", "clavulanique"}, "1 g/125 mg"),
        ("Amoxicilline acide clavulanique 1g/125mg sachet", {"amoxicilline", "clavulanique"}, "1 g/125 mg"),
        ("Paracétamol codéine 500 mg/30 mg", {"paracetamol", "codeine"}, "500 mg/30 mg"),
        ("Oméprazole 20 mg gél", {"omeprazole"}, "20 mg"),
        ("Omeprazole 20mg gélule", {"omeprazole"}, "20 mg"),
        ("Ésoméprazole 40 mg", {"esomeprazole"}, "40 mg"),
        ("Atorvastatine 20 mg cp", {"atorvastatine"}, "20 mg"),
        ("Bisoprolol 2,5 mg", {"bisoprolol"}, "2.5 mg"),
        ("Furosemide 40mg", {"furosemide"}, "40 mg"),
        ("Tramadol 50 mg gél", {"tramadol"}, "50 mg"),
        ("Macrogol 4000 10 g sach", {"macrogol"}, "10 g"),
        ("Diosmectite 3 g sach", {"diosmectite"}, "3 g"),
        ("Néfopam 20 mg amp", {"nefopam"}, "20 mg"),
        ("Colécalciférol 100 000 UI amp", {"calciferol"}, "100000 ui"),
        ("Cholecalciferol 100000 UI ampoule buvable", {"calciferol"}, "100000 ui"),
        ("Enoxaparine 4000 UI", {"enoxaparine"}, "4000 ui"),
        ("Insuline glargine 100 UI/ml", {"insuline", "glargine"}, "100 ui"),
        ("Salbutamol 100 µg/dose", {"salbutamol"}, "100 microgrammes"),
        ("Fluticasone 50 µg/dose", {"fluticasone"}, "50 microgrammes"),
        ("Alendronate 70 mg", {"alendronique"}, "70 mg"),
        ("Valproate de sodium 500 mg", {"valproate"}, "500 mg"),
        ("Cétirizine 10 mg", {"cetirizine"}, "10 mg"),
        ("Alprazolam 0,25 mg", {"alprazolam"}, "0.25 mg"),
        ("Prégabaline 75 mg gél", {"pregabaline"}, "75 mg"),
        ("Venlafaxine 75 mg LP", {"venlafaxine"}, "75 mg"),
        ("Lopéramide 2 mg gél", {"loperamide"}, "2 mg"),
        ("Acide acétylsalicylique 75 mg", {"acetylsalicylique"}, "75 mg"),
        ("Calcium vitamine D3 500 mg/400 UI", {"calcium"}, "500 mg/400 ui"),
    ],
)
def test_a_line_naming_the_substance_is_a_medication_of_that_substance_and_strength(line, substances, strength):
    medication = read_one(line)

    # Substrings: the reference spells "colécalciférol" and "cholécalciférol".
    assert all(substance in lexicon.fold(medication.substance) for substance in substances), medication.substance
    assert amounts(strength) <= amounts(medication.strength), medication.strength
    assert medication.field_confidence["name"] >= 0.9


@pytest.mark.parametrize(
    ("line", "form"),
    [
        ("Tramadol 50 mg gél", "gelule"),
        ("Oméprazole 20 mg gél", "gelule"),
        ("Paracétamol 500mg gél", "gelule"),
        ("Prednisolone 20 mg cp orodispersible", "orodispersible"),
        ("Atorvastatine 20 mg cp", "comprime"),
    ],
)
def test_the_form_the_line_abbreviates_is_the_form_read(line, form):
    assert form in lexicon.fold(read_one(line).form).split()


def test_a_substance_line_keeps_its_posology():
    medication = read_one("Ibuprofène 400mg, 1 cp matin midi et soir pendant 5 jours")

    assert (medication.dose, medication.unit) == (1, "comprimé")
    assert (medication.periods, medication.duration_days) == (["morning", "noon", "evening"], 5)


@pytest.mark.parametrize(
    "text",
    [
        "Éviter l'ibuprofène pendant le traitement",
        "Pas d'aspirine ni d'anti-inflammatoire",
        "Chlorhydrate 50 mg",
        "Vitamine D3 100 000 UI",  # not a substance's name: left for the reviewer
    ],
)
def test_a_line_that_does_not_name_a_medication_is_not_one(text):
    extraction = extract(DocumentText(pages=[PageText(lines=[Line(text)])], engine="test"))

    assert extraction.medications == []


@pytest.mark.parametrize(
    ("line", "strength"),
    [
        ("3) BISOPROLOL 2 5 mg", "2.5 mg"),  # not bisoprolol 5 mg
        ("Tamsulosine 0 4 mg gélule", "0.4 mg"),
        ("Venlafaxine LP 37 5 mg gélule", "37.5 mg"),
        ("Paracétamol 1 000 mg cp", "1 g"),  # a thousands' group is not a lost comma
    ],
)
def test_a_decimal_comma_a_photo_lost_is_not_read_as_another_strength(line, strength):
    medication = read_one(line)

    assert amounts(medication.strength) == amounts(strength)


def test_a_bare_number_after_the_strength_does_not_pick_another_presentation():
    # "- 2" starts the posology; it is not the "2 ml" of an injectable ketoprofen 100 mg/2 ml.
    medication = read_one("KETOPROFENE TEVA LP 100 mg, comprimé sécable à libération prolongée - 2 comprimés par jour")

    assert "comprimé" in medication.form
    assert medication.strength == "100 mg"
