"""A prescription's doubtful lines read a second time, and the lines that stay hard to read.

OCR is least sure of a line on the dim, blurred or shadowed part of a photo. Such a line is read again
from its own crop, enlarged, on the page as prepared and on the page smoothed another way where a noisy photo has one
(OcrEngine.reread), and of its readings the one kept is the one that makes
the most of the prescription: a medication the lexicon knows with its strength, then the most posology
read. How sure the engine was of each reading does not decide: a confident misreading would win.
A doubtful line (or one with a strength) that still names no drug but starts with a long word and holds a number (a
name garbled, or a strength the drug does not come in) is looked at once more, in how likely each character was along
it (treatments.extraction.spotting); so are the lines of a medication whose moments or duration were not read, for
the posology's words and schedules, however sure the recogniser was of them. Each is looked at on the page as prepared,
then, where that finds nothing better, on its second picture (OcrEngine.line_likelihoods).

A line still doubtful after that is shown to the reviewer beside the medication it belongs to, with
its crop, so that they check it against the paper.
"""

import base64
import io
import re
from dataclasses import dataclass, replace

from documents.ocr import get_engine
from documents.ocr.base import OcrEngine, line_crop
from documents.text import DocumentText, Line, PageText
from treatments import lexicon
from treatments.extraction import posology, spotting
from treatments.extraction.parser import ESSENTIAL_FIELDS, Extraction, as_json, extract

# Below this OCR confidence a line is doubtful: read again, and shown to the reviewer if it stays so.
DOUBTFUL = 0.9
# The confidence of a line read surely whose name was written again from what the recogniser saw: a doubtful one's.
SPOTTED = 0.89
# At most this many lines of a page are read again, those likeliest to change the medications first (each takes a
# quarter of a second): a page of nothing but doubtful lines is a bad photo to take again, not to read line by line.
# Six read on the benchmark's poor photos (three generated sets) all that eight did, the same medications as fully
# right; four lines lost one medication.
MAX_REREAD_LINES = 6
# At most this many lines of a page that may name a drug, garbled, are looked at closer (a tenth of a second each);
# as many that may hold a posology's words.
MAX_SPOTTED_LINES = 8
# A line with a digit may be a medication's misread strength ("2O rng") or posology ("1 cp x3/j").
DIGIT = re.compile(r"\d")
# A word: with a number, it may be a medication's name and strength, both misread ("4 VENtotd 100 aderourmme").
WORD = re.compile(r"[^\W\d_]{4}")
# A line with a word: perhaps a posology's, misread.
TWO_LETTERS = re.compile(r"[^\W\d_]{2}")
# A line with this many digits holds a phone number, a date, an RPPS or a postcode, not a strength.
MIN_IDENTIFIER_DIGITS = 5
# A number with a strength's unit, even misread ("25O mg", "10 ma"), or after its last digit read as a letter ("12s
# microgrammes"): a medication's line, not a phone number's.
STRENGTH = re.compile(rf"\d ?(?:[^\W\d_] )?(?:{'|'.join(sorted(lexicon.STRENGTH_UNITS))})\b|\d ?%")
# The crop shown to the reviewer: as tall as the print on a phone, small enough to keep in the result.
CROP_HEIGHT = 40
CROP_QUALITY = 70


@dataclass(frozen=True)
class HardLine:
    text: str
    crop: str  # a data: URL of the line's picture, or "" when it has none


def extract_rereading(
    document: DocumentText, engine: OcrEngine
) -> tuple[DocumentText, Extraction, list[list[HardLine]]]:
    """The document with its doubtful lines read again, its extraction, and for each medication the lines
    of it that are still hard to read. Only lines that can change the medications are read
    again: those of a medication found, and those with a number (a medication's line misread)."""
    first = extract(document)
    lines_of_medications = {text for medication in first.medications for text in medication.source_line.split("\n")}

    def matters(line: Line) -> int | None:
        """How much reading the line again may change the medications, from 0: a line of one found; a line that
        reads as a strength or a posology (a medication's line misread); another line with a word and a number
        (perhaps a medication's name and strength, both misread); a line of numbers, or of a long one (a phone
        number, a date, an RPPS). None for a line that cannot."""
        if line.text in lines_of_medications:
            return 0
        if not DIGIT.search(line.text):
            return None
        if STRENGTH.search(lexicon.fold(line.text)) or posology.parse(line.text).found:
            return 1
        return 2 if WORD.search(line.text) and len(DIGIT.findall(line.text)) < MIN_IDENTIFIER_DIGITS else 3

    pages = [_reread_page(document, index, engine, matters) for index in range(len(document.pages))]
    document = replace(document, pages=pages)
    extraction = extract(document)
    spotted = _spot_names(document, extraction, engine)
    if spotted is not document:
        document, extraction = spotted, extract(spotted)
    spotted = _spot_posologies(document, extraction, engine)
    if spotted is not document:
        document, extraction = spotted, extract(spotted)
    hard = [_hard_lines(document, medication.source_line) for medication in extraction.medications]
    return document, extraction, hard


def _reread_page(document: DocumentText, index: int, engine: OcrEngine, matters) -> PageText:
    page = document.pages[index]
    if page.picture is None:
        return page
    # The lines most likely to change the medications first, and of those the least sure.
    tiers = {
        position: matters(line)
        for position, line in enumerate(page.lines)
        if line.confidence < DOUBTFUL and line.corners
    }
    doubtful = sorted(
        (position for position, tier in tiers.items() if tier is not None),
        key=lambda position: (tiers[position], page.lines[position].confidence),
    )[:MAX_REREAD_LINES]
    lines = list(page.lines)
    # Read again all at once (the engine may read them side by side): a line's other readings do not depend on which
    # reading of another line is kept.
    others = engine.reread_lines(page, [lines[position] for position in doubtful])
    for position, again in zip(doubtful, others, strict=True):
        readings = [lines[position], *again]
        if len(readings) == 1:
            continue
        scored = [(_worth(document, index, lines, position, reading), reading) for reading in readings]
        best_worth = max(worth for worth, _ in scored)
        # Of readings worth the same, the engine's most confident; the first reading when nothing is better.
        lines[position] = max(
            (reading for worth, reading in scored if worth == best_worth), key=lambda reading: reading.confidence
        )
    return replace(page, lines=lines)


def _spot_names(document: DocumentText, extraction: Extraction, engine: OcrEngine) -> DocumentText:
    """The document with its doubtful lines, and its lines with a strength, that may name a drug, garbled, written again
    with the name and strength the recogniser most likely saw (treatments.extraction.spotting); the same document when
    none is."""
    found = {text for medication in extraction.medications for text in medication.source_line.split("\n")}
    pages, changed = [], False
    for page in document.pages:
        lines = list(page.lines)
        looked_at = [
            position
            for position, line in enumerate(lines)
            # A line with a strength is looked at however sure the recogniser was of it: it is often sure of a name
            # it garbled ("Elqus 2.5mg cp").
            if (line.confidence < DOUBTFUL or STRENGTH.search(lexicon.fold(line.text)))
            and line.corners
            and line.text not in found
            if spotting.may_name_a_drug(line.text)
        ][:MAX_SPOTTED_LINES]
        for position in looked_at:
            for likelihood in engine.line_likelihoods(page, lines[position]):
                spotted = spotting.spotted_line(lines[position], likelihood)
                if spotted:
                    # Written again from what the recogniser saw: doubtful, however sure its reading was, for the
                    # reviewer.
                    lines[position], changed = replace(spotted, confidence=min(spotted.confidence, SPOTTED)), True
                    break
        pages.append(replace(page, lines=lines))
    return replace(document, pages=pages) if changed else document


def _spot_posologies(document: DocumentText, extraction: Extraction, engine: OcrEngine) -> DocumentText:
    """The document with the lines of each medication whose posology was not all read (no moment of the day or no
    duration) written again with the posology's words the recogniser most likely saw there
    (spotting.spotted_posology: of its ways of writing it again, the one that makes the most), where that makes more
    of the prescription (_worth); the same document when none is.
    A medication's lines run from its first to the next medication's: a posology misread past the grammar is not
    among its lines yet."""
    pages, changed = [], False
    for index, page in enumerate(document.pages):
        lines = list(page.lines)
        looked_at = _lines_of_incomplete_posologies(lines, extraction)[:MAX_SPOTTED_LINES]
        # What the page yields as it reads now (its first line "read again" as it is).
        worth = _worth(document, index, lines, 0, lines[0]) if looked_at else 0.0
        for position in looked_at:
            for likelihood in engine.line_likelihoods(page, lines[position]):
                best = None
                for spotted in spotting.spotted_posology(lines[position], likelihood):
                    # Only a line that reads as more of a posology can make more of the prescription.
                    if _posology_fields(spotted) <= _posology_fields(lines[position]):
                        continue
                    spotted_worth = _worth(document, index, lines, position, spotted)
                    if spotted_worth > worth:
                        best, worth = spotted, spotted_worth
                if best is not None:
                    # Written again from what the recogniser saw: doubtful, however sure its reading was, for the
                    # reviewer.
                    lines[position], changed = replace(best, confidence=min(best.confidence, SPOTTED)), True
                    break
        pages.append(replace(page, lines=lines))
    return replace(document, pages=pages) if changed else document


def _posology_fields(line: Line) -> int:
    return len(posology.parse(line.text).found)


def _lines_of_incomplete_posologies(lines: list[Line], extraction: Extraction) -> list[int]:
    """The positions of the page's lines with a word, from the first line of each medication whose posology lacks its
    moments or its duration to the first line of the next medication, the doubtful ones first."""
    firsts = {}
    for medication in extraction.medications:
        texts = medication.source_line.split("\n")
        first = next((position for position, line in enumerate(lines) if line.text in texts), None)
        if first is not None:
            firsts[first] = not medication.periods or medication.duration_days is None
    starts = sorted(firsts)
    positions = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        if firsts[start]:
            positions += [
                position
                for position in range(start, end)
                if lines[position].corners and TWO_LETTERS.search(lines[position].text)
            ]
    # The doubtful lines first; a line read surely may hold a posology misread too ("10-1 20 jours" read at 0.98 for
    # "1-0-1 20 jours").
    return sorted(positions, key=lambda position: lines[position].confidence >= DOUBTFUL)


def _worth(document: DocumentText, index: int, lines: list[Line], position: int, reading: Line) -> float:
    """What the prescription yields with this reading of the line, as if every line were read surely:
    each medication found counts, and each of its essential fields as surely as the text gives it."""
    trial = [*lines[:position], reading, *lines[position + 1 :]]
    pages = [
        replace(page, lines=[replace(line, confidence=1.0) for line in (trial if number == index else page.lines)])
        for number, page in enumerate(document.pages)
    ]
    extraction = extract(replace(document, pages=pages))
    worth: dict[str, float] = {}
    for medication in extraction.medications:
        value = 1 + sum(medication.field_confidence.get(name, 0.0) for name in ESSENTIAL_FIELDS)
        worth[medication.cis] = max(worth.get(medication.cis, 0.0), value)
    # A medication read twice (a line's reading that took in its neighbour's drug) is one invented: it costs
    # more than any medication is worth.
    repeated = len(extraction.medications) - len(worth)
    return sum(worth.values()) - repeated * (1 + len(ESSENTIAL_FIELDS))


def _hard_lines(document: DocumentText, source: str) -> list[HardLine]:
    texts = set(source.split("\n"))
    return [
        HardLine(text=line.text, crop=_crop_url(page, line))
        for page in document.pages
        for line in page.lines
        if line.text in texts and line.confidence < DOUBTFUL
    ]


def _crop_url(page: PageText, line: Line) -> str:
    crop = line_crop(page.picture, line.corners)
    if crop is None:
        return ""
    crop = crop.convert("L")
    if crop.height > CROP_HEIGHT:
        crop = crop.resize((max(1, round(crop.width * CROP_HEIGHT / crop.height)), CROP_HEIGHT))
    output = io.BytesIO()
    crop.save(output, format="JPEG", quality=CROP_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(output.getvalue()).decode("ascii")


def proposal(document: DocumentText, *, file: str, engine: OcrEngine | None = None) -> dict:
    """What a reading stores for review (`as_json`), with each medication's hard lines and, for the debug
    view, how each page was read: its preparation's steps and how many lines were read twice."""
    if any(page.picture is not None for page in document.pages):
        document, extraction, hard = extract_rereading(document, engine or get_engine())
    else:
        extraction = extract(document)
        hard = [[] for _ in extraction.medications]
    result = as_json(extraction, file=file, engine=document.engine)
    for medication, lines in zip(result["medications"], hard, strict=True):
        medication["hard_lines"] = [{"text": line.text, "crop": line.crop} for line in lines]
    result["pages"] = [_page_details(page) for page in document.pages]
    return result


def _page_details(page: PageText) -> dict:
    return {
        "rotation": page.rotation,
        "page_found": page.page_found,
        "steps": [{"name": step.name, "values": step.values, "milliseconds": step.milliseconds} for step in page.steps],
        "lines": len(page.lines),
        "doubtful": sum(line.confidence < DOUBTFUL for line in page.lines),
        "reread": sum(line.reread for line in page.lines),
    }
