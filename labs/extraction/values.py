"""The part of a result line after the analyte's name, read into tokens: quantities (with their comparator
and unit), reference ranges, flags and dates, in the order printed.

    "6,8 % H [4,0-6,0]  7,1 (12/01/2025)"  ->  quantity 6.8 %, flag H, range 4.0-6.0, quantity 7.1, date
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from labs.analytes import is_unit, unit_spelling

_DATE = re.compile(
    r"\(?(?P<day>\d{1,2})(?P<separator>[/.-])(?P<month>\d{1,2})(?P=separator)(?P<year>\d{4}|\d{2})(?![\d,])\)?"
)
_SHORT_DATE = re.compile(r"(\d{1,2})/(\d{2})(?![\d,.])")
_PLAIN_NUMBER = r"\d+(?:[.,]\d+)?"
# "245 000", "4 500 000": digits grouped by three, for counts per mm³.
_GROUPED_NUMBER = r"\d{1,3}(?:[ \u202f\u00a0.]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?"
_COMPARATOR = r"<=|>=|≤|≥|=<|=>|<|>"
_WORDED_COMPARATOR = (
    r"inf\.?\s*(?:à|a)|sup\.?\s*(?:à|a)|inf[ée]rieure?\s*(?:ou [ée]gale?\s*)?(?:à|a)|"
    r"sup[ée]rieure?\s*(?:ou [ée]gale?\s*)?(?:à|a)|jusqu'?\s*(?:à|a)|max\.?|min\.?|<\s*ou\s*=|>\s*ou\s*="
)
_RANGE_INTRO = r"(?:(?:N|VN|VR|Réf|Ref|Normales?|Valeurs?\s+normales?|Valeurs?\s+de\s+référence)\.?\s*[:=]?\s*)?"
_SEPARATOR = r"\s*(?:-|\u2013|—|à|a|au|/)\s*"
_FLAGS = {
    "H": "H",
    "HH": "H",
    "h": "H",
    "↑": "H",
    "⬆": "H",
    "+": "H",
    "++": "H",
    ">>": "H",
    "haut": "H",
    "L": "L",
    "LL": "L",
    "B": "L",
    "b": "L",
    "↓": "L",
    "⬇": "L",
    "-": "L",
    "--": "L",
    "<<": "L",
    "bas": "L",
    "*": "*",
    "**": "*",
    "***": "*",
    "!": "*",
}
# A flag stands alone ("H", "(L)", "*"), never before a colon ("H : 13-17" is the range for men); a star or
# an arrow may touch the value that follows it ("*5,8").
_FLAG = re.compile(
    r"\(?(" + "|".join(re.escape(flag) for flag in sorted(_FLAGS, key=len, reverse=True)) + r")\)?"
    r"(?:(?=\s|$)(?!\s*[:=])|(?<=[*↑↓⬆⬇!])(?=\d))"
)
_COMPARATORS = {"≤": "<=", "≥": ">=", "=<": "<=", "=>": ">="}
# The letters OCR reads for digits, inside a number: "1O,5", "l4,2", "O,95".
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_OCR_NUMBER = re.compile(r"(?<![\w,.])(?=[\dOolI|,.]*\d)[\dOolI|]+(?:[.,][\dOolI|]+)?(?![\w])")


@dataclass
class Token:
    kind: str  # "quantity", "range", "flag", "date", "word"
    start: int
    comparator: str = ""
    value: Decimal | None = None
    unit: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    flag: str = ""
    text: str = ""
    corrected: bool = False


def decimal(text: str) -> Decimal | None:
    text = re.sub(r"[ \u202f\u00a0]", "", text)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text) and text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def corrected_digits(text: str) -> tuple[str, bool]:
    """OCR's letters for digits inside numbers replaced, and whether any was."""
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        fixed = match.group(0).translate(_OCR_DIGITS)
        changed = changed or fixed != match.group(0)
        return fixed

    return _OCR_NUMBER.sub(fix, text), changed


def tokens(text: str, *, counts: bool = False) -> list[Token]:
    """The tokens of a line's result part. With `counts`, digits grouped by three are one number."""
    number = _GROUPED_NUMBER if counts else _PLAIN_NUMBER

    def parse(digits: str) -> Decimal | None:
        if counts and re.fullmatch(r"\d{1,3}(?:[ \u202f\u00a0.]\d{3})+", digits):
            # "245 000", "245.000" on a line counting per mm³: thousands, not decimals.
            digits = re.sub(r"\D", "", digits)
        return decimal(digits)

    date = _DATE
    range_two = re.compile(
        rf"(?P<open>[\[(])?\s*{_RANGE_INTRO}(?P<low>{number}){_SEPARATOR}(?P<high>{number})"
        rf"(?:\s*(?P<unit>[^\s\])\d][^\s\])]*))?\s*(?P<close>[\])])?"
    )
    range_one = re.compile(
        rf"(?P<open>[\[(])?\s*{_RANGE_INTRO}(?P<comparator>{_WORDED_COMPARATOR}|{_COMPARATOR})\s*(?P<bound>{number})"
        rf"(?:\s*(?P<unit>[^\s\])\d][^\s\])]*))?\s*(?P<close>[\])])?",
        re.IGNORECASE,
    )
    quantity = re.compile(rf"(?P<comparator>{_COMPARATOR})?\s*(?P<value>{number})")
    found: list[Token] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        token, position = _next_token(text, position, date, range_two, range_one, quantity, found, parse)
        if token.kind == "quantity" and not token.unit:
            # A flag between the value and its unit: "20,2 H g/dL", "45 * G/L".
            flag = _FLAG.match(text, _skip_spaces(text, position))
            if flag is not None:
                unit, end = _unit_after(text, flag.end())
                if unit:
                    token.unit = unit
                    found.append(token)
                    token = Token("flag", flag.start(), flag=_FLAGS[flag.group(1)], text=flag.group(0))
                    position = end
        found.append(token)
    return found


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _next_token(text, position, date, range_two, range_one, quantity, found, parse) -> tuple[Token, int]:
    if (match := date.match(text, position)) and 1 <= int(match["day"]) <= 31 and 1 <= int(match["month"]) <= 12:
        return Token("date", position, text=match.group(0)), match.end()
    if (match := range_two.match(text, position)) and _is_range(match, found):
        low, high = parse(match.group("low")), parse(match.group("high"))
        end = (
            match.end()
            if _unit_or_none(match.group("unit")) is not None
            else match.start("unit")
            if match.group("unit")
            else match.end()
        )
        if match.group("open") and not match.group("close"):
            end = match.end("high")
        return Token("range", position, low=low, high=high, text=match.group(0)), max(end, match.end("high"))
    if (match := range_one.match(text, position)) and (match.group("open") or not _starts_with_symbol(match)):
        return _one_sided(match, parse), _range_end(match)
    if match := quantity.match(text, position):
        value = parse(match.group("value"))
        comparator = _COMPARATORS.get(match.group("comparator") or "", match.group("comparator") or "")
        unit, end = _unit_after(text, match.end())
        return Token("quantity", position, comparator=comparator, value=value, unit=unit, text=match.group(0)), end
    if match := range_one.match(text, position):
        return _one_sided(match, parse), _range_end(match)
    if match := _FLAG.match(text, position):
        return Token("flag", position, flag=_FLAGS[match.group(1)], text=match.group(0)), match.end()
    unit, end = _unit_after(text, position)
    if unit:
        return Token("unit", position, unit=unit, text=text[position:end]), end
    end = position + 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return Token("word", position, text=text[position:end]), end


def _is_range(match: re.Match, found: list[Token]) -> bool:
    low, high = decimal(match.group("low")), decimal(match.group("high"))
    if low is None or high is None or low >= high:
        return False
    separator = match.string[match.end("low") : match.start("high")].strip()
    if separator == "/":
        # "1/2" is a fraction or a date more often than a range: only inside brackets.
        return bool(match.group("open"))
    # Before any quantity a bare "3,9 - 5,8" is the result column's "value - flag - ..." only when written
    # with brackets; a range first on the line is still a range.
    return True


def _starts_with_symbol(match: re.Match) -> bool:
    """A bare "< 0,5" is a value written with a comparator when no value came before it."""
    return match.group("comparator")[0] in "<>≤≥="


def _one_sided(match: re.Match, parse) -> Token:
    comparator = match.group("comparator").lower().replace(" ", "")
    bound = parse(match.group("bound"))
    below = comparator.startswith(("<", "≤", "inf", "jusq", "max", "=<"))
    return Token(
        "range",
        match.start(),
        low=None if below else bound,
        high=bound if below else None,
        comparator="<" if below else ">",
        text=match.group(0),
    )


def _range_end(match: re.Match) -> int:
    if match.group("unit") and _unit_or_none(match.group("unit")) is None:
        return match.start("unit")
    return match.end()


def _unit_or_none(text: str | None) -> str | None:
    if not text:
        return None
    return unit_spelling(text) if is_unit(text) else None


def _unit_after(text: str, position: int) -> tuple[str, int]:
    """The unit starting at position (after spaces), spread over up to three pieces ("mL/min/1,73 m²")."""
    start = position
    while start < len(text) and text[start] == " ":
        start += 1
    pieces = list(re.finditer(r"\S+", text[start:]))[:3]
    for count in range(len(pieces), 0, -1):
        end = start + pieces[count - 1].end()
        candidate = text[start:end].rstrip(")],;")
        if is_unit(candidate):
            return unit_spelling(candidate), start + len(candidate)
    # A unit glued to what follows: "g/L(3,9-5,8)" or "%H".
    if pieces:
        match = re.match(r"[^\s(\[\d<>]+", text[start:])
        if match and is_unit(match.group(0)):
            return unit_spelling(match.group(0)), start + match.end()
        for length in range(len(pieces[0].group(0)) - 1, 0, -1):
            candidate = text[start : start + length]
            if is_unit(candidate) and not text[start + length].isalnum():
                return unit_spelling(candidate), start + length
    return "", position
