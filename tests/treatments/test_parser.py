import datetime
import itertools
import json
from pathlib import Path

import pypdfium2
import pytest

from documents.text import DocumentText, Line, PageText
from tests.files import TEST_DATA
from treatments import lexicon
from treatments.extraction.parser import extract

PRESCRIPTIONS = TEST_DATA / "prescriptions"


def pdf_text(path: Path) -> DocumentText:
    """The PDF's text layer as the reader gives it: one Line per line of text."""
    pdf = pypdfium2.PdfDocument(path)
    try:
        pages = [
            PageText(lines=[Line(text) for text in page.get_textpage().get_text_range().splitlines()]) for page in pdf
        ]
    finally:
        pdf.close()
    return DocumentText(pages=pages, engine="pdf-text")


def document(*texts: str, confidence: float = 1.0) -> DocumentText:
    return DocumentText(pages=[PageText(lines=[Line(text, confidence) for text in texts])], engine="test")


def truth() -> dict[str, dict]:
    return {entry["id"]: entry for entry in json.loads((PRESCRIPTIONS / "truth.json").read_text())}


def amounts(strength: str) -> set[str]:
    """ "10 g" in "4000 SANDOZ 10 g", "30 mg" in "30 mg/ml": the amounts, whatever the BDPM adds around them."""
    words = lexicon.fold(strength).split()
    return {f"{value} {unit}" for value, unit in itertools.pairwise(words) if value[0].isdigit()}


def is_the_truths_drug(medication, expected: dict) -> bool:
    """The same speciality, or the same brand or substance at the same strength: a line written "Prégabaline
    50 mg" does not say which manufacturer's generic the pharmacist picked."""
    if medication.cis == expected["cis"]:
        return True
    drug, expected_drug = lexicon.get(medication.cis), lexicon.get(expected["cis"])
    same_name = drug.brand == expected_drug.brand or drug.substances == expected_drug.substances
    return same_name and amounts(expected["strength"]) <= amounts(drug.strength)


@pytest.mark.parametrize("prescription", [f"rx-{number:04d}" for number in range(1, 31)])
def test_it_reads_the_medications_a_pharmacist_reads(prescription):
    expected = truth()[prescription]
    extraction = extract(pdf_text(PRESCRIPTIONS / f"{prescription}.pdf"))
    read = [
        (
            medication.name,
            medication.dose,
            medication.unit,
            medication.periods,
            medication.duration_days,
            medication.as_needed,
        )
        for medication in extraction.medications
    ]
    assert read == [
        (truth["label"], truth["dose"], truth["unit"], truth["periods"], truth["duration_days"], truth["as_needed"])
        for truth in expected["medications"]
    ]
    for medication, truth_medication in zip(extraction.medications, expected["medications"], strict=True):
        assert is_the_truths_drug(medication, truth_medication), (medication.cis, truth_medication["cis"])
    assert extraction.date.isoformat() == expected["date"]
    assert extraction.prescriber["name"] == expected["prescriber"]


def test_it_finds_the_prescribers_rpps_and_the_date():
    extraction = extract(pdf_text(PRESCRIPTIONS / "rx-0001.pdf"))
    assert extraction.prescriber == {"name": "Dr Anaïs RICHARD", "rpps": "10017468140"}
    assert extraction.date == datetime.date(2026, 9, 1)


def test_a_pdf_medication_is_read_with_full_confidence():
    medication = extract(pdf_text(PRESCRIPTIONS / "rx-0002.pdf")).medications[0]
    assert medication.confidence == 1.0
    assert (
        medication.source_line
        == "1. OROCAL 500 mg, comprimé à sucer ou à croquer\n 2 comprimés 3 fois par jour pendant 5 jours"
    )


def test_a_line_that_names_no_drug_is_not_a_medication():
    extraction = extract(
        document(
            "Dr Jean MARTIN",
            "M. Manon Morel",
            "41 rue de Vesle",
            "Médecine générale",
            "Repos à domicile pendant 3 jours",
            "Kinésithérapie : 10 séances, 2 fois par semaine",
        )
    )
    assert extraction.medications == []


@pytest.mark.parametrize("line", ["fer 05 05 31 79 14", "fer 05.39.39.58.41", "Fel: +33 5 05 31 79 14"])
def test_a_phone_number_whose_label_is_misread_as_a_drug_is_not_a_medication(line):
    # "Tél" read as "fer" (iron): the numbers are a phone's, never a strength.
    assert extract(document(line, confidence=0.8)).medications == []


def test_a_number_alone_is_not_a_homeopathic_dilution():
    # A header misread on a poor photo: "curarves" is like CURARE BOIRON, which comes in 3 CH to 30 CH; its "3" alone is
    # no dilution, which is always written with its unit.
    assert extract(document("s curarves vie 3 mu", confidence=0.8)).medications == []
    (medication,) = extract(document("Curare Boiron 3 CH granules", "5 granules le soir")).medications
    assert medication.cis == "61186345"  # CURARE BOIRON


def test_an_unknown_name_with_a_strength_is_a_warning_not_a_medication():
    extraction = extract(document("Zorbitrapine 40 mg comprimé : 1 comprimé le soir"))
    assert extraction.medications == []
    assert extraction.warnings == ["Not recognised as a medication: Zorbitrapine 40 mg comprimé : 1 comprimé le soir"]


def test_it_reads_a_medication_and_its_posology_on_the_next_lines():
    extraction = extract(
        document(
            "1) DOLIPRANE 1000 mg, comprimé",
            "1 comprimé 3 fois par jour",
            "pendant 5 jours si douleur",
            "Signature",
            "pendant 3 mois",
        )
    )
    [medication] = extraction.medications
    assert medication.name == "DOLIPRANE 1000 mg, comprimé"
    assert medication.substance == "PARACÉTAMOL"
    assert medication.strength == "1000 mg"
    assert (medication.dose, medication.unit, medication.duration_days) == (1, "comprimé", 5)
    assert medication.as_needed
    assert medication.periods == []


def test_it_reads_notations_prescribers_abbreviate():
    extraction = extract(
        document(
            "Amoxicilline 1 g cp : 1-0-1 pendant 7 j",
            "Kardegic 75 mg poudre 1 sachet/j QSP 3 mois",
            "Eliquis 5 mg 1 cp x2/j",
        )
    )
    read = [(m.dose, m.unit, m.periods, m.duration_days) for m in extraction.medications]
    assert read == [
        (1, "comprimé", ["morning", "evening"], 7),
        (1, "sachet", ["morning"], 90),
        (1, "comprimé", ["morning", "evening"], None),
    ]


def test_the_brand_in_parentheses_is_the_one_prescribed():
    [medication] = extract(document("Paracétamol 1000 mg comprimé (Efferalgan) : 1 cp le soir")).medications
    assert lexicon.get(medication.cis).brand == "EFFERALGAN"


def test_it_tolerates_a_misread_name_when_the_strength_is_written():
    [medication] = extract(document("Doliprame 1000 mg comprimé : 1 cornprimé le soir", confidence=0.8)).medications
    assert lexicon.get(medication.cis).brand == "DOLIPRANE"
    assert medication.periods == ["evening"]
    assert medication.confidence < 0.8
    assert medication.field_confidence["periods"] == 0.8


def test_a_posology_whose_dose_is_misread_is_still_read_after_the_strength():
    line = "CONTRAMAL LP 100 mg, comprimé à libération prolongée 1 ep le matin QSP 3 mois"
    [medication] = extract(document(line, confidence=0.8)).medications
    assert lexicon.get(medication.cis).brand == "CONTRAMAL LP"
    assert medication.name == "CONTRAMAL LP 100 mg, comprimé à libération prolongée"
    assert medication.periods == ["morning"]
    assert medication.duration_days == 90


@pytest.mark.parametrize(
    "line, dose",
    [
        # The dose's "1" read as a letter.
        ("4. LEVOCETIRIZINE CRISTERS 5 mg comprimé - I cp 2 fois/jour, 10 jours", 1),
        # The medication's number has lost its dot: it is not the strength the posology is read after.
        ("4 LEVOCETIRIZINE CRISTERS 5 mg comprimé - Ix cp 2 fois/jour, 10 jours", None),
    ],
)
def test_a_posology_is_found_through_a_misread_dose_or_number(line, dose):
    [medication] = extract(document(line, confidence=0.8)).medications
    assert lexicon.get(medication.cis).brand == "LEVOCETIRIZINE CRISTERS"
    assert "LEVOCETIRIZINE CRISTERS 5 mg comprimé" in medication.name
    assert (medication.dose, medication.periods, medication.duration_days) == (dose, ["morning", "evening"], 10)


def test_a_medications_number_without_its_dot_is_not_its_strength():
    # "20 mg" read "20 eg": the number before the name would have made it the 5 mg speciality.
    [medication] = extract(document("5 BOSUvaSTATINE SANDOZ 20 eg, comprime pellicuié", "1 cp le soir")).medications
    assert lexicon.get(medication.cis).name == "ROSUVASTATINE SANDOZ 20 mg, comprimé pelliculé"


@pytest.mark.parametrize(
    "line, name, periods",
    [
        # The medication's number glued to the name, or read as a small letter: the name starts after it.
        ("1Escitalopram 20 mg 2 cpr au coucher", "ESCITALOPRAM", ["bedtime"]),
        ("tLEVOCETIRIZINE CRiSTERS 5 mg comprime 1 cp le soir", "LEVOCETIRIZINE CRISTERS", ["evening"]),
        # ... or its number read as a letter before its bracket, or its bracket as a 1 glued to the name.
        ("D) Droumectse 3g sachaes 1 sachet le soir", "DIOSMECTITE", ["evening"]),
        ("11Faresémade40ma. 1 cp le matin", "FUROSEMIDE", ["morning"]),
        # ... but a name's own first letter may be read small too.
        ("vOLTARENE EMULGEL 1 %, gef : 1 application le soir", "VOLTARENE EMULGEL", ["evening"]),
        # The name's first word glued to its maker, or cut by a speck: it is read whole, and the line still starts
        # with the drug.
        ("- QUETIAPINECRISTERS LP 400 rmy comprimé : 1 cp le soir", "QUETIAPINE CRISTERS LP", ["evening"]),
        (
            "2 VENL.AFAXINE EG LABO LP 75 mg. gétute à libération prolongée : 1-0-1",
            "VENLAFAXINE EG LABO LP",
            ["morning", "evening"],
        ),
    ],
)
def test_a_name_is_read_through_ocrs_slips_at_its_start(line, name, periods):
    [medication] = extract(document(line, confidence=0.8)).medications
    assert lexicon.get(medication.cis).brand.startswith(name)
    assert medication.periods == periods


def test_a_line_counted_in_another_kind_of_unit_is_another_medications_posology():
    # The inhaler's own line was not read: its posology does not make the capsules "as needed".
    [medication] = extract(
        document(
            "4. Amlodipine Arrow 5 mg gélule",
            "2 gélules 2 fois par jour",
            "Durant 14 jours",
            "bouffées en cas de crise, pendant 15 jours",
        )
    ).medications
    assert (medication.dose, medication.unit, medication.periods) == (2, "gélule", ["morning", "evening"])
    assert (medication.duration_days, medication.as_needed) == (14, False)
    assert "bouffées" not in medication.source_line


def test_a_scrap_of_posology_misread_between_its_lines_does_not_end_the_medication():
    lines = [
        Line("FLIXOTIDE 125 microgrammes/dose, suspension pour inhalation 2 bouffées matin", 0.94),
        Line("eisqg", 0.86),  # "et soir", misread past reading
        Line("Pendant 15 jours", 0.99),
        Line("TOBREX 0,3 %, collyre en solution", 0.97),
        Line("1 goutte matin et soir", 0.97),
        Line("QSP 3 mois", 1.0),
    ]
    inhaler, drops = extract(DocumentText(pages=[PageText(lines=lines)], engine="test")).medications

    assert (inhaler.periods, inhaler.duration_days) == (["morning"], 15)
    assert "eisqg" in inhaler.source_line  # shown to the reviewer with the medication's lines
    assert drops.duration_days == 90

    # Its "et" read right, glued to the moment, the evening is read, to be checked.
    lines[1] = Line("etsog", 0.86)
    inhaler, _drops = extract(DocumentText(pages=[PageText(lines=lines)], engine="test")).medications
    assert (inhaler.periods, inhaler.duration_days) == (["morning", "evening"], 15)
    assert inhaler.field_confidence["periods"] < 0.9


def test_a_word_read_surely_after_a_posology_ends_the_medication():
    [medication] = extract(
        document("DOLIPRANE 1000 mg, comprimé", "1 comprimé le soir", "Signature", "pendant 3 mois", confidence=0.95)
    ).medications
    assert medication.duration_days is None


def test_a_strength_and_a_form_after_a_posology_are_another_medications_whose_name_was_not_read():
    [medication] = extract(
        document(
            "LEVOCETIRIZINE CRISTERS 5 mg comprimé - 1 cp 2 fois/jour, 10 jours",
            "oz 20 ma, comprimé pelliculé 1 cpr le soir au coucher, pendant 1 mois",
        )
    ).medications
    assert (medication.periods, medication.duration_days) == (["morning", "evening"], 10)


def test_a_posology_after_an_unknown_word_and_a_number_is_another_medications_whose_name_was_not_read():
    # Its name and strength misread past reading: its length of time is not the one before's.
    [medication] = extract(
        document(
            "VENLAFAXINE EG LABO LP 75 mg, gélule à libération prolongée : Posologie : 1-0-1",
            "iavoprolol t 25 m p. 2 cpr le soir, pendant 1 mois",
        )
    ).medications
    assert (medication.periods, medication.duration_days) == (["morning", "evening"], None)
    # Steps of one posology, though, are the medication's.
    [medication] = extract(
        document("Prednisolone 20 mg comprimé", "2 cp le matin pendant 5 jours", "Semaine 2 : 1 cp le matin")
    ).medications
    assert medication.duration_days == 5


def test_a_posology_glued_to_the_name_by_a_stop_is_read():
    [medication] = extract(
        document("KETOPROFENE BIOGARAN LP 100 mg, comprimé sécable à libération prolongée.1cp s", "douleur, 3 jours")
    ).medications
    assert (medication.dose, medication.as_needed, medication.duration_days) == (1, True, 3)
    # A decimal's stop is not one.
    [medication] = extract(document("Doliprane 1000 mg", "1.5 cp le soir")).medications
    assert medication.dose == 1.5


def test_a_strength_the_drug_does_not_come_in_is_the_one_a_look_alike_digit_hides_and_is_to_check():
    [medication] = extract(document("CLOPIDOGREL 15 mg cp", "1 cp le matin")).medications
    assert lexicon.get(medication.cis).strength == "75 mg"
    assert medication.field_confidence["name"] < 0.95
    # "7" may be a 1 or a 2, and lamotrigine comes in 100 and 200 mg: not guessed.
    assert extract(document("Lamotrigine 700 mg cp", "1 cp le matin")).medications == []


def test_a_line_counted_in_a_unit_of_the_same_kind_continues_the_medication():
    [medication] = extract(
        document("Amlodipine Arrow 5 mg gélule", "1 gélule le matin", "puis 1 comprimé le soir si besoin")
    ).medications
    assert medication.as_needed is True


def test_words_of_a_drugs_name_after_its_strength_are_not_a_posology():
    [medication] = extract(
        document("Paracétamol codéine 500 mg/30 mg comprimé", "1 comprimé le soir pendant 5 jours")
    ).medications
    assert medication.name == "Paracétamol codéine 500 mg/30 mg comprimé"
    assert (medication.dose, medication.periods, medication.duration_days) == (1, ["evening"], 5)


def test_an_eye_is_not_read_as_a_moment_of_the_day():
    # Read "chaque soir", the eye made the evening said twice, the second line said nothing more, and the duration
    # after it was left out.
    lines = ["XALATAN 50 microgrammes/ml, collyre : 1 goutte dans chaque œil matin et", "sotr", "Pendant 10 jours"]
    [medication] = extract(document(*lines)).medications
    assert (medication.periods, medication.duration_days) == (["morning", "evening"], 10)


def test_a_strength_written_but_not_read_is_not_guessed_among_the_brands_strengths():
    assert extract(document("CORTANCYL ā mg, comprimé sécable : 1 cp le matin", confidence=0.7)).medications == []
    assert extract(document("PREGABALINE ZENTVA ANO mg. gete : 1 gélule le soir", confidence=0.7)).medications == []
    assert extract(document("Levothyrox BBmicrogrammes comprimé : 1 cp le matin", confidence=0.7)).medications == []
    [medication] = extract(document("CORTANCYL 5 mg, comprimé sécable : 1 cp le matin")).medications
    assert medication.strength == "5 mg"


def test_a_strength_glued_to_a_long_unit_is_read():
    [medication] = extract(document("Levothyrox88microgrammes comprimé : 1 cp le matin", confidence=0.8)).medications
    assert medication.strength == "88 microgrammes"


def test_a_substance_garbled_past_knowing_is_a_medication_to_check():
    [medication] = extract(document("1Esctatnpram 20 mg: 2 cpr au coucher, 1 mois", confidence=0.9)).medications
    assert lexicon.get(medication.cis).substances == "ESCITALOPRAM"
    assert (medication.strength, medication.periods, medication.duration_days) == ("20 mg", ["bedtime"], 30)
    # Its name is the field the reviewer is asked to check.
    assert medication.field_confidence["name"] < 0.8
    assert medication.confidence == medication.field_confidence["name"]
    # A PDF's text has no OCR slips: a name the lexicon does not know there is not taken for one garbled.
    pdf = DocumentText(pages=[PageText(lines=[Line("Esctatnpram 20 mg: 2 cpr au coucher")])], engine="pdf-text")
    assert extract(pdf).medications == []


def test_a_substance_garbled_whose_name_has_a_number_is_read_by_the_strength_after_it():
    # "4000" is the name's (Macrogol 4000), "10g" the strength.
    line = "Macrogsi 4000 10g poutre.2 sachets matin midi soir. pendant 1 semaine"
    [medication] = extract(document(line)).medications

    assert medication.substance == "MACROGOL 4000"
    # The database writes "MACROGOL 4000 SANDOZ 10 g": the laboratory's name between the two numbers is the name's.
    assert medication.strength == "10 g"
    assert (medication.dose, medication.periods, medication.duration_days) == (2, ["morning", "noon", "evening"], 7)


def test_a_misread_name_without_a_strength_is_not_a_medication():
    assert extract(document("Doliprame : 1 comprimé le soir")).medications == []


def test_a_renewal_on_its_own_line_is_for_every_medication():
    extraction = extract(
        document(
            "Xarelto 10 mg comprimé : 1 comprimé le soir pendant 30 jours",
            "Eliquis 5 mg comprimé : 1 comprimé matin et soir, à renouveler 1 fois",
            "À renouveler 3 fois",
        )
    )
    assert [medication.renewals for medication in extraction.medications] == [3, 1]


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Lyon, le 12/03/2026", datetime.date(2026, 3, 12)),
        ("Lyon, le 12 mars 2026", datetime.date(2026, 3, 12)),
        ("Le 1er avril 2026", datetime.date(2026, 4, 1)),
        ("12/03/26", datetime.date(2026, 3, 12)),
        ("Fait le 3.11.2025", datetime.date(2025, 11, 3)),
    ],
)
def test_it_reads_the_prescription_date(line, date):
    assert extract(document("Dr Jean MARTIN", "Né(e) le 04/05/1984", line)).date == date


def test_the_date_introduced_by_le_wins_over_other_dates():
    extraction = extract(document("Né le 04/05/1984", "Édité 01/01/2026", "Paris, le 12/03/2026"))
    assert extraction.date == datetime.date(2026, 3, 12)


def test_it_finds_an_rpps_written_in_groups_or_on_the_next_line():
    assert extract(document("Dr Jean MARTIN", "N° RPPS : 100 1746 8140")).prescriber["rpps"] == "10017468140"
    assert extract(document("RPPS", "10017468140")).prescriber["rpps"] == "10017468140"
    assert extract(document("Dr Jean MARTIN")).prescriber == {"name": "Dr Jean MARTIN", "rpps": None}


@pytest.mark.parametrize(
    "line",
    [
        "Dr Manon LEFÈBVRE",
        "Dr Manon LEFÈBVRE Lyon, le 23/08/2026",
        "Dr Manon LEFÈBVRE, médecin généraliste",
        "Lyon, le 23/08/2026 Dr Manon LEFÈBVRE",
    ],
)
def test_the_prescribers_name_leaves_out_what_shares_its_line(line):
    assert extract(document(line)).prescriber["name"] == "Dr Manon LEFÈBVRE"


def test_a_sentence_that_mentions_a_drug_is_not_a_medication():
    extraction = extract(
        document(
            "Amlor 5 mg gélule : 1 gélule le matin",
            "Ne pas associer avec Doliprane",
            "En alternance avec Doliprane 1000 mg si besoin",
        )
    )
    assert [medication.name for medication in extraction.medications] == ["Amlor 5 mg gélule"]


def test_a_qsp_on_its_own_line_is_the_duration_of_medications_without_one():
    extraction = extract(
        document(
            "Kardegic 75 mg poudre : 1 sachet le midi",
            "Eliquis 5 mg comprimé : 1 comprimé matin et soir pendant 10 jours",
            "QSP 3 mois",
        )
    )
    assert [medication.duration_days for medication in extraction.medications] == [90, 10]


def test_a_qsp_right_under_a_medication_without_a_duration_is_its_own():
    extraction = extract(
        document(
            "1) Rivaroxaban 10mg cp : 1 comprimé le soir",
            "QSP 2 mois",
            "2) Diosmectite 3g sachet",
            "2 sachets le soir",
            "QSP 3 mois",
            "3) Lopéramide 2 mg gélule : 1 gélule le soir au coucher",
        )
    )
    assert [medication.duration_days for medication in extraction.medications] == [60, 90, 60]


def test_the_misread_posology_of_a_medication_not_read_is_not_the_prescriptions_duration():
    # Doxylis's name was misread past knowing; its posology, dose misread too, is its own, not everyone's.
    extraction = extract(
        document(
            "Apixaban 2,5 mg comprimé : 1 cp matin et soir",
            "Dxqlvs 100 mg comprmé",
            "1 compeiré 3 tois pau joue QSP3 mois",
        )
    )
    assert [medication.duration_days for medication in extraction.medications] == [None]


def test_a_date_in_the_posology_does_not_end_the_medication():
    [medication] = extract(
        document("Eliquis 5 mg comprimé", "à partir du 12/03/2026", "1 comprimé matin et soir")
    ).medications
    assert medication.periods == ["morning", "evening"]


def test_a_line_the_ocr_is_unsure_of_is_a_warning():
    extraction = extract(DocumentText(pages=[PageText(lines=[Line("2m m sn m t i", 0.55)])], engine="test"))
    assert extraction.medications == []
    assert extraction.warnings == ["Part of the page is hard to read: 2m m sn m t i"]


def test_a_renewable_prescription_renews_every_medication():
    extraction = extract(document("ORDONNANCE renouvelable 2 fois", "Eliquis 5 mg comprimé : 1 cp matin et soir"))
    assert [medication.renewals for medication in extraction.medications] == [2]


def test_a_strength_in_thousands_with_its_unit_misread_is_one_strength():
    # "ZYMAD 10 000 UI/ml" read "10 000 Ulml", the posology's start glued to the form before it ("gouttes4 gouttes"):
    # the posology is what follows the strength, all of its thousands, not its last digits.
    medication = extract(
        document("ZYMAD 10 000 Ulml, sotution buvable en gouttes4 gouttes le matin, pendant 1 semaine")
    ).medications[0]
    assert medication.name.startswith("ZYMAD 10 000")
    assert medication.strength == "10 000 UI/ml"
    assert medication.periods == ["morning"]
    assert medication.duration_days == 7


def test_a_bare_number_is_a_strength_in_its_own_unit():
    # "VENTOLINE 100 microgrammes/dose" with its name and unit misread: the bare 100 is 100 micrograms, as it is 100 mg
    # for a drug that comes in milligrams ("Doliprane 1000").
    [medication] = extract(
        document(
            "4VENTotNE 100 atrogrume/dose, suspension pour inhalation en lacon pressurisé",
            "2 bouffées si gêne respiratoire pendant 2 mois",
            confidence=0.8,
        )
    ).medications
    assert lexicon.get(medication.cis).brand == "VENTOLINE"
    assert medication.strength == "100 microgrammes/dose"
    assert (medication.as_needed, medication.duration_days) == (True, 60)
    # Its "si" lost and its unit misread past knowing, its dose for a symptom is still taken when needed; the next
    # medication's line, its name and strength misread, is not its posology.
    [medication] = extract(
        document(
            "4VENTotNE 100 atrogrume/dose, suspension pour inhalation en lacon pressurisé",
            "2 houllées géne resptodtoire pendant 2 mois",
            "4 ELQtts 15 not setuqrnoé - I op matin, mídi et soir, QSP 3 mois",
            confidence=0.8,
        )
    ).medications
    assert (medication.periods, medication.as_needed, medication.duration_days) == ([], True, 60)


def test_a_line_for_another_length_of_time_is_another_medications():
    # The next medication's name and strength misread past knowing: its posology, for another length of time, is not
    # the medication's before it.
    [medication] = extract(
        document(
            "VENTOLINE 100 microgrammes/dose, suspension pour inhalation en flacon pressurisé",
            "2 bouffées si gêne respiratoire pendant 2 mois",
            "3 ELG25 m wpé- I op matin, mid et or, OSP 3 mois",
            confidence=0.8,
        )
    ).medications
    assert (medication.periods, medication.as_needed, medication.duration_days) == ([], True, 60)
    # A line for the same length of time, or saying how long only, still says more of it.
    lines = ("DOLIPRANE 1000 mg : 1 comprimé le soir pendant 5 jours", "puis 1 cp le matin, 5 jours")
    [medication] = extract(document(*lines)).medications
    assert medication.periods == ["morning", "evening"]
    # A bare number the drug does not come in is no strength.
    assert extract(document("VENTotNE 200 atrogrume/dose : 2 bouffées si besoin", confidence=0.8)).medications == []
