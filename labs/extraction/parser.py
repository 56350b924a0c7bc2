"""Reads a French lab report's text into observations: for each result line, the analyte (a LOINC code of
labs.analytes), the value, its unit, the reference range and the flag, with the laboratory and the sample date.

A result line starts with an analyte's name; the value is the first number after it, its unit right after
the value. What follows is read by its shape: a range ("3,9 - 5,8", "[4,0-6,0]", "(N: 0,40 - 4,00)", "< 5,0",
"inf. à 1,5"), a flag ("H", "*", "↑"), the same value in a second unit, or the previous result
(antériorité), which is never taken for the current one. Two results side by side (a two-column page) are
split where the second name starts. Nothing is guessed: a line whose unit is not one of the analyte's, or
whose value cannot be told apart, gives no observation or one marked doubtful.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from documents.ocr.base import normalized
from documents.reading import PDF_TEXT_ENGINE as PDF_TEXT
from documents.text import DocumentText, Line
from labs import analytes
from labs.analytes import Analyte
from labs.extraction import header, plausible, ranges
from labs.extraction.values import Token, corrected_digits, tokens

# Names this short ("K", "Na", "TP", "GR") are taken only as printed, upper and lower case included, and
# never in the middle of a line.
SHORT_NAME = 3
# At most this many words between a name and its value ("Créatinine (méthode enzymatique)", "sérique").
MAX_WORDS_BEFORE_VALUE = 6
# Below this line confidence (OCR), every field of an observation on it is marked doubtful.
DOUBTFUL_LINE = 0.6
# Words between a name and its value that make the line about something else than the analyte.
_OTHER_SUBJECT = frozenset(
    {
        *("post", "prandial", "postprandial", "prandiale", "postprandiale", "urinaire", "urinaires", "urine"),
        *("urines", "lcr", "liquide", "temoin", "cible", "objectif", "chez", "si", "pour", "recommande"),
        *("recommandee", "souhaitable", "seuil", "voir", "commentaire", "calcul", "dilution", "controle"),
        *("capillaire", "epreuve", "hgpo", "t30", "t60", "t90", "t120", "apres", "minutes"),
    }
)
# Section titles that make the next lines urine results, and those that end them.
_URINE_SECTION = re.compile(r"\b(?:urine|urines|urinaire|urinaires|ecbu|miction|diurese|echantillon urinaire)\b")
_BLOOD_SECTION = re.compile(
    r"\b(?:sang|sanguin|serum|plasma|hematologie|biochimie|hemostase|coagulation|hormonologie|"
    r"immunologie|lipid\w*|hepatique|renal|ionogramme|numeration|formule)\b"
)
# In a urine section, the blood analyte a name would be read as, and the urine one it is.
_IN_URINE = {"2160-0": "14683-7", "2885-2": "2888-6", "1751-7": "14957-5", "2951-2": "2955-3", "2823-3": "2828-2"}
_URINE_ONLY = frozenset({"14683-7", "2888-6", "2889-4", "14957-5", "9318-7", "2955-3", "2828-2"})
# Blood analytes whose names urine results also use: under a urine title, they are not proposed.
_ALSO_IN_URINE = frozenset(
    {
        *("15074-8", "22664-7", "14933-6", "2075-0", "2000-8", "14879-1", "2601-3", "789-8", "6690-2"),
        *("2744-1", "14631-6", "21198-7", "1963-8", "2160-0", "2885-2", "1751-7", "2951-2", "2823-3"),
    }
)
# Units read with the wrong case by OCR when the analyte accepts only the other spelling.
_CASE_SLIPS = {"g/L": "G/L", "G/L": "g/L", "t/L": "T/L"}
_TITLE_WORDS = re.compile(
    r"\b(?:bilan|exploration|metabolisme|marqueurs?|hematologie|biochimie|hemogramme|numeration|formule|"
    r"ionogramme|enzymologie|vitamin\w*|hormonolog\w*|immunolog\w*|immuno-analyses?|serolog\w*|hemostase|"
    r"coagulation|lipid\w*|glucidique|thyroid\w*|cardiaques?|inflammation|proteines|electrolytes|fonction|"
    r"sang|serum|plasma|biologie|diabetologie|cardiologie|chimie)\b"
)
_HISTORY = re.compile(r"\b(?:resultats? anterieurs?|anteriorites|historique|resultats? precedents?|rappel)\b")


def _units_in(text: str) -> set[str]:
    """The units of the values on a line."""
    return {token.unit for token in tokens(corrected_digits(text)[0]) if token.kind == "quantity" and token.unit}


def _title_with_a_result(text: str) -> bool:
    """A section title carrying a value with its unit, or a range ("BILAN HÉPATIQUE 25 U/L < 35"): read by OCR
    from a tilted page, the values column has slid a row against the names column."""
    prefix = re.split(r"\d", text, maxsplit=1)[0]
    letters = [character for character in prefix if character.isalpha()]
    titled = len(letters) >= 4 and (
        all(character.isupper() for character in letters) or _TITLE_WORDS.search(analytes.fold(prefix))
    )
    if not titled:
        return False
    found = tokens(corrected_digits(text)[0])
    return any(token.kind == "range" or (token.kind == "quantity" and token.unit) for token in found)


_VALUE_START = re.compile(r"^\s*(?:[<>≤≥]\s*)?\d")
_BULLET = re.compile(r"^\s*(?:[-•*·>▪►■□]+\s*)?")


@dataclass
class LabObservation:
    analyte: Analyte
    label: str
    comparator: str
    value: Decimal
    unit: str
    reference_low: Decimal | None
    reference_high: Decimal | None
    flag: str
    previous: dict | None
    page: int
    line: str
    confidence: dict[str, float]
    doubtful: bool = False

    @property
    def unified_value(self) -> Decimal | None:
        if not self.unit and self.analyte.unit:
            return None
        return analytes.to_unit(self.analyte, self.value, self.unit)


@dataclass
class LabExtraction:
    laboratory: dict
    sampled_on: dict
    observations: list[LabObservation]
    warnings: list[str] = field(default_factory=list)


def extract(document: DocumentText) -> LabExtraction:
    observations: list[LabObservation] = []
    warnings: list[str] = []
    in_urine = in_history = False
    # Read by OCR, a row of a wide table may take its range, or a value, from the row above or below.
    ocr = document.engine != PDF_TEXT
    for number, page in enumerate(document.pages, start=1):
        # A name alone on its line whose value starts the next one (a long name wrapped, or OCR cutting a row).
        pending = None
        # Whether a result was read on the page yet, and the units of a value a title line carried.
        started = False
        shifted: set[str] = set()
        previous: list[LabObservation] = []
        rows = _Rows()
        for line in page.lines:
            text = normalized(line.text)
            if not text:
                continue
            if pending is not None and _VALUE_START.match(text):
                text = f"{pending} {text}"
            repaired = False
            if ocr:
                text, repaired = rows.repaired(text)
            found = [] if in_history or not text else _observations(text, line, number, in_urine, ocr)
            if ocr and not found and not repaired and previous and _VALUE_START.match(text) and not _segments(text):
                # "MONOCYTES 4,6 %" then "0,45 G/L [0,20 - 1,00]": the same name's count, on a line of its own.
                found = _second_unit(previous, text, line, number, in_urine, observations)
            for observation in found if repaired else ():
                observation.confidence["analyte"] = round(observation.confidence["analyte"] * 0.45, 2)
                observation.doubtful = True
            pending = text if not found and _is_a_name_alone(text) else None
            if not found:
                in_urine = _section(text, in_urine)
                in_history = _history(text, in_history)
            if repaired:
                # Moved to the name above: kept only when the range printed beside it agrees with the value.
                found = [observation for observation in found if _range_agrees(observation)]
            if ocr:
                if shifted and found and all(any(o.analyte.accepts(unit) for unit in shifted) for o in found):
                    # The value left on the line above (a title's) may be this name's, and this one the next's.
                    shifted = {observation.unit for observation in found}
                    found = []
                elif not found and started and not in_history and _title_with_a_result(text):
                    shifted = _units_in(text)
                else:
                    shifted = set()
            started = started or bool(found)
            previous = found
            observations.extend(found)
    observations = _without_repeats(observations, warnings)
    lines = document.lines
    return LabExtraction(
        laboratory=header.laboratory(lines),
        sampled_on=header.sample_date(lines),
        observations=observations,
        warnings=[*document.warnings, *warnings],
    )


class _Rows:
    """Read by OCR, the names column of a table may end up one row off the values (a tilted scan, a bent
    photo): "HÉMATOCRITE Hémoglobine 13,3 g/dL", then "VGM 43,5 %", then "TCMH 83,3 fL". A name whose value
    has a unit it is never in, while the name left over from the line above is in that unit, gets the value of
    the line above's name; its own name is carried to the next line. When both could be, the value is dropped.
    """

    def __init__(self):
        self.carried: tuple[str, tuple[Analyte, ...]] | None = None

    def repaired(self, text: str) -> tuple[str, bool]:
        carried, self.carried = self.carried, None
        segments = _segments(text)
        if not segments:
            if carried and _VALUE_START.match(text) and self._accepts(carried[1], self._unit(text)):
                return f"{carried[0]} {text}", True
            return text, False
        if len(segments) > 1:
            return text, False
        segment = segments[0]
        split = _qualifier_and_result(corrected_digits(segment.tail)[0])
        if split is None:
            return text, False
        qualifier, result = split
        names = [(segment.label, segment.candidates)] + [
            (qualifier[start:end], candidates) for start, end, candidates in _names_in(qualifier, segment.candidates)
        ]
        unit = self._unit(result)
        fitting = [name for name in names if self._accepts(name[1], unit)]
        left = [name for name in names if name not in fitting]
        self.carried = left[-1] if left else None
        if carried and self._accepts(carried[1], unit):
            if fitting:
                return "", False
            return f"{carried[0]} {result}", True
        return text, False

    @staticmethod
    def _unit(text: str) -> str:
        quantities = [token for token in tokens(text) if token.kind == "quantity"]
        return quantities[0].unit if quantities else ""

    @staticmethod
    def _accepts(candidates: tuple[Analyte, ...], unit: str) -> bool:
        return bool(unit) and any(analyte.accepts(unit) for analyte in candidates)


def _second_unit(previous, text, line, page, in_urine, observations) -> list[LabObservation]:
    """A value alone on its line after a result, in a unit that makes it the same name's other analyte (the
    count after the percentage): read as that, doubtful, when that analyte is not read yet."""
    if len(previous) != 1:
        return []
    before = previous[0]
    found = _observations(f"{before.label} {text}", line, page, in_urine, ocr=True)
    if len(found) != 1 or found[0].analyte is before.analyte or before.analyte.accepts(found[0].unit):
        return []
    if any(other.analyte is found[0].analyte for other in observations):
        return []
    found[0].doubtful = True
    return found


def _range_agrees(observation: LabObservation) -> bool:
    low, high = observation.reference_low, observation.reference_high
    return (low is not None or high is not None) and not ranges.far_outside(observation.value, low, high)


def _is_a_name_alone(text: str) -> bool:
    segments = _segments(text)
    return len(segments) == 1 and not re.search(r"\d", segments[0].tail) and len(segments[0].tail) < 60


def as_json(extraction: LabExtraction, *, file: str | None = None, engine: str | None = None) -> dict:
    result: dict = {}
    if file is not None:
        result["file"] = file
    if engine is not None:
        result["engine"] = engine
    result |= {
        "laboratory": extraction.laboratory,
        "sampled_on": extraction.sampled_on,
        "observations": [_observation_json(observation) for observation in extraction.observations],
        "warnings": extraction.warnings,
    }
    return result


def _observation_json(observation: LabObservation) -> dict:
    unified = observation.unified_value
    return {
        "loinc": observation.analyte.loinc,
        "analyte": observation.analyte.name,
        "label": observation.label,
        "comparator": observation.comparator,
        "value": ranges.decimal_text(observation.value),
        "unit": observation.unit,
        "unified_value": None if unified is None else ranges.decimal_text(unified, rounded=True),
        "unified_unit": observation.analyte.unit,
        "reference_low": ranges.decimal_text(observation.reference_low),
        "reference_high": ranges.decimal_text(observation.reference_high),
        "flag": observation.flag,
        "previous": observation.previous,
        "page": observation.page,
        "line": observation.line,
        "confidence": observation.confidence,
        "doubtful": observation.doubtful,
    }


def _history(text: str, in_history: bool) -> bool:
    """Whether the lines after this one are a table of previous results ("Résultats antérieurs"), which are
    not this report's: from its title to the next title."""
    folded = analytes.fold(text)
    is_title = not re.search(r"\d", folded) and len(folded.split()) <= 6
    if is_title and _HISTORY.search(folded):
        return True
    return in_history and not is_title


def _section(text: str, in_urine: bool) -> bool:
    """Whether the lines after this one (a line without results) are urine results: from a urine title to
    the next title."""
    folded = analytes.fold(text)
    if _URINE_SECTION.search(folded):
        return True
    is_title = not re.search(r"\d", folded) and len(folded.split()) <= 6
    if is_title or _BLOOD_SECTION.search(folded):
        return False
    return in_urine


# --- Names -----------------------------------------------------------------------------------------------


def _same_length_fold(text: str) -> str:
    """Lower case without accents, one character for one (so positions in it are positions in the text)."""
    return "".join(analytes.fold(character)[:1] or " " if character.strip() else " " for character in text)


def _name_pattern(name: str) -> str:
    """A name's regular expression: any separator may be printed between its words, and an abbreviation's
    letters may be dotted ("T.S.H.", "Gamma G.T.")."""
    parts = [
        r"\.?\s?".join(part) if 2 <= len(part) <= 4 and part.isalpha() else re.escape(part)
        for part in re.split(r"[\s\-.'\u2019/()+,]+", name)
        if part
    ]
    return r"[\s\-.'\u2019/()+,]*".join(parts)


def _names_regex() -> re.Pattern:
    names = sorted(analytes.NAMES, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9µ])(?:" + "|".join(_name_pattern(name) for name in names) + r")(?![a-z0-9])")


_NAMES = _names_regex()
_NAME_PATTERNS = {name: re.compile(_name_pattern(name) + r"\Z") for name in analytes.NAMES}
_PRINTED_SHORT = {
    re.sub(r"[\s\-.'\u2019/()+,]", "", spelling)
    for analyte in analytes.ANALYTES
    for spelling in (analyte.name, *analyte.synonyms)
    if len(analytes.fold(spelling)) <= SHORT_NAME
}


def _name_at(folded: str, text: str, start: int, *, inside: bool) -> tuple[int, int, tuple[Analyte, ...]] | None:
    match = _NAMES.match(folded, start) if not inside else None
    return _checked(match, text, inside=inside) if match else None


def _checked(match: re.Match, text: str, *, inside: bool) -> tuple[int, int, tuple[Analyte, ...]] | None:
    matched = match.group(0)
    name = next((name for name, pattern in _NAME_PATTERNS.items() if pattern.match(matched)), None)
    if name is None:
        return None
    if len(name) <= SHORT_NAME:
        printed = re.sub(r"[\s\-.'\u2019/()+,]", "", text[match.start() : match.end()])
        if printed not in _PRINTED_SHORT:
            return None
        # Inside a line, only where a result plainly follows: "TP ....... 78 %", "K : 4,1".
        if inside and not re.match(r"\s*(?:\.{2,}|:)?\s*[<>]?\s*\d", text[match.end() :]):
            return None
    return match.start(), match.end(), analytes.NAMES[name]


# --- Lines -----------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    label: str
    candidates: tuple[Analyte, ...]
    tail: str


def _segments(text: str) -> list[_Segment]:
    """The results on a line: one, or several side by side, each its name and what follows it."""
    folded = _same_length_fold(text)
    start = _BULLET.match(text).end()
    first = _name_at(folded, text, start, inside=False) or _after_title(folded, text, start)
    if first is None:
        return []
    segments = []
    name_start, name_end, candidates = first
    while True:
        following = _next_name(folded, text, name_end)
        end = following[0] if following else len(text)
        segments.append(_Segment(text[name_start:name_end], candidates, text[name_end:end]))
        if following is None:
            return segments
        name_start, name_end, candidates = following


def _after_title(folded: str, text: str, start: int) -> tuple[int, int, tuple[Analyte, ...]] | None:
    """A result after a section title printed on the same line ("BILAN HÉPATIQUE ASAT 23 UI/L", two columns
    where the right one's title faces the left one's result)."""
    for match in _NAMES.finditer(folded, start):
        prefix = text[start : match.start()]
        letters = [character for character in prefix if character.isalpha()]
        is_title = len(letters) >= 4 and (
            all(character.isupper() for character in letters)
            or _TITLE_WORDS.search(analytes.fold(prefix))
            or _URINE_SECTION.search(analytes.fold(prefix))
        )
        if re.search(r"\d", prefix) or len(prefix.split()) > 6:
            return None
        if not prefix.endswith(" ") or not is_title:
            continue
        checked = _checked(match, text, inside=False)
        if checked is not None:
            return checked
    return None


def _next_name(folded: str, text: str, after: int) -> tuple[int, int, tuple[Analyte, ...]] | None:
    """The next result's name on the line: after a number of this one, followed by a number of its own."""
    for match in _NAMES.finditer(folded, after):
        before = text[after : match.start()]
        if not re.search(r"\d", before) or not text[match.start() - 1].isspace():
            continue
        if before.count("(") > before.count(")"):
            continue
        checked = _checked(match, text, inside=True)
        if checked is None:
            continue
        rest = re.sub(r"\.{2,}|…+|_{2,}", " ", text[match.end() :])
        if re.match(r"^[^\d]{0,60}\d", rest) and not re.match(r"^\s*/", rest):
            return checked
    return None


def _observations(text: str, line: Line, page: int, in_urine: bool, ocr: bool = False) -> list[LabObservation]:
    found = []
    for segment in _segments(text):
        found.extend(_read_segment(segment, text, line, page, in_urine, ocr))
    return found


def _qualifier_and_result(tail: str) -> tuple[str, str] | None:
    """The words between a name and its value ("sérique", "(méthode enzymatique)", dotted leaders), and the
    rest; None when the words make the line about something else."""
    tail = re.sub(r"\.{2,}|…+|_{2,}|(?:\s\.)+", " ", tail)
    # "(3e génération)", "(D2+D3)", "(méthode enzymatique)": a name's qualifier, not its value.
    tail = re.sub(r"^(\s*(?:[^\W\d_][\w'\u2019-]*\s*)*)(\([^()]*[^\W\d_]{2,}[^()]*\))", _blanked, tail)
    tail = re.sub(r"\b\d+\s?(?:e|er|ère|ème|eme|nd|nde)\b", lambda match: " " * len(match.group(0)), tail)
    match = re.search(r"(?<!\w)(?:[<>≤≥]\s*)?\d|(?<!\w)(?:inf|sup)[ée.]", tail)
    if match is None:
        return None
    qualifier, result = tail[: match.start()], tail[match.start() :]
    words = re.findall(r"[^\W\d_]+", analytes.fold(qualifier))
    if len(words) > MAX_WORDS_BEFORE_VALUE or _OTHER_SUBJECT.intersection(words):
        return None
    return qualifier, result


def _blanked(match: re.Match) -> str:
    if re.search(r"\d\s*(?:-|\u2013|à)\s*\d|[<>≤≥]|\bN\s*:", match.group(2)):
        return match.group(0)
    return match.group(1) + " " * len(match.group(2))


def _read_segment(
    segment: _Segment, text: str, line: Line, page: int, in_urine: bool, ocr: bool
) -> list[LabObservation]:
    tail, corrected = corrected_digits(segment.tail)
    split = _qualifier_and_result(tail)
    if split is None:
        return []
    qualifier, result = split
    corrected = corrected and corrected_digits(segment.tail[len(qualifier) :])[1]
    counts = bool(re.search(r"/\s*(?:mm\s*[3³]|mmc|µ[lL]|μ[lL])", result))
    found = tokens(result, counts=counts)
    # A flag printed between the name and the value ("Potassium * 5,8").
    prefix_flags = [flag for flag in tokens(qualifier) if flag.kind == "flag"]
    values = [token for token in found if token.kind == "quantity"]
    if not values or values[0].value is None:
        return []
    first = values[0]
    candidates = _one_name(segment, qualifier, first)
    if candidates is None:
        return []
    segment = _Segment(segment.label, candidates[0], segment.tail)
    ambiguous = candidates[1]
    if found.index(first) > 0 and any(token.kind == "range" for token in found[: found.index(first)]):
        # "13,0 - 17,0 14,2": a range before any value is a layout this reader does not know.
        return []
    following = found[found.index(first) + 1] if found.index(first) + 1 < len(found) else None
    if not first.unit and following is not None and following.kind == "word" and re.search(r"[^\W\d_]", following.text):
        # A word right after the value that is no unit of the table: a unit it cannot be checked against.
        return []
    if ocr and ranges.two_units(found, first):
        # "12 L g/l %": two rows of a bent page read as one.
        return []
    # "Natrémie", "Créatininémie": a blood result by its very name, even under a urine title.
    blood_by_name = analytes.fold(segment.label).endswith("emie")
    chosen = _analyte_for(segment.candidates, first, in_urine and not blood_by_name)
    if chosen is None or (ocr and not chosen[1] and chosen[0].unit):
        # Read by OCR, a value without its unit may be another row's.
        return []
    analyte, unit, unit_certainty = chosen
    observations = [(analyte, first, unit, unit_certainty)]
    others: list[Token] = []
    secondary: list[Token] = []
    for token in values[1:]:
        sibling = _sibling(segment.candidates, analyte, token, in_urine)
        if token.unit and analyte.accepts(token.unit) and analytes.unit_spelling(token.unit) != unit:
            secondary.append(token)
        elif sibling is not None and all(sibling is not taken[0] for taken in observations):
            observations.append((sibling, token, analytes.unit_spelling(token.unit), 1.0))
        else:
            others.append(token)
    printed = [token for token in found if token.kind == "range"]
    # A "< 5,0" after the value, where no range was written otherwise, is the range.
    if not printed:
        bare = next((token for token in others if token.comparator and not token.unit), None)
        if bare is not None:
            others.remove(bare)
            printed = [ranges.as_range(bare)]
    line_certainty = min(1.0, line.confidence)
    read = []
    primaries = [token for _, token, _, _ in observations]
    for analyte, token, unit, unit_certainty in observations:
        competitors = [other for other in primaries if other is not token] + secondary
        stops = others + [other for other in primaries if other is not token]
        low, high, range_certainty = ranges.range_for(token, competitors, printed, secondary)
        if ocr and not (
            plausible.range_fits(analyte, unit, low, high) and plausible.value_fits(analyte, unit, token.value)
        ):
            # A range (or a value) no laboratory prints for this analyte: another row's.
            continue
        if ocr and not ranges.flags_after(token, found, stops) and ranges.far_outside(token.value, low, high):
            # Far out of a range and no flag printed: the range is likely another row's.
            low, high, range_certainty = None, None, 0.3
        flag, flag_certainty = ranges.flag_for(token, low, high, found, prefix_flags if token is first else [], stops)
        if ocr and flag_certainty <= ranges.FLAG_AGAINST_RANGE:
            # "3,09 ↑ [10,0-30,0]": the flag printed says the opposite of the range, one of them is another row's.
            continue
        previous = ranges.previous(others, found, unit) if token is first else None
        value_certainty = 0.7 if corrected else 1.0
        if low is not None and high is not None and not ranges.plausible(token.value, low, high):
            value_certainty = min(value_certainty, 0.4)
        confidence = {
            "analyte": round(line_certainty * (0.4 if ambiguous else 1.0), 2),
            "value": round(line_certainty * value_certainty * flag_certainty, 2),
            "unit": round(line_certainty * unit_certainty, 2),
            "reference": round(line_certainty * range_certainty, 2),
        }
        read.append(
            LabObservation(
                analyte=analyte,
                label=(segment.label + (qualifier.rstrip() if re.search(r"\w", qualifier) else "")).strip(" :."),
                comparator=token.comparator,
                value=token.value,
                unit=unit,
                reference_low=low,
                reference_high=high,
                flag=flag,
                previous=previous,
                page=page,
                line=text,
                confidence=confidence,
                doubtful=min(confidence.values()) < 0.5 or line.confidence < DOUBTFUL_LINE,
            )
        )
    return read


def _one_name(segment: _Segment, qualifier: str, value: Token) -> tuple[tuple[Analyte, ...], bool] | None:
    """The names the value may be of, and whether another name stood between: OCR joins the names of two rows
    when a photo bends the page ("Numération plaquettaire MONOCYTES 0,45 G/L"). The value is kept only when
    its unit is one of a single name's, and then marked doubtful."""
    others = _names_in(qualifier, segment.candidates)
    if not others:
        return segment.candidates, False
    groups = [segment.candidates, *(found[2] for found in others)]
    fitting = [group for group in groups if value.unit and any(analyte.accepts(value.unit) for analyte in group)]
    if len(fitting) != 1:
        return None
    return fitting[0], True


def _names_in(qualifier: str, candidates: tuple[Analyte, ...]) -> list[tuple[int, int, tuple[Analyte, ...]]]:
    """Other analytes' names between a name and its value."""
    own = {analyte.loinc for analyte in candidates}
    return [
        checked
        for match in _NAMES.finditer(_same_length_fold(qualifier))
        if (checked := _checked(match, qualifier, inside=False)) is not None
        and not {analyte.loinc for analyte in checked[2]} & own
    ]


def _analyte_for(candidates, token: Token, in_urine: bool) -> tuple[Analyte, str, float] | None:
    """The analyte the name and the value's unit make it, the unit kept and how sure the unit is."""
    candidates = _in_section(candidates, in_urine)
    if not candidates:
        return None
    unit = token.unit
    if unit:
        accepting = [analyte for analyte in candidates if analyte.accepts(unit)]
        if not accepting and unit in _CASE_SLIPS:
            slipped = [analyte for analyte in candidates if analyte.accepts(_CASE_SLIPS[unit])]
            if len(slipped) == 1:
                return slipped[0], _CASE_SLIPS[unit], 0.8
        if len(accepting) >= 1:
            return accepting[0], unit, 1.0
        # A unit none of them is reported in: not a result of theirs (or misread).
        return None
    unitless = [analyte for analyte in candidates if not analyte.unit]
    if unitless:
        return unitless[0], "", 1.0
    if len({analyte.unit for analyte in candidates}) == 1 and len(candidates) == 1:
        # The value without a unit: kept, doubtful, for the reviewer to complete.
        return candidates[0], "", 0.3
    return None


def _in_section(candidates: tuple[Analyte, ...], in_urine: bool) -> list[Analyte]:
    if not in_urine:
        return [analyte for analyte in candidates if analyte.loinc not in _URINE_ONLY] or list(candidates)
    # Under a urine title, a name also measured in urine is the urine analyte, or nothing when the table has
    # no urine one (glucose, urea in urine); other names (CRP beside a urine title) are the blood ones.
    urine = [analytes.get(_IN_URINE.get(analyte.loinc, analyte.loinc)) for analyte in candidates]
    return [
        analyte
        for analyte in urine
        if analyte is not None and (analyte.loinc in _URINE_ONLY or analyte.loinc not in _ALSO_IN_URINE)
    ]


def _sibling(candidates, analyte: Analyte, token: Token, in_urine: bool) -> Analyte | None:
    """Another analyte of the same name this value's unit makes it (neutrophils in % then in G/L)."""
    if not token.unit:
        return None
    for other in _in_section(candidates, in_urine):
        if other is not analyte and other.accepts(token.unit) and not analyte.accepts(token.unit):
            return other
    return None


def _without_repeats(observations: list[LabObservation], warnings: list[str]) -> list[LabObservation]:
    """A result printed twice (a summary page) is proposed once; two different values for one analyte are
    both kept, marked doubtful."""
    kept: list[LabObservation] = []
    for observation in observations:
        same = [other for other in kept if other.analyte is observation.analyte]
        if any(other.value == observation.value and other.unit == observation.unit for other in same):
            continue
        if same:
            for other in (*same, observation):
                other.doubtful = True
            warnings.append(
                gettext("%(analyte)s: two different results on the report.") % {"analyte": observation.analyte.name}
            )
        kept.append(observation)
    return kept
