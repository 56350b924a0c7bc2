"""A drug's name and strength that OCR garbled on a poor photo, found again in what the recogniser saw: the lines
are real ones, cut out of poor photos (tests/data/prescriptions/README.md), and the recogniser is the real one."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from documents.ocr.likelihood import LineLikelihood
from documents.ocr.local import RapidOcrEngine
from documents.text import DocumentText, Line, PageText
from treatments import lexicon
from treatments.extraction import spotting
from treatments.extraction.parser import extract
from treatments.extraction.rereading import extract_rereading

LINES = Path(__file__).resolve().parent.parent / "data" / "prescriptions" / "lines"


def line_on_its_crop(name: str, text: str, height: float, length: float, margin: float | None = None) -> PageText:
    """The page holding the one line: its crop, the line's box inside the margin of half its height (or `margin`
    pixels)."""
    margin = height / 2 if margin is None else margin
    corners = (
        (margin, margin),
        (margin + length, margin),
        (margin + length, margin + height),
        (margin, margin + height),
    )
    picture = Image.open(LINES / f"{name}.png").convert("RGB")
    return PageText(lines=[Line(text, 0.83, corners)], picture=picture)


@pytest.fixture(scope="module")
def engine():
    return RapidOcrEngine()


def spotted(engine, page: PageText) -> Line | None:
    line = page.lines[0]
    return spotting.spotted_line(line, engine.line_likelihood(page, line))


def medications(*lines: str):
    return extract(
        DocumentText(pages=[PageText(lines=[Line(text, 1.0) for text in lines])], engine="rapidocr")
    ).medications


def test_a_name_and_strength_garbled_past_the_lexicon_are_found_in_what_the_recogniser_saw(engine):
    page = line_on_its_crop("omeprazole-20-mg", "4) Oméptizolo 20 mp 2 gélutes au couchar", 31, 386)
    assert medications(page.lines[0].text) == []  # as read, no drug

    line = spotted(engine, page)

    assert line.text == "4) OMEPRAZOLE 20 mg 2 gélutes au couchar"
    # Still doubtful, and marked read again: the reviewer is shown it beside the medication.
    assert line.reread and line.confidence == page.lines[0].confidence and line.corners == page.lines[0].corners
    (medication,) = medications(line.text, "Pendant 3 semaines")
    assert (medication.substance.lower(), medication.strength, medication.periods) == (
        "oméprazole",
        "20 mg",
        ["bedtime"],
    )


def test_a_misread_strength_is_the_one_of_the_drugs_strengths_the_recogniser_saw(engine):
    text = "2 VEMLAÑAXINE EG LABO LP T5 mg. gélsle à liberatioe prolongée : Posologie : 1-0-1"
    page = line_on_its_crop("venlafaxine-75-mg", text, 38, 747)

    line = spotted(engine, page)

    # The maker's words between the name and the strength are kept: they choose the generic.
    assert line.text == "2 VENLAFAXINE EG LABO LP 75 mg gélsle à liberatioe prolongée : Posologie : 1-0-1"
    (medication,) = medications(line.text)
    assert (medication.strength, medication.periods) == ("75 mg", ["morning", "evening"])
    assert "EG LABO" in medication.name


def test_a_strength_glued_to_the_name_is_found_after_it(engine):
    page = line_on_its_crop("bisoprolol-2-5-mg-glued", "BISOFROLOL25ma", 34, 190)

    line = spotted(engine, page)

    assert line.text == "BISOPROLOL 2,5 mg"
    assert [medication.strength for medication in medications(line.text)] == ["2,5 mg"]


def test_a_long_name_garbled_letter_after_letter_is_found_when_clearly_likelier_than_any_as_long(engine):
    # "Azithromycine 250mg" read "Azehroaryçine 250mig.": shorter names ("neomycine") cost less on faint print, and
    # are not compared; the name's cost is weighed by its letters.
    text = "Azehroaryçine 250mig. 1 comptimé le matin, pendant 2 semaines"
    page = line_on_its_crop("azithromycine-250-mg", text, 35, 571, margin=18)

    line = spotted(engine, page)

    assert line.text == "AZITHROMYCINE 250 mg 1 comptimé le matin, pendant 2 semaines"
    (medication,) = medications(line.text)
    assert (medication.strength, medication.periods, medication.duration_days) == ("250 mg", ["morning"], 14)


def test_a_line_with_a_strength_is_looked_at_however_sure_the_recogniser_was(engine):
    # The same line, read as surely as a line read right: its strength says it is a medication's.
    page = line_on_its_crop("azithromycine-250-mg", "Azehroaryçine 250mig. 1 comptimé le matin", 35, 571, margin=18)
    page = PageText(lines=[replace(page.lines[0], confidence=0.95)], picture=page.picture)

    _, extraction, hard = extract_rereading(DocumentText(pages=[page], engine="rapidocr"), engine)

    assert [(medication.substance.lower(), medication.strength) for medication in extraction.medications] == [
        ("azithromycine", "250 mg")
    ]
    # Its name written again, it is shown to the reviewer as a hard line, with its crop.
    assert [line.text for line in hard[0]] == ["AZITHROMYCINE 250 mg 1 comptimé le matin"]
    assert hard[0][0].crop.startswith("data:image/jpeg;base64,")


def test_names_as_likely_where_the_word_was_read_part_on_the_strength_only_one_comes_in(engine):
    # "Irbésartan 75mg comprimé" read "Wbesrtan 75mog comporé": "irbesartan" (5.7) and "becilan" (5.9) are as likely
    # where the name was read, but only irbesartan comes in a strength as likely as 75 mg after it.
    page = line_on_its_crop("irbesartan-75-mg", "Wbesrtan 75mog comporé", 31, 263, margin=16)

    assert spotted(engine, page).text == "IRBESARTAN 75 mg comporé"


def test_a_name_less_likely_than_another_is_not_taken_for_its_strength(engine):
    # "1) Rivaroxaban 10mg cp" read "1) Rsartsatan 10mg co": the names compared are not the drug's; "incarnata" is the
    # likeliest (11.8), "soriatane" less likely (13.7) but it comes in 10 mg. The strength does not make it the drug.
    page = line_on_its_crop("rivaroxaban-10-mg", "1) Rsartsatan 10mg co 1 compnme ie soit", 27, 351, margin=14)

    assert spotted(engine, page) is None


def test_a_known_name_with_a_strength_the_drug_does_not_come_in_is_looked_at(engine):
    # "3) Simvastatine 40 mg cp" read surely (0.92) as "3) Simvastatine 41 mg cp": the lexicon knows the name, but no
    # simvastatine comes in 41 mg, so the line named no drug. Its strength is the one of the drug's the recogniser saw.
    page = line_on_its_crop("simvastatine-40-mg", "3) Simvastatine 41 mg cp", 23, 213, margin=12)
    page = PageText(lines=[replace(page.lines[0], confidence=0.92)], picture=page.picture)
    assert medications(page.lines[0].text) == []

    _, extraction, hard = extract_rereading(DocumentText(pages=[page], engine="rapidocr"), engine)

    assert [(medication.substance.lower(), medication.strength) for medication in extraction.medications] == [
        ("simvastatine", "40 mg")
    ]
    assert [line.text for line in hard[0]] == ["3) SIMVASTATINE 40 mg cp"]


def test_a_shorter_name_pays_for_the_letters_it_leaves_out(engine):
    # "1. Escitalopram 20 mg" read "1. Esctalepeaso 20 mg": "citalopram" would cost as little as "escitalopram" (7.8)
    # by starting after the "ea" the recogniser read; it pays for them (15.9, escitalopram 10.2), and is not taken.
    text = "1. Esctalepeaso 20 mg : 2 cpr au coucher, I mors. à reouveier 3 fots"
    page = line_on_its_crop("escitalopram-20-mg", text, 38, 600, margin=19)
    assert medications(text) == []

    line = spotted(engine, page)

    assert line.text == "1. ESCITALOPRAM 20 mg : 2 cpr au coucher, I mors. à reouveier 3 fots"
    (medication,) = medications(line.text)
    assert (medication.substance.lower(), medication.strength, medication.periods) == (
        "escitalopram",
        "20 mg",
        ["bedtime"],
    )


def test_a_name_a_space_was_read_in_is_looked_for_in_its_two_words(engine):
    # "Gliclazide 30mg" read "Gig lazade 3omo": neither word is a name's length; the two together, "giglazade", are
    # likeliest gliclazide (12.2 where they were read, glipizide 16.7), which comes in 30 mg.
    page = line_on_its_crop("gliclazide-30-mg", "Gig lazade 3omo: 1 comprime x 33", 23, 310, margin=12)
    assert medications(page.lines[0].text) == []

    line = spotted(engine, page)

    assert line.text == "GLICLAZIDE 30 mg 1 comprime x 33"
    (medication,) = medications(line.text)
    assert (medication.substance.lower(), medication.strength) == ("gliclazide", "30 mg")


def test_a_name_and_its_makers_name_are_not_one_name_cut_in_two():
    # "ROSUVASTATINE SANDOZ 20 mg" read "sOSUVASTANE SANOZ 20 mg": the two words together are likeliest
    # rosuvastatine, but taken so the maker, which names the generic, would be lost.
    assert spotting._name_words(["s", "sOSUVASTANE", "SANOZ", "20", "mg,"]) == [(1, 1)]
    assert spotting._name_words(["sOSUVASTANE", "SANOZ", "20", "mg,"]) == [(0, 1)]
    assert spotting._name_words(["1)", "Gig", "lazade", "3omo:"]) == [(1, 2)]
    assert spotting._name_words(["Dr", "Marie", "LEROY", "1.0"]) == []


def test_a_strength_in_another_unit_than_the_one_read_is_not_written():
    # "Clopidogrel 75 mg" read "Cromboces 5 mg": CROMADOSES comes in "2 %" only, a strength no "mg" is.
    assert spotting._written_again("Cromboces 5 mg tn", "cromboces", 1, "cromadoses", "2 %", True) is None
    assert spotting._written_again("Cromboces 5 mp tn", "cromboces", 1, "clopidogrel", "75 mg", True) == (
        "CLOPIDOGREL 75 mg tn"
    )


def test_a_word_like_a_name_with_no_strength_of_its_own_is_left_as_read(engine):
    # "Pendant 2 mois" read "Perdet2 mos": PEDEA is the likeliest name, but none of its strengths is written after it.
    page = line_on_its_crop("for-two-months", "Perdet2 mos", 34, 153)

    assert spotted(engine, page) is None


def test_after_a_name_read_right_a_strength_misread_more_is_still_found(engine):
    # "FUROSEMIDE TEVA 500 mg" read "… t00 ng": the recogniser saw "s00 ing", where "500 mg" costs 9.2 (more than
    # after a garbled name), the next of FUROSEMIDE's strengths 13.6.
    text = "- FUROSEMIDE TEVA t00 ng, comprime sécable"
    page = line_on_its_crop("furosemide-500-mg-strength-misread", text, 33, 407, margin=16)
    assert medications(text) == []

    line = spotted(engine, page)

    assert line.text == "- FUROSEMIDE TEVA 500 mg comprime sécable"
    (medication,) = medications(line.text)
    assert (medication.substance.lower(), medication.strength) == ("furosémide", "500 mg")


def test_a_name_is_not_written_over_a_number_with_more_digits_than_its_strength(engine):
    # "Posologie : 1-0-0" read "Pasclone 1-90": PIVALONE stands out among the names, and its one strength, "1 %", has
    # no other of its strengths to stand out from; but the three digits read are not its one.
    page = line_on_its_crop("posology-one-nothing-nothing", "Pasclone 1-90", 34, 148, margin=17)

    assert spotted(engine, page) is None
    # Digits read as letters are still a strength's ("T5 mg" for "75 mg", "A0O mg" for "100 mg").
    assert spotting._written_again("Pasclone 1 %", "pasclone", 1, "pivalone", "1 %", True) == "PIVALONE 1 %"


def test_a_name_read_right_is_not_looked_at_again(engine):
    page = line_on_its_crop("bisoprolol-read-right", "3) B SOPROLOL 2.5 mg", 31, 220)

    assert spotted(engine, page) is None  # the recogniser reads "BISOPROLOL" here: the name is not its trouble


def test_a_posologys_words_garbled_past_the_grammar_are_found_in_what_the_recogniser_saw(engine):
    # "1 comprimé 2 fois/jour" read "1 camprtmne 2 tninfjour": no dose, as read.
    page = line_on_its_crop("twice-a-day", "1 camprtmne 2 tninfjour", 29, 212)
    assert medications("Doxycycline 100 mg", page.lines[0].text)[0].dose is None

    (line,) = spotting.spotted_posology(page.lines[0], engine.line_likelihood(page, page.lines[0]))

    assert line.text == "1 comprime 2 fois/jour"
    assert line.reread and line.confidence == page.lines[0].confidence
    (medication,) = medications("Doxycycline 100 mg", line.text)
    assert (medication.periods, medication.dose, medication.unit) == (["morning", "evening"], 1, "comprimé")


def test_a_number_of_times_a_day_garbled_past_the_grammar_is_found_in_what_the_recogniser_saw(engine):
    # "1 cp x2/j pendant 3 mois" read "1 cp xza pendant 3 mois": no moment of the day, as read. The recogniser sees
    # "x2" and a trace of the "/j": it is written as the grammar reads a "x2" whose "/j" is lost.
    page = line_on_its_crop("times-a-day-slash-lost", "1 cp xza pendant 3 mois", 27, 242, margin=14)
    assert medications("Quetiapine 300 mg", page.lines[0].text)[0].periods == []

    (line,) = spotting.spotted_posology(page.lines[0], engine.line_likelihood(page, page.lines[0]))

    assert line.text == "1 cp x2 pendant 3 mois"
    (medication,) = medications("Quetiapine 300 mg", line.text)
    assert (medication.periods, medication.duration_days) == (["morning", "evening"], 90)


def test_a_line_whose_words_read_right_or_stand_out_from_none_is_left_as_read(engine):
    # "3) B SOPROLOL 2.5 mg": the recogniser reads "BISOPROLOL" and "mg", a drug's name and a unit; no posology's word
    # is like the name.
    page = line_on_its_crop("bisoprolol-read-right", "3) B SOPROLOL 2.5 mg", 31, 220)

    assert spotting.spotted_posology(page.lines[0], engine.line_likelihood(page, page.lines[0])) == []


def test_the_spotted_posology_is_kept_when_the_prescription_is_read(engine):
    name = Line("DOXYCYCLINE 100 mg comprimé", 0.99, ((10, 10), (300, 10), (300, 40), (10, 40)))
    page = line_on_its_crop("twice-a-day", "1 camprtmne 2 tninfjour", 29, 212)
    page = PageText(lines=[name, *page.lines], picture=page.picture)

    _, extraction, hard = extract_rereading(DocumentText(pages=[page], engine="rapidocr"), engine)

    assert [(medication.dose, medication.periods) for medication in extraction.medications] == [
        (1, ["morning", "evening"])
    ]
    assert [line.text for line in hard[0]] == ["1 comprime 2 fois/jour"]  # still doubtful: shown to the reviewer


def test_a_posology_read_surely_but_wrong_is_looked_at_too(engine):
    # "1-0-1 20 jours" read surely (0.98) as "10-1 20 jours": the grammar reads no moment of the day in it, where the
    # recogniser, looked at closer, sees "1-0-1".
    name = Line("DIOSMECTITE VIATRIS 3 g sachet", 0.99, ((10, 10), (130, 10), (130, 40), (10, 40)))
    page = line_on_its_crop("one-nothing-one", "10-1 20 jours", 35, 141, margin=18)
    page = PageText(lines=[name, replace(page.lines[0], confidence=0.98)], picture=page.picture)
    assert medications(name.text, "10-1 20 jours")[0].periods == []

    _, extraction, hard = extract_rereading(DocumentText(pages=[page], engine="rapidocr"), engine)

    assert [(medication.periods, medication.duration_days) for medication in extraction.medications] == [
        (["morning", "evening"], 20)
    ]
    # Written again from what the recogniser saw: doubtful, shown to the reviewer.
    assert [line.text for line in hard[0]] == ["1-0-1 20 jours"]


def test_a_line_is_looked_at_on_the_second_picture_where_the_first_shows_nothing(engine):
    # The same line as above, read surely "10-1 20 jours", on a page whose own picture shows nothing there: what the
    # recogniser sees on the page's second picture (smoothed another way) gives the moments.
    name = Line("DIOSMECTITE VIATRIS 3 g sachet", 0.99, ((10, 10), (130, 10), (130, 40), (10, 40)))
    crop = line_on_its_crop("one-nothing-one", "10-1 20 jours", 35, 141, margin=18)
    blank = Image.new("RGB", crop.picture.size, "white")
    page = PageText(lines=[name, replace(crop.lines[0], confidence=0.98)], picture=blank, second_picture=crop.picture)

    _, extraction, hard = extract_rereading(DocumentText(pages=[page], engine="rapidocr"), engine)

    assert [(medication.periods, medication.duration_days) for medication in extraction.medications] == [
        (["morning", "evening"], 20)
    ]
    assert [line.text for line in hard[0]] == ["1-0-1 20 jours"]
    # A page with no second picture has nothing more to show.
    _, extraction, _ = extract_rereading(
        DocumentText(pages=[replace(page, second_picture=None)], engine="rapidocr"), engine
    )
    assert extraction.medications[0].periods == []


def test_the_spotted_medication_is_found_when_the_prescription_is_read(engine):
    page = line_on_its_crop("omeprazole-20-mg", "4) Oméptizolo 20 mp 2 gélutes au couchar", 31, 386)
    document = DocumentText(pages=[page], engine="rapidocr")

    _, extraction, hard = extract_rereading(document, engine)

    assert [(medication.strength, medication.periods) for medication in extraction.medications] == [
        ("20 mg", ["bedtime"])
    ]
    assert [line.text for line in hard[0]] == ["4) OMEPRAZOLE 20 mg 2 gélutes au couchar"]
    assert hard[0][0].crop.startswith("data:image/jpeg;base64,")


@pytest.mark.parametrize(
    ("text", "worth_a_look"),
    [
        ("4) Oméptizolo 20 mp 2 gélutes au couchar", True),
        ("BISOFROLOL25ma", True),
        ("Oméptizolo gélule", False),  # no number: no strength to find
        ("Simvastatine 41 mg", True),  # a name the lexicon knows, with a strength the drug does not come in
        ("Dr Marle LEROY 1.0 6 mars 2026", False),  # a short word first: not a drug's line
        ("Le 12/03/2026", False),
        ("Apct an 2.5 ing", True),  # a name a space was read in: "Apixaban 2.5 mg"
        ("Gig lazade 30 mg", True),
    ],
)
def test_only_lines_that_may_start_with_a_garbled_name_and_hold_a_number_are_looked_at(text, worth_a_look):
    assert spotting.may_name_a_drug(text) is worth_a_look


# The likelihood itself, on a recogniser's output made by hand: an alphabet of the blank and four characters.
ALPHABET = ("<blank>", "o", "0", "m", "É")


def output(*steps: dict[str, float]) -> np.ndarray:
    """A probability per step and character, the rest of each step's probability on the blank."""
    probabilities = np.zeros((len(steps), len(ALPHABET)), np.float32)
    for row, step in enumerate(steps):
        for character, probability in step.items():
            probabilities[row, ALPHABET.index(character)] = probability
        probabilities[row, 0] = 1 - sum(step.values())
    return probabilities


def test_the_likelihood_reads_what_the_recogniser_found_likeliest_and_costs_the_rest():
    likelihood = LineLikelihood.from_probabilities(
        output({"0": 0.6, "o": 0.3}, {"0": 0.5, "o": 0.4}, {}, {"m": 0.9}, {"É": 0.8}), ALPHABET
    )

    # One "0" over two steps, then "m" and "e" (the accent and case set aside).
    assert [(read.character, read.first, read.last) for read in likelihood.reading] == [
        ("0", 0, 1),
        ("m", 3, 3),
        ("e", 4, 4),
    ]
    assert likelihood.cost("0me", 0)[0] == pytest.approx(0, abs=1e-6)
    # "o" was a close second on the first steps: it costs little; "oo" needs a blank between, and costs more.
    assert likelihood.cost("ome", 0)[0] == pytest.approx(np.log(0.6 / 0.3) + np.log(0.5 / 0.4), abs=1e-4)
    assert likelihood.cost("oome", 0)[0] > likelihood.cost("ome", 0)[0]
    # A character the recogniser gave nothing costs a great deal.
    assert likelihood.cost("mme", 0)[0] > 10
    # Where it ends: the last step of "e".
    assert likelihood.cost("ome", 0)[1] == 4
    # The recogniser's own characters, with their accents and case.
    assert "".join(read.shown for read in likelihood.reading) == "0mÉ"


def test_many_texts_cost_at_once_what_each_costs_alone():
    likelihood = LineLikelihood.from_probabilities(
        output({"0": 0.6, "o": 0.3}, {"0": 0.5, "o": 0.4}, {}, {"m": 0.9}, {"É": 0.8}, {"o": 0.7}), ALPHABET
    )
    texts = ["ome", "0m", "mmo", "o", "0meo"]

    costs, ends = likelihood.costs_of(texts, 0)

    assert list(zip(costs.tolist(), ends.tolist(), strict=True)) == [
        pytest.approx(likelihood.cost(text, 0)) for text in texts
    ]


def test_a_text_pays_for_the_characters_read_that_it_leaves_unwritten():
    # "mo" read over steps 0 to 2. "o" could start after the "m", within the slack, as if nothing were there: as the
    # whole text written there, it pays for the "m" left unwritten (nothing there is 9 times less likely than it); so
    # does "m" for the "o" after it.
    likelihood = LineLikelihood.from_probabilities(output({"m": 0.9}, {}, {"o": 0.9}), ALPHABET)

    assert likelihood.cost("mo", 0, 2)[0] == pytest.approx(0, abs=1e-6)
    assert likelihood.cost("o", 0, 2, whole=True)[0] == pytest.approx(np.log(0.9 / 0.1), abs=1e-4)
    assert likelihood.cost("m", 0, 2, whole=True)[0] == pytest.approx(np.log(0.9 / 0.1), abs=1e-4)
    # A text that need not be all that was written there (a schedule whose "/j" the grammar knows lost) skips them.
    assert likelihood.cost("o", 0, 2)[0] == pytest.approx(0, abs=1e-6)


def test_a_lines_boxes_are_read_one_after_the_other_with_a_space_or_nothing_between():
    first = LineLikelihood.from_probabilities(output({"0": 0.6, "o": 0.3}, {}, {"m": 0.9}), ALPHABET)
    second = LineLikelihood.from_probabilities(output({"É": 0.8}, {"o": 0.7}), ALPHABET)

    line = LineLikelihood.joined([first, second])

    # The second box's characters come after a step between the boxes, read as a space.
    assert [(read.character, read.first, read.last) for read in line.reading] == [
        ("0", 0, 0),
        ("m", 2, 2),
        (" ", 3, 3),
        ("e", 4, 4),
        ("o", 5, 5),
    ]
    # A word may run on from one box to the next, or a space part them, at no cost; nothing else is there.
    assert line.cost("0meo", 0)[0] == pytest.approx(line.cost("0m eo", 0)[0]) == pytest.approx(0, abs=1e-6)
    assert line.cost("0mmeo", 0)[0] > line.cost("0meo", 0)[0] + 10
    assert LineLikelihood.joined([first]) is first


def test_a_posologys_word_is_written_only_where_one_stands_out():
    # "mo" read, and the recogniser gave nothing to the letters any posology's word adds to it ("mois", "mos"): each
    # costs far more than the reading, and the word is left as read.
    likelihood = LineLikelihood.from_probabilities(output({"m": 0.9}, {}, {"o": 0.9}), ALPHABET)
    assert spotting.spotted_posology(Line("mo", 0.5), likelihood) == []


def test_a_name_that_comes_in_no_strength_is_not_the_one_before_a_strength(engine):
    # "Eliquis 2,5mg cp" read surely "Elqus 2.5mg cp": ELAPS, a homeopathic stock, is likelier where the word was read,
    # but comes in no strength; ELIQUIS comes in 2,5 mg.
    text = "- Elqus 2.5mg cp - 1 cpr 2 tois par jour, pendant 1 semaine"
    page = line_on_its_crop("eliquis-2-5-mg", text, 29, 530, margin=15)
    assert medications(text) == []

    line = spotted(engine, page)

    assert line.text == "- ELIQUIS 2,5 mg cp - 1 cpr 2 tois par jour, pendant 1 semaine"
    (medication,) = medications(line.text)
    assert (medication.substance.lower(), medication.strength, medication.periods) == (
        "apixaban",
        "2,5 mg",
        ["morning", "evening"],
    )


def test_a_strength_in_thousands_is_written_in_place_of_all_its_numbers():
    # "ZYMAD 10 000 UI/ml" read "ZYMAO 10 000 Ulml": the strength's unit, misread, goes with its two numbers.
    assert spotting._written_again("ZYMAO 10 000 Ulml, 4 gouttes", "zymao", 1, "zymad", "10 000 UI", True) == (
        "ZYMAD 10 000 UI 4 gouttes"
    )
    # A number after the strength is not one of its thousands.
    assert spotting._written_again("ZYMAO 10000 4 gouttes", "zymao", 1, "zymad", "10 000 UI", True) == (
        "ZYMAD 10 000 UI 4 gouttes"
    )


def test_of_the_words_the_recogniser_may_have_seen_the_grammar_takes_the_one_that_makes_a_posology(engine):
    # "QSP 2 mois" read surely "05P 2 mans": "ans" is the likeliest word where "mans" was read, "mois" a close second;
    # two years is no prescription's length, two months is.
    text = "- Périndopril 5 mg comprime, Prendre 1-1-1, 05P 2 mans"
    page = line_on_its_crop("perindopril-two-months", text, 32, 500, margin=15)
    likelihood = engine.line_likelihood(page, page.lines[0])
    run = next(run for run in spotting._runs(likelihood.reading) if "".join(c.shown for c in run) == "mans")
    ranked = spotting._ranked(likelihood, run, 4, [("ans", "an"), ("mois", "mois")])
    assert [word for _, word in ranked] == ["ans", "mois"] and spotting._stands_out_of(ranked)
    assert medications(text)[0].duration_days is None

    lines = spotting.spotted_posology(page.lines[0], likelihood)

    assert lines and all(line.text.endswith(" 2 mois") for line in lines)
    (medication,) = medications(lines[-1].text)
    assert (medication.strength, medication.periods, medication.duration_days) == (
        "5 mg",
        ["morning", "noon", "evening"],
        60,
    )


def test_a_line_keeps_its_own_reading_up_to_the_first_word_written_again(engine):
    # Furosémide 40 mg twice a day for 21 days, its line read again from its crop "11 FUROSEMIDE 40 mg 2 camgrimés
    # x20 21 jeers": the name right, the posology not. Along the page the recogniser read "1) ruromémado 40 mg. 2
    # camprimés s20 21 jears": no drug's name there, but the posology.
    text = "11 FUROSEMIDE 40 mg 2 camgrimés x20 21 jeers"
    page = line_on_its_crop("furosemide-twice-a-day", text, 28, 436, margin=15)
    (medication,) = medications(text)
    assert (medication.periods, medication.duration_days) == ([], None)

    whole, kept = spotting.spotted_posology(page.lines[0], engine.line_likelihood(page, page.lines[0]))

    assert medications(whole.text) == []
    assert kept.text == "11 FUROSEMIDE 40 mg 2 comprime x2 21 jour"
    # Reading the prescription, the one that makes the most of it is kept, doubtful, for the reviewer.
    sure = replace(page.lines[0], confidence=0.95)
    _, extraction, hard = extract_rereading(
        DocumentText(pages=[replace(page, lines=[sure])], engine="rapidocr"), engine
    )
    assert [(m.substance.lower(), m.strength, m.periods, m.duration_days) for m in extraction.medications] == [
        ("furosémide", "40 mg", ["morning", "evening"], 21)
    ]
    assert [line.text for line in hard[0]] == [kept.text]


def test_a_number_read_as_a_sign_before_fois_is_the_digit_that_makes_a_schedule(engine):
    # "3 fois par jour" read "5 toia par jour" on the line's crop, "& foia pat jour" by the recogniser along it: "5" is
    # the likeliest digit where the "&" was read, but no one takes a medication five times a day; "3" is next.
    text = "4 comprimpé5 toia par jour"
    page = line_on_its_crop("three-times-a-day-number-misread", text, 27, 243, margin=15)
    assert medications("Bisoprolol 10 mg", text)[0].periods == []
    likelihood = engine.line_likelihood(page, page.lines[0])
    assert "".join(character.shown for character in likelihood.reading) == "4 comprimé & foia pat jour"

    lines = spotting.spotted_posology(page.lines[0], likelihood)

    assert lines[0].text == "4 comprimé 3 fois pat jour"
    for line in lines:
        (medication,) = medications("Bisoprolol 10 mg", line.text)
        assert medication.periods == ["morning", "noon", "evening"]


def test_a_line_read_surely_with_a_number_and_a_unit_after_a_letter_is_looked_at(engine):
    # "FLIXOTIDE 125 microgrammes/dose" read surely (0.91) "ixohipr 12s microgrammes/dose": its "5" read as a letter,
    # nothing says a strength there, yet the recogniser saw FLIXOTIDE and 125 along the line. Its strength's unit is
    # written once.
    text = "ixohipr 12s microgrammes/dose, suspension pour inhalation en flacon"
    page = line_on_its_crop("flixotide-125-micrograms-read-surely", text, 28, 713, margin=15)
    sure = replace(page.lines[0], confidence=0.91)
    assert medications(text) == []

    _, extraction, hard = extract_rereading(
        DocumentText(pages=[replace(page, lines=[sure])], engine="rapidocr"), engine
    )

    assert [(m.name, m.strength) for m in extraction.medications] == [
        ("FLIXOTIDE 125 microgrammes/dose, suspension pour inhalation en flacon", "125 microgrammes/dose")
    ]
    assert [line.text for line in hard[0]] == [extraction.medications[0].name]


def test_a_strength_after_a_names_own_number_is_found_after_it(engine):
    # "Macrogol 4000 10g poudre, 2 sachets matin midi soir, pendant 1 semaine": the name and its own number garbled.
    text = "Macroga a00; 10g pourtre, 2 sactens matn eidi soir, perdant 1 semaine"
    page = line_on_its_crop("macrogol-4000-10-g", text, 32, 660)
    assert medications(text) == []  # as read, no drug

    line = spotted(engine, page)

    # The strength is the number that reads as one of the drug's, not the name's own number garbled before it, which
    # would be taken for the strength.
    assert line.text == "MACROGOL 10 g pourtre, 2 sactens matn eidi soir, perdant 1 semaine"
    (medication,) = medications(line.text)
    assert lexicon.get(medication.cis).name.startswith("MACROGOL 4000 ")
    assert (10000.0, "mg") in lexicon.quantities(medication.strength)  # 10 g
    assert (medication.periods, medication.duration_days) == (["morning", "noon", "evening"], 7)


def test_a_strength_whose_digits_were_all_read_as_letters_is_found_before_its_unit(engine):
    # "PREGABALINE ZENTIVA 100 mg, gélule", where the recogniser saw "pregabaline zentiva ano mg": no digit after the
    # name, but a word before a strength's unit.
    page = line_on_its_crop("pregabaline-100-mg-digits-as-letters", "PREGANALINE ZEN(TIVA A0O mg gete", 33, 362, 16)
    assert medications(page.lines[0].text) == []  # as read, no drug

    line = spotted(engine, page)

    assert line.text == "PREGABALINE ZEN(TIVA 100 mg gete"
    assert [medication.strength for medication in medications(line.text)] == ["100 mg"]


def test_a_short_name_read_with_a_letter_lost_is_found(engine):
    # "ZYMAD 10 000 UI/ml", where the recogniser saw "zmad 10 000 utaml": a name of five letters read in four.
    text = "ZMAn 10 00g Utiel, solution bavable en gouttes - 4 gouttes le matin, 21 jours"
    page = line_on_its_crop("zymad-10-000-ui-a-letter-lost", text, 34, 703, 17)
    assert medications(text) == []  # as read, no drug

    line = spotted(engine, page)

    (medication,) = medications(line.text)
    assert lexicon.get(medication.cis).brand == "ZYMAD"
    assert medication.strength == "10 000 UI/ml"
    assert (medication.periods, medication.duration_days) == (["morning"], 21)
