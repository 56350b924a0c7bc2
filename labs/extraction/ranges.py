"""What a result line says besides its value: which printed range is the value's (when several values or
units share the line), its flag (printed, or given by the range), and the previous result printed beside it."""

import math
from decimal import Decimal

from labs import analytes
from labs.extraction import header
from labs.extraction.values import Token

SIGN_FLAGS = frozenset({"+", "++", "-", "--"})
# A two-sided range whose middle is this many times above or below the value belongs to another unit.
RANGE_MAGNITUDE = 8


def decimal_text(value: Decimal | None, *, rounded: bool = False) -> str | None:
    if value is None:
        return None
    if rounded:
        # A converted value keeps four significant digits: the factors have no more.
        value = Decimal(f"{value:.4g}").normalize() if value else Decimal(0)
    return format(value, "f")


def as_range(token: Token) -> Token:
    below = token.comparator.startswith("<")
    return Token(
        "range",
        token.start,
        low=None if below else token.value,
        high=token.value if below else None,
        comparator="<" if below else ">",
        text=token.text,
    )


def magnitude(value: Decimal) -> float:
    return math.log10(max(float(value), 1e-6))


def distance(value: Decimal, range_token: Token) -> float:
    bounds = [bound for bound in (range_token.low, range_token.high) if bound is not None and bound > 0]
    if not bounds:
        return 0.0
    middle = sum(magnitude(bound) for bound in bounds) / len(bounds)
    return abs(magnitude(value) - middle)


def owner(range_token: Token, primary: Token, competitors: list[Token], secondary: list[Token]) -> Token:
    """Which value on the line a range is for: the one printed just before it, unless its magnitude is
    clearly another's. A value repeated in a second unit has the range only when the magnitude says so."""
    values = sorted([primary, *competitors], key=lambda token: token.start)
    before = [token for token in values if token.start < range_token.start] or values
    owner = before[-1]
    nearest = min(values, key=lambda token: distance(token.value, range_token))
    if nearest is not owner and distance(owner.value, range_token) > 1.2 and distance(nearest.value, range_token) < 0.5:
        owner = nearest
    if owner in secondary:
        others = [token for token in values if token not in secondary]
        main = min(others, key=lambda token: distance(token.value, range_token))
        if not (distance(main.value, range_token) > 0.7 and distance(owner.value, range_token) < 0.3):
            owner = main
    return owner


def range_for(token: Token, competitors: list[Token], ranges: list[Token], secondary: list[Token]):
    """(low, high, certainty): the range of this value among those on the line."""
    if not ranges:
        return None, None, 1.0
    if competitors:
        own = [candidate for candidate in ranges if owner(candidate, token, competitors, secondary) is token]
        if not own:
            return None, None, 1.0
        chosen = min(own, key=lambda candidate: distance(token.value, candidate))
        return chosen.low, chosen.high, 0.9 if len(own) > 1 else 1.0
    two_sided = [candidate for candidate in ranges if candidate.low is not None and candidate.high is not None]
    if len(two_sided) > 1 and len({(candidate.low, candidate.high) for candidate in two_sided}) > 1:
        # "Homme : 13-17  Femme : 12-16": which applies is not on the line.
        return None, None, 0.3
    return ranges[0].low, ranges[0].high, 1.0


def plausible(value: Decimal, low: Decimal, high: Decimal) -> bool:
    if low <= 0:
        return value <= high * RANGE_MAGNITUDE * 4
    return low / RANGE_MAGNITUDE <= value <= high * RANGE_MAGNITUDE * 4


# The certainty of a printed flag that says the opposite of the range.
FLAG_AGAINST_RANGE = 0.4


def flag_for(token: Token, low, high, found: list[Token], prefix: list[Token], others: list[Token]):
    """(flag, certainty): the printed flag next to the value, or the one its range gives."""
    index = found.index(token)
    stop = min((found.index(other) for other in others if found.index(other) > index), default=len(found))
    # "+" and "-" are flags only right after the value (or its unit): further on they are dashes of a title.
    printed = [
        flag.flag
        for position, flag in enumerate(found[index + 1 : stop])
        if flag.kind == "flag" and (position < 2 or flag.text.strip("()") not in SIGN_FLAGS)
    ]
    printed = [flag.flag for flag in prefix] + printed
    derived = derived_flag(token, low, high)
    if not printed:
        return derived, 1.0
    flag = printed[0]
    if flag == "*":
        return derived, 1.0 if derived else 0.8
    if derived and derived != flag:
        return flag, FLAG_AGAINST_RANGE
    return flag, 1.0


def two_units(found: list[Token], value: Token) -> bool:
    """Whether a second unit follows the value's own, with no number between."""
    if not value.unit:
        return False
    for token in found[found.index(value) + 1 :]:
        if token.kind == "unit":
            return True
        if token.kind != "flag":
            return False
    return False


def flags_after(token: Token, found: list[Token], stops: list[Token]) -> bool:
    index = found.index(token)
    stop = min((found.index(other) for other in stops if found.index(other) > index), default=len(found))
    return any(other.kind == "flag" for other in found[max(index - 1, 0) : stop])


def far_outside(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    if low is not None and high is not None:
        margin = (high - low) / 4
        return value > high + margin or value < low - margin
    if high is not None:
        return value > high * Decimal("1.5")
    if low is not None:
        return value < low / Decimal("1.5")
    return False


def derived_flag(token: Token, low, high) -> str:
    value = token.value
    if high is not None and (value > high or (value == high and token.comparator == ">")):
        return "H"
    if low is not None and (value < low or (value == low and token.comparator == "<")):
        return "L"
    return ""


def previous(others: list[Token], found: list[Token], unit: str) -> dict | None:
    """The previous result printed after the current one, with its date when one is beside it."""
    if not others:
        return None
    token = others[0]
    index = found.index(token)
    date = None
    # The date beside it: "7,1 (12/01/2025)", "7,1 le 12/01/25", "12/01/2025 : 7,1".
    after = [
        token
        for token in found[index + 1 : index + 3]
        if not (token.kind == "word" and token.text in ("le", "du", ":"))
    ]
    before = [token for token in found[max(index - 2, 0) : index] if not (token.kind == "word" and token.text == ":")]
    for neighbour in after[:1] + before[-1:]:
        if neighbour.kind == "date":
            dates = header.dates_in(neighbour.text)
            if dates:
                date = dates[0][1].isoformat()
                break
    value = decimal_text(token.value)
    if token.comparator:
        value = f"{token.comparator}{value}"
    return {"value": value, "unit": analytes.unit_spelling(token.unit) if token.unit else unit, "date": date}
