"""Reads a prescription's text into medications, its prescriber and its date.

A medication starts on a line that names a drug of the lexicon confidently; its posology follows on the same
line (after the name, often after a colon) and on the next lines, until the next medication or a line that
adds nothing to it. A line that names no drug is never a medication: a missing medication is caught by the
person reviewing, a wrong one may not be.
"""

import datetime
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from documents.dates import FRENCH_MONTHS, valid_date
from documents.text import DocumentText, Line
from treatments import lexicon
from treatments.extraction import posology

# How sure best_match must be for a line to be a medication: with the drug's strength written next to the
# name, one misread letter in a name is tolerated; without it, the name must be spelled out whole.
MIN_CONFIDENCE_WITH_STRENGTH = 0.8
MIN_CONFIDENCE_WITHOUT_STRENGTH = 0.95
# A name wrapped over two lines leaves a line that adds nothing to the posology: one such line is let in.
MAX_LINES_WITHOUT_POSOLOGY = 1
# A line of a word or two without a number, between a medication's posology lines, that OCR read less surely than
# this: a scrap of them misread.
MAX_SCRAP_CONFIDENCE = 0.9
# The unit a dose written without one ("1-0-1") is counted in comes from the drug's form: a little less sure.
UNIT_FROM_FORM_CONFIDENCE = 0.9
# The fields a medication cannot be scheduled without: the overall confidence is the lowest of theirs.
ESSENTIAL_FIELDS = ("name", "dose", "periods", "duration_days")
# A duration the text does not give is often not written at all (an ongoing treatment), but may be unread.
MISSING_DURATION_CONFIDENCE = 0.5
# Below this OCR confidence, a line that is not part of a medication may be one misread: the reviewer is told.
UNSURE_LINE_CONFIDENCE = 0.7
# How many specialities of a brand are compared with the line (DOLIPRANE has about thirty).
MAX_SIBLINGS = 100

# The zones of a two-zone prescription (ordonnance bizone), as treatments.models.PrescriptionZone stores them.
ZONE_LONG_TERM_CONDITION = "ald"
ZONE_OTHER = "other"
# The words the headings of a two-zone prescription are written with: "Prescriptions relatives au traitement de
# l'affection de longue durée reconnue (liste ou hors liste) (AFFECTION EXONÉRANTE)" above, "Prescriptions SANS
# RAPPORT avec l'affection de longue durée (MALADIES INTERCURRENTES)" below. A heading may wrap over lines.
_HEADING_WORDS = frozenset(
    {
        *("prescriptions", "prescription", "relatives", "relative", "traitement", "traitements", "affection"),
        *("longue", "duree", "reconnue", "liste", "hors", "exonerante", "sans", "rapport", "avec", "maladies"),
        *("maladie", "intercurrentes", "intercurrente", "medicaments", "ald", "au", "aux", "de", "d", "l", "la"),
        *("ou", "en", "et", "a"),
    }
)
# A heading line has at least one of these (a line of "de", "la", "ou" says nothing).
_HEADING_KEY_WORDS = frozenset(
    {"affection", "longue", "duree", "liste", "exonerante", "rapport", "intercurrentes", "intercurrente", "ald"}
)
_UPPER_ZONE_WORDS = frozenset({"relatives", "relative", "reconnue", "exonerante"})
_LOWER_ZONE_WORDS = frozenset({"intercurrentes", "intercurrente"})
# Headings some software prints instead: "ALD", "Traitement ALD", "Hors ALD", "Prescriptions hors A.L.D.".
_SHORT_HEADING = re.compile(r"^(?:(?:prescriptions?|traitements?|medicaments?)\s+)?(?:(hors|non)\s+)?a ?l ?d$")
# With a long heading, one word misread beyond recognition is tolerated.
MIN_HEADING_WORDS_WITH_A_MISREAD_ONE = 4
# A heading of two words up to this many, all like a heading's this much, says its zone.
MAX_SHORT_HEADING_WORDS = 3
MIN_SHORT_HEADING_WORD_LIKENESS = 0.7
# A heading that OCR joined to text printed beside it ("… (AFFECTION EXONÉRANTE) Identification du patient")
# is known by its start: this many heading words, one of them saying the zone.
MIN_HEADING_WORDS_BEFORE_OTHER_TEXT = 5

FORM_UNITS = {
    "comprime": "comprimé",
    "gelule": "gélule",
    "capsule": "capsule",
    "sachet": "sachet",
    "suppositoire": "suppositoire",
}

_CAPITALS = "A-ZÀ-ÖØ-Þ"
_SMALL_LETTERS = "a-zß-öø-ÿ"
# "1.", "2)", "•", "-" before a medication's name, or its number whose dot OCR lost ("5 ROSUVASTATINE") or read as a
# letter ("I) ", "S) "): not a strength.
_BULLET = re.compile(
    r"^\s*(?:[-•*·\u2013\u2014>]+|\(?\d{1,2}\s*[.)](?!\d)|\d{1,2}\s+(?=[^\W\d_]{3})|\(?[^\W\d_]\)(?=\s)"
    # A medication's number glued to its name ("1Escitalopram", "2VENTOLINE"): no drug's name starts so.
    rf"|\d{{1,2}}(?=[{_CAPITALS}](?:[{_CAPITALS}]{{2}}|[{_SMALL_LETTERS}]{{2}})))\s*"
)
# A small letter before a name in capitals: its first letter read small ("vOLTARENE"), or the medication's number
# misread and glued to it ("tLEVOCETIRIZINE").
_SMALL_LETTER_BEFORE_CAPITALS = re.compile(rf"[{_SMALL_LETTERS}](?=[{_CAPITALS}]{{4}})")
# Where the posology starts when no colon says it: "Prendre", "1 cp", "2 gélules", "1/2 comprimé", "1-0-1"; its
# "1" read as a letter ("I cp", "l comprimé"); glued by a stop to the name before it ("prolongée.1cp"), not a decimal's.
_POSOLOGY_START = re.compile(
    r"\b(?:prendre|appliquer|instiller|inhaler)\b"
    r"|(?<![\w,/])(?<![\d.,/]\.)(?:\d+(?:[.,/]\d+)?|½|un|une|deux|[il|](?=\s))\s*"
    r"(?:cp|cpr|comprim|gel|sachet|ampoule|applic|goutte|bouff|dose|pulv|suppo|capsule|patch|pastille)"
    r"|(?<![\w/])\d\s*-\s*\d\s*-\s*\d"
)
# A drug's strength as written, its unit perhaps misread: "100 mg", "0,4 mg", "100 m,", "10 000 Ulml" (in thousands).
_STRENGTH_WRITTEN = re.compile(r"\d{1,3}(?: \d{3})+(?!\d)\s*[^\W\d_]{0,12}|\d+(?:[.,]\d+)?\s*[^\W\d_]{0,12}")
# A unit after a few letters, not a number: a strength OCR could not read ("ā mg", "S mg", "ANO mg" for 100 mg).
_ILLEGIBLE_STRENGTH = re.compile(
    r"(?<!\S)(?:[a-z]{1,3} (?:mg|g|ml|ug|mcg|microgrammes?|ui)|[a-z]{1,3}(?:mg|microgrammes?))\b"
)
# A strength with its unit, even misread, then a form: what a medication's line says after its name.
_STRENGTH_AND_FORM = re.compile(
    rf"\d ?(?:{'|'.join(sorted(lexicon.STRENGTH_UNITS))}) "
    r"(?:comprim|gelule|capsule|sachet|poudre|creme|pommade|collyre)"
)
# Digits OCR takes for one another in a blurred strength; a strength so mended is less sure.
_LOOK_ALIKE_DIGITS = {"1": "7", "2": "7", "7": "12", "3": "8", "8": "360", "5": "6", "6": "58", "0": "8"}
LOOK_ALIKE_STRENGTH_FACTOR = 0.9
# What a posology says beyond a dose, which a drug's name never does.
_POSOLOGY_WHEN = frozenset({"periods", "duration_days", "as_needed"})
_PARENTHESES = re.compile(r"\(([^()]{3,})\)")
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(?: (mg|g|microgrammes?|ug|mcg|ml|ui|u))?\b")
# Lines of the header and footer: the prescriber, the patient, addresses, dates, signature.
_ADMINISTRATIVE_START = re.compile(r"^(?:dr|docteur|pr|professeur|m|mme|mlle|monsieur|madame|mademoiselle)\b")
_ADMINISTRATIVE_WORDS = frozenset(
    {
        *("rpps", "adeli", "finess", "tel", "telephone", "fax", "email", "mail", "siret"),
        *("rue", "avenue", "boulevard", "bd", "allee", "chemin", "impasse", "cedex"),
        *("poids", "taille", "signature", "cachet", "ordonnance", "page", "valable"),
    }
)
_BIRTH = re.compile(r"\bnee?\s*(?:\(\s*e\s*\))?\s*le\b|\bnaissance\b|\bddn\b")
_POSTCODE_START = re.compile(r"^\d{5}\b")
# A French phone number ("05 05 31 79 14", "+33 5 05 31 79 14"), whatever OCR made of the "Tél" before it.
_PHONE = re.compile(r"(?<![\d,.])(?:0|\+ ?33 ?)[1-9](?:[ .-]?\d{2}){4}(?![\d,.]?\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2}) ?[/.-] ?(\d{1,2}) ?[/.-] ?(\d{4}|\d{2})(?!\d)")
_WRITTEN_DATE = re.compile(rf"\b(\d{{1,2}})(?: er)? ({'|'.join(FRENCH_MONTHS)}) (\d{{4}})\b")
_DATED_HERE = re.compile(r"(?:,|\ble|\bfait)\s*$")
_RPPS = re.compile(r"\d{11}")
_DOCTOR = re.compile(r"\b(?:dr|docteur)\b", re.IGNORECASE)
_PLACE_AND_DATE = re.compile(
    r"(?:\s+[^\s,]+,)?\s*(?:fait\s+)?(?:le\s+)?\d{1,2}(?:er)?\s*(?:[/.-]\s*\d|\s+\w+\s+\d{4}).*$", re.IGNORECASE
)


@dataclass
class ExtractedMedication:
    name: str
    substance: str
    cis: str
    strength: str
    form: str
    dose: float | None
    unit: str
    periods: list[str]
    duration_days: int | None
    as_needed: bool
    renewals: int
    instructions: str
    confidence: float
    field_confidence: dict[str, float]
    source_line: str
    # The zone of a two-zone prescription the medication is written in; "" on any other prescription.
    zone: str = ""


@dataclass
class Extraction:
    prescriber: dict
    date: datetime.date | None
    medications: list[ExtractedMedication]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _DrugLine:
    drug: lexicon.Drug
    confidence: float
    name: str
    posology_text: str


@dataclass
class _Block:
    """A medication being read: its drug line and the posology lines after it."""

    head: _DrugLine
    lines: list[Line]
    posology_texts: list[str]
    zone: str
    lines_without_posology: int = 0
    scraps_passed: int = 0

    @property
    def posology_text(self) -> str:
        return " ".join(self.posology_texts)


def extract(document: DocumentText) -> Extraction:
    lines = [line for line in document.lines if line.text.strip()]
    # A PDF's text layer has no OCR slips: a name it gives that the lexicon does not know is not one garbled.
    medications, warnings = _medications(lines, read_by_ocr=document.engine != "pdf-text")
    return Extraction(
        prescriber=_prescriber(lines),
        date=_prescription_date(lines),
        medications=medications,
        warnings=[*document.warnings, *warnings],
    )


def as_json(extraction: Extraction, *, file: str, engine: str) -> dict:
    return {
        "file": file,
        "engine": engine,
        "prescriber": extraction.prescriber,
        "date": extraction.date.isoformat() if extraction.date else None,
        "medications": [_medication_json(medication) for medication in extraction.medications],
        "warnings": extraction.warnings,
    }


def _medication_json(medication: ExtractedMedication) -> dict:
    dose = medication.dose
    return {
        "name": medication.name,
        "substance": medication.substance,
        "cis": medication.cis,
        "strength": medication.strength,
        "form": medication.form,
        # 1 rather than 1.0: a dose is most often a whole number of units.
        "dose": int(dose) if dose is not None and dose.is_integer() else dose,
        "unit": medication.unit,
        "periods": medication.periods,
        "duration_days": medication.duration_days,
        "as_needed": medication.as_needed,
        "renewals": medication.renewals,
        "instructions": medication.instructions,
        "confidence": medication.confidence,
        "field_confidence": medication.field_confidence,
        "source_line": medication.source_line,
        "zone": medication.zone,
    }


# Medications ------------------------------------------------------------------------------------------------------


def _medications(lines: list[Line], *, read_by_ocr: bool) -> tuple[list[ExtractedMedication], list[str]]:
    blocks, shared, warnings = [], [], []
    current, zone = None, ""
    for line in lines:
        # First: a zone's heading is neither a medication nor a posology, and nothing after it continues the
        # medication above it.
        if (heading_zone := _zone_heading(line.text)) is not None:
            zone = heading_zone or zone
            current = None
        # Before the header test: "Ordonnance renouvelable 2 fois" is for every medication.
        elif (wide := _prescription_wide(line.text)) is not None:
            shared.append(wide)
            # Right under a medication that says for how long nowhere else, it is that medication's first.
            if current is not None and "duration_days" in wide.found and _duration_unsaid(current):
                current.lines.append(line)
                current.posology_texts.append(line.text)
            current = None
        elif _is_administrative(line.text):
            current = None
        elif (head := _drug_line(line.text, read_by_ocr)) is not None:
            current = _Block(head=head, lines=[line], posology_texts=[head.posology_text], zone=zone)
            blocks.append(current)
        elif _looks_like_a_drug(line.text):
            warnings.append(f"Not recognised as a medication: {line.text.strip()}")
            current = None
        elif current is None or not _continues(current, line):
            current = None
            if line.confidence < UNSURE_LINE_CONFIDENCE:
                warnings.append(f"Part of the page is hard to read: {line.text.strip()}")
    return [_medication(block, shared) for block in blocks], warnings


def _zone_heading(text: str) -> str | None:
    """The zone a heading of a two-zone prescription opens ("" for a part of a heading that does not say which,
    such as "(liste ou hors liste)"), or None when the line is not such a heading.

    Every word of the line must be a word of the headings, up to a misread letter or two; a long heading may
    have one word misread beyond that, or other text after it. A medication line always names a drug, which is
    not such a word.
    """
    words = lexicon.fold(_MISREAD_LETTER.sub(lambda match: match.group().translate(_LETTERS_OF_DIGITS), text)).split()
    if not words:
        return None
    short = _SHORT_HEADING.match(" ".join(words))
    if short:
        return ZONE_OTHER if short.group(1) else ZONE_LONG_TERM_CONDITION
    read = [_heading_word(word) for word in words]
    if None in read and 2 <= len(words) <= MAX_SHORT_HEADING_WORDS and not re.search(r"\d", text):
        # "(AFFECTION EXONÉRANTE)", "(MALADIES INTERCURRENTES)": a heading of two words says its zone however
        # misread ("GTECTION EXONERANTI)", "UMALADES ONTUBCURRENTIS"), every word like one of the headings'.
        misread = [_heading_word(word, MIN_SHORT_HEADING_WORD_LIKENESS) for word in words]
        if None not in misread and (zone := _zone_of(set(misread))):
            return zone
    known = set(read) - {None}
    if not known & _HEADING_KEY_WORDS:
        return None
    zone = _zone_of(known)
    unknown = read.count(None)
    if not unknown:
        return zone
    # A misread word is tolerated in a long heading that says its zone; "Traitement de l'affection de longue
    # durée à poursuivre" is an instruction.
    if unknown == 1 and zone and len(known) >= MIN_HEADING_WORDS_WITH_A_MISREAD_ONE:
        return zone
    return _zone_of_a_heading_start(words, read)


def _zone_of(heading_words: set[str]) -> str:
    if heading_words & _LOWER_ZONE_WORDS or {"sans", "rapport"} <= heading_words:
        return ZONE_OTHER
    if heading_words & _UPPER_ZONE_WORDS:
        return ZONE_LONG_TERM_CONDITION
    return ""


def _zone_of_a_heading_start(words: list[str], read: list[str | None]) -> str | None:
    """The zone of a line that starts with a heading and goes on with other text, when that start says which
    zone: a sentence of a posology that mentions "l'affection de longue durée" does not start so. The text after
    it must not name a drug: a medication is never taken for a heading."""
    length = next((index for index, word in enumerate(read) if word is None), len(read))
    start = set(read[:length])
    zone = _zone_of(start) if start & _HEADING_KEY_WORDS else ""
    if length < MIN_HEADING_WORDS_BEFORE_OTHER_TEXT or not zone:
        return None
    return zone if _drug_line(" ".join(words[length:])) is None else None


# OCR reads "0" for "o" and "1" for "l" in words too: "RAPP0RT", "re1atives".
_MISREAD_LETTER = re.compile(r"(?<=[^\W\d_])[01]|[01](?=[^\W\d_])")
_LETTERS_OF_DIGITS = str.maketrans("01", "ol")


def _heading_word(word: str, likeness: float = lexicon.MIN_WORD_SIMILARITY) -> str | None:
    """The heading word this word of the text is, misread or not; short words must be exact."""
    if word in _HEADING_WORDS:
        return word
    if len(word) < 4:
        return None
    close = difflib.get_close_matches(word, _HEADING_WORDS, n=1, cutoff=likeness)
    return close[0] if close else None


def _continues(block: _Block, line: Line) -> bool:
    """Adds the line to the block if it says more about the posology (or finishes a wrapped name)."""
    before = posology.parse(block.posology_text)
    if _counts_another_medication(before, line.text):
        return False
    if before.found and _STRENGTH_AND_FORM.search(lexicon.fold(line.text)):
        # After a posology, a strength and a form start another medication, its name not read ("oz 20 ma, comprimé").
        return False
    if before.found & {"periods", "duration_days"} and _unread_name_and_posology(line.text):
        # After a posology saying when or how long, a line with its own before an unknown word and a number is
        # another medication's, its name and strength misread ("iavoprolol t 25 m p. 2 cpr le soir").
        return False
    if _another_duration(before, line.text):
        return False
    after = posology.parse(f"{block.posology_text} {line.text}")
    if after != before:
        block.lines.append(line)
        block.posology_texts.append(line.text)
        return True
    if not before.found and block.lines_without_posology < MAX_LINES_WITHOUT_POSOLOGY:
        block.lines.append(line)
        block.lines_without_posology += 1
        return True
    if _is_a_scrap(line) and not block.scraps_passed:
        # A word or two of the posology misread past reading ("etsog" for "et soir") between its lines: the lines
        # after it are still this medication's ("Pendant 15 jours"). It is kept with the medication's lines, for the
        # reviewer to read on the paper.
        block.lines.append(line)
        block.scraps_passed += 1
        return True
    return False


def _unread_name_and_posology(text: str) -> bool:
    name, posology_text = _split(text)
    words = re.findall(r"[^\W\d_]{5,}", lexicon.fold(name))
    return (
        "periods" in posology.parse(posology_text).found
        and re.search(r"\d", name) is not None
        and any(not posology.is_posology_word(word) for word in words)
    )


def _another_duration(before: posology.Posology, text: str) -> bool:
    """Whether the line says when or how much to take for another length of time than the posology before it has
    said: another medication's, its name misread past knowing ("3 ELG25 m wpé- I cp matin, midi et soir, QSP 3 mois"
    after "2 bouffées si gêne respiratoire pendant 2 mois")."""
    read = posology.parse(text)
    return (
        before.duration_days is not None
        and read.duration_days not in (None, before.duration_days)
        and bool(read.found & {"periods", "dose"})
    )


def _is_a_scrap(line: Line) -> bool:
    return line.confidence < MAX_SCRAP_CONFIDENCE and not re.search(r"\d", line.text) and len(line.text.split()) <= 2


def _duration_unsaid(block: _Block) -> bool:
    return posology.parse(block.posology_text).duration_days is None


def _counts_another_medication(before: posology.Posology, text: str) -> bool:
    """A line counting doses in another kind of unit than the medication's posology does ("bouffées en cas de
    crise" after "2 gélules 2 fois par jour") belongs to a medication whose own line was not read."""
    named = posology.units_named(text) - {"mL"}
    return bool(before.unit and named) and not any(posology.same_kind_of_unit(before.unit, unit) for unit in named)


def _prescription_wide(text: str) -> posology.Posology | None:
    """A line of its own that speaks for the whole prescription: "À renouveler 2 fois", "QSP 3 mois"."""
    read = posology.parse(text)
    if not read.found or not read.found <= {"renewals", "duration_days"}:
        return None
    if "duration_days" in read.found:
        before, qsp, _after = posology.normalize(text).partition("qsp")
        # A medication's posology whose dose was misread ("1 compeiré 3 tois pau joue QSP3 mois") counts before it.
        if not qsp or re.search(r"\d", before):
            return None
    return read


def _looks_like_a_drug(text: str) -> bool:
    """A name with a strength ("Doliprxne 1000 mg") that the lexicon did not recognise: worth a warning."""
    name, _ = _split(_BULLET.sub("", text))
    return any(unit for _, unit in _QUANTITY.findall(lexicon.fold(name))) and bool(re.search(r"[^\W\d]{3}", name))


@functools.lru_cache(maxsize=4096)  # a page is extracted again for each other reading of a doubtful line
def _drug_line(text: str, read_by_ocr: bool = False) -> _DrugLine | None:
    text = _BULLET.sub("", text)
    found = _drug_line_as_read(text, read_by_ocr)
    if found is None and _SMALL_LETTER_BEFORE_CAPITALS.match(text):
        found = _drug_line_as_read(text[1:], read_by_ocr)
    return found


def _drug_line_as_read(text: str, read_by_ocr: bool) -> _DrugLine | None:
    name, posology_text = _split(text)
    if not re.search(r"[^\W\d]{3}", name):
        return None
    # The name as printed, as far as OCR's slips can be mended ("FUROSEMIDE S00 mg"); the line keeps it as read.
    printed = lexicon.mended(name)
    match = _match_drug(printed)
    drug, confidence, in_parentheses = match or (None, 0.0, False)
    names_strength = drug is not None and _names_strength(printed, drug)
    if drug is not None and not names_strength and (seen := _strength_with_a_look_alike_digit(printed, drug)):
        # "Lamotrigine 700 mg": a strength the drug does not come in, one digit from one it does (200 mg).
        match = _match_drug(seen)
        if match is not None and _names_strength(seen, match[0]):
            printed, (drug, confidence, in_parentheses), names_strength = seen, match, True
            confidence *= LOOK_ALIKE_STRENGTH_FACTOR
    needed = MIN_CONFIDENCE_WITH_STRENGTH if names_strength else MIN_CONFIDENCE_WITHOUT_STRENGTH
    if drug is None or confidence < needed or not (in_parentheses or _starts_with_the_drug(printed, drug)):
        # A substance's name OCR garbled past knowing but by the strength written after it: a medication to check.
        garbled = lexicon.garbled_substance(printed) if read_by_ocr else None
        if garbled is None:
            return None
        (drug, confidence), names_strength = garbled, True
    if not names_strength and _ILLEGIBLE_STRENGTH.search(lexicon.fold(printed)) and _has_other_strengths(drug):
        # "CORTANCYL ā mg": a strength is written but not read, and the brand comes in several: which one is
        # not guessed.
        return None
    return _DrugLine(
        drug=_closest_speciality(drug, printed), confidence=confidence, name=name, posology_text=posology_text
    )


def _strength_with_a_look_alike_digit(printed: str, drug: lexicon.Drug) -> str:
    """The line with its strength mended, when the drug's brand does not come in the strength written but in exactly
    one that a digit misread as its look-alike would make ("700 mg" for 200, "15 mg" for 75); else ""."""
    siblings = _siblings(drug)
    strengths = set().union(*(_with_unit(_quantities(sibling.strength)) for sibling in siblings))
    seen = set()
    for written in _STRENGTH_WRITTEN.finditer(printed):
        number = re.match(r"\d+", written[0])[0]
        quantities = _with_unit(_quantities(written[0]))
        if not quantities or quantities & strengths:
            continue
        for position, digit in enumerate(number):
            for other in _LOOK_ALIKE_DIGITS.get(digit, ""):
                text = written[0].replace(number, number[:position] + other + number[position + 1 :], 1)
                if _with_unit(_quantities(text)) & strengths:
                    seen.add(printed[: written.start()] + text + printed[written.end() :])
    return seen.pop() if len(seen) == 1 else ""


def _siblings(drug: lexicon.Drug) -> list[lexicon.Drug]:
    """The specialities of the drug's brand (strengths, forms), itself included."""
    return [sibling for sibling in lexicon.search(drug.brand, limit=MAX_SIBLINGS) if sibling.brand == drug.brand]


def _has_other_strengths(drug: lexicon.Drug) -> bool:
    return any(sibling.strength != drug.strength for sibling in _siblings(drug))


def _starts_with_the_drug(name: str, drug: lexicon.Drug) -> bool:
    """A medication line starts with the drug's name; a sentence that mentions one ("ne pas associer avec
    Doliprane", "en alternance avec …") is an instruction, not a medication."""
    first_word = next(iter(lexicon.text_name_words(name)), "")
    drug_words = set(lexicon.fold(f"{drug.name} {drug.substances}").split())
    return any(
        difflib.get_close_matches(word, drug_words, n=1, cutoff=lexicon.MIN_WORD_SIMILARITY)
        for word in (first_word, *lexicon.acid_name(first_word)[1:])
    )


def _split(text: str) -> tuple[str, str]:
    """The name and the posology of a line: "DOLIPRANE 1000 mg : 1 cp le soir", "Amlor 5 mg 1 gélule/j"."""
    name, colon, rest = text.partition(":")
    if colon:
        return name.strip(" ,;.-"), rest.strip()
    start = _POSOLOGY_START.search(_same_length_fold(text))
    if start is None:
        return _split_after_the_strength(text)
    return text[: start.start()].strip(" ,;.-"), text[start.start() :].strip()


def _split_after_the_strength(text: str) -> tuple[str, str]:
    """A line whose posology does not start as usual, its dose misread ("CONTRAMAL LP 100 mg, comprimé 1 ep le
    matin QSP 3 mois"): the posology is an end of the line after the strength that says when, how long or "as
    needed" as all of that end does. Without a strength, or such words, it is all name. The strength is the first
    number with a unit, if any: a name has numbers too ("Macrogol 4000 10 g")."""
    written = list(_STRENGTH_WRITTEN.finditer(text))
    strength = next((match for match in written if _has_a_unit(match[0])), next(iter(written), None))
    rest = text[strength.end() :] if strength else ""
    read = posology.parse(rest)
    if not read.found & _POSOLOGY_WHEN:
        return text.strip(" ,;.-"), ""
    same = [word.start() for word in re.finditer(r"(?<!\S)\S", rest) if _same_posology(rest[word.start() :], read)]
    # It starts at its dose ("1 ep"), however misread, or else at its last word that still says as much.
    start = next((start for start in same if rest[start].isdigit()), max(same, default=0))
    return (text[: strength.end()] + rest[:start]).strip(" ,;.-"), rest[start:].strip()


def _has_a_unit(strength: str) -> bool:
    return lexicon.fold(strength.lstrip("0123456789.,").strip()) in lexicon.STRENGTH_UNITS


def _same_posology(text: str, read: posology.Posology) -> bool:
    return replace(posology.parse(text), confidence={}) == replace(read, confidence={})


def _same_length_fold(text: str) -> str:
    """Lower case without accents, each character kept in its place so that positions still point in the text."""
    return "".join((unicodedata.normalize("NFKD", character)[:1] or character).lower() for character in text)


def _match_drug(name: str) -> tuple[lexicon.Drug, float, bool] | None:
    """The drug the name means, and whether it is the one named in parentheses. "Paracétamol 1000 mg comprimé
    (Efferalgan)": the brand in parentheses is the one prescribed, the substance before it would match any
    generic equally well."""
    match = lexicon.best_match(name)
    parentheses = _PARENTHESES.search(name)
    if parentheses is not None:
        outside = name[: parentheses.start()] + name[parentheses.end() :]
        strength_and_form = outside[next((i for i, c in enumerate(outside) if c.isdigit()), len(outside)) :]
        brand_match = lexicon.best_match(f"{parentheses.group(1)} {strength_and_form}")
        if brand_match is not None and (match is None or brand_match[1] >= match[1]):
            return *brand_match, True
    return (*match, False) if match else None


def _closest_speciality(drug: lexicon.Drug, name: str) -> lexicon.Drug:
    """Among the specialities of the brand, the one the line describes best: the strength written with its unit
    ("Macrogol 4000 10 g": 10 g, where best_match may take the bare "4000"), then the form the line names
    ("comprimé effervescent" rather than "comprimé orodispersible"), then one whose substances are known."""
    written = _with_unit(_quantities(name))
    words = set(lexicon.fold(name).split())

    def fit(candidate: lexicon.Drug) -> tuple:
        named_form_words = len(words & set(lexicon.fold(candidate.form).split()))
        return bool(_with_unit(_quantities(candidate.strength)) & written), named_form_words, bool(candidate.substances)

    best = max(_siblings(drug), key=fit, default=drug)
    return best if fit(best) > fit(drug) else drug


def _with_unit(quantities: set[tuple[float, str]]) -> set[tuple[float, str]]:
    return {quantity for quantity in quantities if quantity[1]}


def _quantities(text: str) -> set[tuple[float, str]]:
    """Numbers with their unit, masses in mg, so that "1 g" names "1000 mg"; a bare number stays bare."""
    quantities = set()
    for value, unit in _QUANTITY.findall(lexicon.spelled_quantities(lexicon.fold(text))):
        if unit in lexicon.MASS_UNITS_IN_MG:
            quantities.add((round(float(value) * lexicon.MASS_UNITS_IN_MG[unit], 6), "mg"))
        else:
            quantities.add((float(value), unit))
    return quantities


def _names_strength(name: str, drug: lexicon.Drug) -> bool:
    """Whether the line gives the drug's strength, "1000 mg", "1 g" or a bare "1000"; a bare number is the strength's
    in its own unit too ("Ventoline 100", its unit misread, is 100 microgrammes)."""
    strength = _quantities(drug.strength)
    written = _quantities(name)
    bare = {value for value, unit in written if not unit}
    # Each of the strength's numbers in milligrams and as written.
    values = {value for value, _ in lexicon.quantities(drug.strength, bare=True)}
    return bool(strength & written) or bool(values & bare)


def _medication(block: _Block, prescription_wide: list[posology.Posology]) -> ExtractedMedication:
    head = block.head
    read = posology.parse(block.posology_text)
    reading_confidence = min(line.confidence for line in block.lines)
    confidence = {name: value * reading_confidence for name, value in read.confidence.items()}
    duration_days, renewals = _completed(read, prescription_wide, confidence)
    confidence["name"] = head.confidence * block.lines[0].confidence
    unit = read.unit
    if read.dose is not None and not unit:
        unit = _unit_of_form(head.drug.form)
        confidence["unit"] = UNIT_FROM_FORM_CONFIDENCE * reading_confidence if unit else 0.0
    confidence.setdefault("dose", 0.0)
    confidence.setdefault("periods", 0.0)
    confidence.setdefault("duration_days", MISSING_DURATION_CONFIDENCE)
    confidence = {name: round(value, 3) for name, value in confidence.items()}
    return ExtractedMedication(
        name=head.name,
        substance=head.drug.substances,
        cis=head.drug.cis,
        strength=head.drug.strength,
        form=head.drug.form,
        dose=read.dose,
        unit=unit,
        periods=read.periods,
        duration_days=duration_days,
        as_needed=read.as_needed,
        renewals=renewals,
        instructions=read.instructions,
        confidence=min(confidence[name] for name in ESSENTIAL_FIELDS),
        field_confidence=confidence,
        source_line="\n".join(line.text for line in block.lines),
        zone=block.zone,
    )


def _completed(read: posology.Posology, prescription_wide: list[posology.Posology], confidence: dict) -> tuple:
    """The duration and renewals of a medication, taken from the prescription-wide lines when it has none."""
    duration_days, renewals = read.duration_days, read.renewals
    for wide in prescription_wide:
        if duration_days is None and wide.duration_days is not None:
            duration_days, confidence["duration_days"] = wide.duration_days, wide.confidence["duration_days"]
        if not renewals and wide.renewals:
            renewals, confidence["renewals"] = wide.renewals, wide.confidence["renewals"]
    return duration_days, renewals


def _unit_of_form(form: str) -> str:
    """ "comprimé pelliculé" is counted in comprimés, "poudre pour solution buvable en sachet" in sachets."""
    words = lexicon.fold(form).split()
    return next((FORM_UNITS[word] for word in words if word in FORM_UNITS), "")


# Header: prescriber and date --------------------------------------------------------------------------------------


def _is_administrative(text: str) -> bool:
    folded = lexicon.fold(text)
    return bool(
        _ADMINISTRATIVE_START.match(folded)
        or _ADMINISTRATIVE_WORDS.intersection(folded.split())
        or _POSTCODE_START.match(folded)
        or _PHONE.search(folded)
        or _BIRTH.search(posology.normalize(text))
        or _is_dated_here(text)
    )


def _is_dated_here(text: str) -> bool:
    """ "Lyon, le 12/03/2026" is the header's date line; "à partir du 12/03/2026" belongs to a posology."""
    found = _date_in(text)
    return found is not None and found[1]


def _prescriber(lines: list[Line]) -> dict:
    name = next((name for line in lines if (name := _prescriber_name(line.text))), None)
    return {"name": name, "rpps": _rpps(lines)}


def _prescriber_name(text: str) -> str | None:
    """ "Dr Anaïs RICHARD", without what OCR may have joined to it on the same row: the place and date printed
    to its right ("Lyon, le 23/08/2026") or the speciality after a comma."""
    title = _DOCTOR.search(text)
    if title is None:
        return None
    name = _PLACE_AND_DATE.sub("", text[title.start() :])
    return name.partition(",")[0].strip() or None


def _rpps(lines: list[Line]) -> str | None:
    """The 11 digits written after "RPPS", on its line or the next (some put the number under the label)."""
    for index, line in enumerate(lines):
        normalized = posology.normalize(line.text)
        label = normalized.find("rpps")
        if label < 0:
            continue
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        for text in (normalized[label:], posology.normalize(following)):
            found = _RPPS.search(re.sub(r"(?<=\d)[ .](?=\d)", "", text))
            if found:
                return found.group()
    return None


def _prescription_date(lines: list[Line]) -> datetime.date | None:
    """The date the prescription was written: not a birth date; one written "…, le 12/03/2026" first."""
    dates = []
    for line in lines:
        if _BIRTH.search(posology.normalize(line.text)):
            continue
        found = _date_in(line.text)
        if found is not None:
            date, dated_here = found
            dates.append((not dated_here, date))
    return min(dates, key=lambda item: item[0])[1] if dates else None


def _date_in(text: str) -> tuple[datetime.date, bool] | None:
    """The date in the text, and whether it is introduced as the prescription's ("le", "fait le", "Lyon,")."""
    normalized = posology.normalize(text)
    for match in _NUMERIC_DATE.finditer(normalized):
        day, month, year = (int(part) for part in match.groups())
        date = valid_date(year + 2000 if year < 100 else year, month, day)
        if date is not None:
            return date, bool(_DATED_HERE.search(normalized[: match.start()]))
    folded = lexicon.fold(text)
    for match in _WRITTEN_DATE.finditer(folded):
        date = valid_date(int(match.group(3)), FRENCH_MONTHS[match.group(2)], int(match.group(1)))
        if date is not None:
            return date, bool(_DATED_HERE.search(folded[: match.start()]))
    return None
