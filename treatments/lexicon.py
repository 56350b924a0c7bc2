"""The French drug lexicon: autocomplete on brands and substances, and recognising the drug a line of text names.

It reads `data/drug_lexicon.tsv.gz`, which `manage.py build_drug_lexicon` derives from the public drug database
(BDPM). The database itself is not shipped: this file is all the project knows about drugs.
"""

import bisect
import collections
import difflib
import functools
import gzip
import heapq
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

LEXICON_PATH = Path(__file__).parent / "data" / "drug_lexicon.tsv.gz"

MIN_QUERY_LENGTH = 2
# Below this, best_match would rather say nothing than name a drug the text probably does not mention.
MIN_CONFIDENCE = 0.5
# Two words this similar (difflib ratio) are taken as the same word misread: "doliprame" / "doliprane" is 0.89,
# one wrong letter in five is 0.8, while "patient" / "pariet" (0.77) are two different words.
MIN_WORD_SIMILARITY = 0.8
# Below this likeness (difflib ratio), the words after a generic's name are not taken for its maker misread:
# "RRKA" for "KRKA" is 0.75, "ZF" for "EG" is 0.
MIN_MAKER_LIKENESS = 0.6
# An OCR slip rarely adds or loses more than a letter, or two in a long word; it also rarely hits the first one.
LONG_WORD = 8
# A word this long may be read with its first letter wrong, when it is otherwise this similar ("pluoxetine" /
# "fluoxetine" is 0.9; "paroxetine", first letter right, 0.8).
MIN_SLIPPED_FIRST_LETTER_LENGTH = 7
MIN_SLIPPED_FIRST_LETTER_SIMILARITY = 0.85
# Digits OCR reads in place of the letters they look like, in a word that has this many letters for each
# ("cetr3zine", "alpr420lam", not "10mg" or "b12").
_LETTER_LOOKING_DIGITS = str.maketrans("0123456789", "OLZEASGTBG")
MIN_LETTERS_AROUND_DIGITS = 2
# The letters OCR reads as each digit at the end of a name glued to its strength, and how many it may have read so.
_LETTERS_OF_DIGITS = {"0": "o", "1": "il", "2": "z", "5": "s", "6": "g", "8": "b"}
MAX_LETTERS_READ_AS_DIGITS = 2
# A number written against its unit or a short abbreviation ("5mg", "2cp", "10ml"): not a word.
_NUMBER_WITH_ITS_UNIT = re.compile(r"\d+[^\W\d_]{1,4}")
# Letters OCR reads in place of the digits they look like, in a number that has at least as many digits and
# ends as a number does ("1L" is a litre).
_NUMBER_WITH_LETTERS = re.compile(r"[0-9SOoIlLZ]*[0-9Oo]")
# A word of capitals, but for a small l or two among them.
_CAPITALS_WITH_A_SMALL_L = re.compile(r"(?=(?:.*[A-ZÀ-Ý]){3})[A-ZÀ-Ý]*l[A-ZÀ-Ý]*(?:l[A-ZÀ-Ý]*)?")
_DIGIT_LOOKING_LETTERS = str.maketrans("SOoIlLZ", "5001112")
# A strength of one digit read as the letter it looks like, against its unit ("Prednisolone Smg").
_LETTER_FOR_A_DIGIT_BEFORE_MG = re.compile(r"[SZl]mg")
# What OCR makes of "mg" after a number.
MISREAD_MG = frozenset({"ma", "my", "mq", "mj", "ng", "rng", "rnq", "rmy", "rmg", "mng", "img", "ing", "mig", "nig"})
# A name OCR glued to its strength ("Fluoxétine20 mg", "ARROW10 mg", "Phloroglucinol160mg"): its letters, the
# number and perhaps the unit. It is cut where the space was lost, when a strength's unit follows the number.
_NAME_GLUED_TO_A_NUMBER = re.compile(r"([^\W\d_]{3,})(\d+(?:[.,]\d+)?)([^\W\d_]{0,12}|%)")
# A maker of generics is a word after the substance in this many brands at least, of this many letters at least; it
# is looked for at the end of a word this much longer than it ("MIRTAZAPINEZENTIVA").
MIN_MAKER_BRANDS = 30
MIN_MAKER_LENGTH = 4
MIN_NAME_BEFORE_A_MAKER = 5
# The shortest start of a form's word that names it when glued to a strength ("10mggel").
MIN_FORM_PREFIX = 3
# A substance's name OCR garbled past MIN_WORD_SIMILARITY ("Esctatnpram 20 mg", "SAÑTHBOMCINE RRKA 25O mg"): a long
# first word still this like one substance is that substance, when the strength written with its unit is one it comes
# in and no other substance about as like comes in it; a shorter one (from MIN_GARBLED_LENGTH_WITH_A_MAKER), only among
# the generics of the maker written after it, read right. The reviewer is asked to check it.
MIN_GARBLED_LENGTH = 7
MIN_GARBLED_LENGTH_WITH_A_MAKER = 5
MIN_GARBLED_SIMILARITY = 0.65
MIN_GARBLED_MARGIN = 0.1
# Letters OCR may lose or add in such a word ("GABAFENE" for "GABAPENTINE").
MAX_GARBLED_LENGTH_CHANGE = 3
# The maker written after such a name is the generic's when this like its maker ("RRKA" for "KRKA" is 0.75; "ViA L"
# for "VIATRIS LP", 0.67, is KRKA's garbled).
MIN_GARBLED_MAKER_LIKENESS = 0.75
# A word with a point between its letters, which a speck on the paper put there.
_SPECK_CUT_WORD = re.compile(r"(?<!\S)[^\W\d_]{2,}\.[^\W\d_]{2,}(?!\w)")
# Salt and hydrate words of substance names: a prescription writes "lévothyroxine", not "lévothyroxine sodique".
SALT_WORDS = frozenset(
    [
        "sodique",
        "potassique",
        "calcique",
        "magnesique",
        "chlorhydrate",
        "dichlorhydrate",
        "bromhydrate",
        "phosphate",
        "sulfate",
        "acetate",
        "citrate",
        "maleate",
        "fumarate",
        "tartrate",
        "succinate",
        "besilate",
        "mesilate",
        "tosilate",
        "monohydrate",
        "dihydrate",
        "trihydrate",
        "hemihydrate",
        "sesquihydrate",
        "anhydre",
        # Esters of corticosteroids: "Fluticasone 50 µg" is written for "propionate de fluticasone".
        "propionate",
        "dipropionate",
        "furoate",
        "valerate",
    ]
)
# How much less sure best_match is when the text gives no strength, or strengths the drug does not come in.
NO_STRENGTH_FACTOR = 0.95
OTHER_STRENGTH_FACTOR = 0.85
# How prescriptions abbreviate forms that are not a prefix of the form's name.
FORM_ABBREVIATIONS = {"cp": "comprime", "cpr": "comprime", "cps": "comprime"}
# Forms prescriptions name by their packaging: a powder "en sachet".
FORMS_OF_PACKAGINGS = {"sachet": "poudre", "sachets": "poudre"}
# Units a strength is written in, with their factor to the unit strengths are compared in.
MASS_UNITS_IN_MG = {"g": 1000, "mg": 1, "microgramme": 0.001, "microgrammes": 0.001, "ug": 0.001, "mcg": 0.001}
OTHER_UNITS = {"ml", "l", "ui", "u", "mbq", "mmol", "ch", "dh"}
# A homeopathic dilution is always written with its unit ("Arnica 9 CH"): a number alone on a line is not one.
DILUTION_UNITS = frozenset({"ch", "dh"})
# A strength's unit as OCR may read it: a number glued to a name before one is the name's strength.
STRENGTH_UNITS = frozenset(MASS_UNITS_IN_MG) | OTHER_UNITS | MISREAD_MG
# Units written in several ways, each with the one spelling strengths are compared in.
UNIT_SPELLINGS = {"unites": "ui", "unite": "ui", "u": "ui"}


@dataclass(frozen=True)
class Drug:
    cis: str  # the speciality's code in the BDPM
    name: str  # full denomination: "DOLIPRANE 1000 mg, comprimé"
    brand: str  # the denomination up to its strength: "DOLIPRANE"
    strength: str  # "1000 mg", "500 mg/30 mg"
    form: str  # "comprimé"
    routes: str  # "orale", "cutanée, orale"
    substances: str  # the names patients know, joined with " + ": "PARACÉTAMOL + CODÉINE"


COLUMNS = tuple(field.name for field in fields(Drug))

# NFKD leaves these letters whole, and turns the micro sign into a Greek mu; OCR reads some Latin letters as the
# Greek ones they look like ("TRAMADΩL").
_UNDECOMPOSED = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "μ": "u"}
    # alpha, epsilon, iota, kappa, nu, omicron, rho, tau, upsilon, chi, omega
    | dict(zip("\u03b1\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03c9", "aeikvoptuxo", strict=True))
)
_COMBINING_MARK = re.compile(r"[\u0300-\u036f]")
_DECIMAL_SEPARATOR = re.compile(r"(?<=\d)[,.](?=\d)")
_NOT_A_WORD = re.compile(r"[^a-z0-9.]+")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_DIGIT_LETTER_BOUNDARY = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
# "100 000 UI": thousands set apart by a space, as the BDPM and many prescriptions write them.
_SPACED_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?: \d{3})+(?![\d.])")
_LOST_COMMA_HEAD = re.compile(r"\d{1,3}")
_LOST_COMMA_TAIL = re.compile(r"\d{1,2}")


def fold(text: str) -> str:
    """The form drugs are compared in: "Paracétamol  1000mg, 2,5 mL" -> "paracetamol 1000 mg 2.5 ml".

    Accents and case go, punctuation becomes a space, and a number is split from its unit so that "1000mg" and
    "1000 mg" read the same. A decimal comma becomes a point and stays inside its number ("2,5" is one word).
    """
    text = _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", text.casefold()))
    text = _DECIMAL_SEPARATOR.sub(".", text.translate(_UNDECOMPOSED))
    text = _STRAY_DOT.sub(" ", _NOT_A_WORD.sub(" ", text))
    return " ".join(_DIGIT_LETTER_BOUNDARY.sub(" ", text).split())


def spelled_quantities(folded: str) -> str:
    """Folded text with its quantities written one way, to compare strengths: "100 000 unites" -> "100000 ui"."""
    folded = _SPACED_THOUSANDS.sub(lambda match: match.group().replace(" ", ""), folded)
    words = [UNIT_SPELLINGS.get(word, word) for word in folded.split()]
    return " ".join(_with_lost_decimal_commas(words))


def _with_lost_decimal_commas(words: list[str]) -> list[str]:
    """ "2 5 mg" is "2,5 mg" whose comma a photo lost (a thousands' group has three digits: "1 000 mg"), never
    5 mg: reading it as 5 mg would name another strength of the same drug."""
    joined: list[str] = []
    for word in words:
        if (
            (word in MASS_UNITS_IN_MG or word in OTHER_UNITS)
            and len(joined) >= 2
            and _LOST_COMMA_TAIL.fullmatch(joined[-1])
            and _LOST_COMMA_HEAD.fullmatch(joined[-2])
        ):
            joined[-2:] = [f"{joined[-2]}.{joined[-1]}"]
        joined.append(word)
    return joined


@functools.cache
def _drugs() -> tuple[Drug, ...]:
    with gzip.open(LEXICON_PATH, "rt", encoding="utf-8") as file:
        header, *lines = file.read().splitlines()
    if tuple(header.split("\t")) != COLUMNS:
        raise ValueError(f"{LEXICON_PATH} has columns {header!r}: rebuild it with manage.py build_drug_lexicon.")
    return tuple(Drug(*line.split("\t")) for line in lines)


@functools.cache
def _drugs_by_cis() -> dict[str, Drug]:
    return {drug.cis: drug for drug in _drugs()}


def get(cis: str) -> Drug | None:
    return _drugs_by_cis().get(cis)


# Search -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SearchIndex:
    words: list[str]  # every folded word of the drugs' names and substances, sorted, so prefixes are a bisect away
    positions: list[frozenset[int]]  # for each word, the positions in _drugs() of the drugs that have it
    brands: list[str]  # folded brand of each drug

    def positions_with_prefix(self, prefix: str) -> set[int]:
        start = bisect.bisect_left(self.words, prefix)
        # Folded words are ASCII: the last code point sorts after every word that starts with the prefix.
        end = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo=start)
        return set().union(*self.positions[start:end])

    def positions_of(self, word: str) -> frozenset[int]:
        index = bisect.bisect_left(self.words, word)
        if index < len(self.words) and self.words[index] == word:
            return self.positions[index]
        return frozenset()


@functools.cache
def _search_index() -> _SearchIndex:
    positions = defaultdict(set)
    for position, drug in enumerate(_drugs()):
        for word in fold(f"{drug.name} {drug.substances}").split():
            positions[word].add(position)
    words = sorted(positions)
    return _SearchIndex(
        words=words,
        positions=[frozenset(positions[word]) for word in words],
        brands=[fold(drug.brand) for drug in _drugs()],
    )


def search(query: str, *, limit: int = 10) -> list[Drug]:
    """Autocomplete: the drugs where every word of the query starts a word of the name or of a substance.

    Drugs whose brand starts with the query's first word come first ("paracet" lists the PARACETAMOL generics
    before DOLIPRANE), then those matching more query words in full (so "amoxicilline 1 g" prefers "1 g" to
    "125 mg"), then shorter names, then alphabetical order.
    """
    query_words = fold(query).split()
    if len("".join(query_words)) < MIN_QUERY_LENGTH:
        return []
    index = _search_index()
    matches = index.positions_with_prefix(query_words[0])
    for word in query_words[1:]:
        matches &= index.positions_with_prefix(word)
    exact_matches = [index.positions_of(word) for word in query_words]
    drugs = _drugs()

    def rank(position: int) -> tuple:
        name = drugs[position].name
        whole_words = sum(position in positions for positions in exact_matches)
        return not index.brands[position].startswith(query_words[0]), -whole_words, len(name), name

    return [drugs[position] for position in heapq.nsmallest(limit, matches, key=rank)]


# Recognising a drug in a line of text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Identity:
    """What best_match compares a line of text with, for one drug."""

    brand_words: tuple[str, ...]
    substance_words: tuple[str, ...]
    quantities: frozenset[tuple[float, str]]
    form_words: tuple[str, ...]


@dataclass(frozen=True)
class _MatchIndex:
    identities: list[_Identity]
    positions: dict[str, frozenset[int]]  # brand or substance word -> positions of the drugs that have it
    # (first letter, length) -> brand and substance words: the candidates an OCR-slipped word is compared with.
    buckets: dict[tuple[str, int], list[str]]
    # (second letter, length) -> the long ones: those whose first letter may have been misread ("pluoxetine").
    second_letter_buckets: dict[tuple[str, int], list[str]]
    substance_words: frozenset[str]


def _name_words(text: str) -> tuple[str, ...]:
    """The words that name a drug; numbers and short words ("de", "b") say little about which one."""
    return tuple(word for word in fold(text).split() if len(word) >= 3 and word.isalpha())


def text_name_words(text: str) -> tuple[str, ...]:
    """The words of a line read by OCR (and `mended`) that may name a drug, a word a speck or a space cut in two
    ("SEL.TZER", "PREGABAL INE") also whole, in its place (the line's first word is the drug's), and a name glued to
    its generic's maker ("MIRTAZAPINEZENTIVA") also in two."""
    text = _SPECK_CUT_WORD.sub(lambda cut: f"{cut[0].replace('.', '')} {cut[0]}", text)
    words = _name_words(" ".join(_with_cut_names_whole(fold(text).split())))
    return tuple(part for word in words for part in (*_unglued_name(word), word))


def _with_cut_names_whole(words: list[str]) -> list[str]:
    """The words, a name a space cut in two also whole before its two parts, when neither part is a name."""
    known = _match_index().positions
    whole = []
    for word, following in itertools.zip_longest(words, words[1:], fillvalue=""):
        joined = word + following
        if following.isalpha() and word.isalpha() and joined in known and word not in known and following not in known:
            whole.append(joined)
        whole.append(word)
    return whole


def _unglued_name(word: str) -> tuple[str, ...]:
    """The words OCR glued into `word`: a name and its generic's maker ("MIRTAZAPINEZENTIVA", the name perhaps
    misread, or two words glued too: "NAPROXENESODIQUEARROW"), or two words of the drug reference
    ("ALAIRGIXALLERGIE"); () when it is not several."""
    known = _match_index().positions
    maker = next((maker for maker in _makers() if word.endswith(maker)), None)
    if maker is not None and len(word) - len(maker) >= MIN_NAME_BEFORE_A_MAKER:
        name = word[: -len(maker)]
        names = (() if name in known else _unglued_name(name)) or (name,)
        return (*names, maker)
    if word in known:
        return ()
    for cut in range(MIN_MAKER_LENGTH, len(word) - MIN_MAKER_LENGTH + 1):
        if word[:cut] in known and word[cut:] in known:
            return word[:cut], word[cut:]
    # A name glued to its maker misread ("ALLOPURINOLCRUSTERS"), the maker as written: it is told by its likeness.
    for cut in range(MIN_NAME_BEFORE_A_MAKER, len(word) - MIN_MAKER_LENGTH + 1):
        if word[:cut] in known and difflib.get_close_matches(word[cut:], _makers(), n=1, cutoff=MIN_WORD_SIMILARITY):
            return word[:cut], word[cut:]
    return ()


@functools.cache
def _makers() -> tuple[str, ...]:
    """The words that follow a substance's name in many brands: the makers of generics ("zentiva", "biogaran")."""
    counts = collections.Counter()
    for identity in _match_index().identities:
        counts.update(
            word
            for word in identity.brand_words[1:]
            if len(word) >= MIN_MAKER_LENGTH and word.isalpha() and word not in identity.substance_words
        )
    return tuple(sorted((word for word, count in counts.items() if count >= MIN_MAKER_BRANDS), key=len, reverse=True))


def like_a_maker(word: str) -> bool:
    """Whether a (folded) word is a generic's maker's name, perhaps misread ("SANOZ" for "SANDOZ"): one of at least
    MIN_MAKER_LENGTH - 1 letters, about as like a maker as _maker_likeness asks."""
    return len(word) >= MIN_MAKER_LENGTH - 1 and any(
        difflib.SequenceMatcher(a=word, b=maker, autojunk=False).ratio() >= MIN_MAKER_LIKENESS for maker in _makers()
    )


def mended(text: str) -> str:
    """A drug's line as OCR read it, with the slips that look-alike characters make mended, so that it names
    the drug and strength printed: digits in a word of letters ("CETR3ZINE", "T0BREX"), letters in a number
    ("S00 mg", "L00 mg", "Smg"), a misread "mg" after a number ("100 my", "5 rng"), a name glued to its strength
    ("Fluoxétine20 mg")."""
    words = _unglued_strengths(text.split())
    for position, word in enumerate(words):
        words[position] = _mended_word(word)
        if position > 0 and words[position - 1].isalpha() and _LETTER_FOR_A_DIGIT_BEFORE_MG.fullmatch(word):
            words[position] = word[0].translate(_DIGIT_LOOKING_LETTERS) + word[1:]
        follows_a_number = position > 0 and words[position - 1][-1:].isdigit()
        if follows_a_number and fold(word) in MISREAD_MG:
            words[position] = "mg"
    return " ".join(words)


def _unglued_strengths(words: list[str]) -> list[str]:
    unglued = []
    for word, following in itertools.zip_longest(words, words[1:], fillvalue=""):
        if word.isdigit() and unglued and unglued[-1].isalpha() and (number := _name_number_glued_to(word)):
            # The number of a substance's name glued to the strength after it ("Macrogol 400010 g").
            unglued += [number, word[len(number) :]]
            continue
        glued = _NAME_GLUED_TO_A_NUMBER.fullmatch(word)
        # The unit glued to the number, or else the next word's first ("mg.gélule").
        unit = (glued[3] or following) if glued else ""
        if unit.startswith("%") or next(iter(fold(unit).split()), "") in STRENGTH_UNITS:
            name, number = glued[1], glued[2]
            if letters := _name_end_read_as_digits(name, number):
                # The name's last letters read as digits ("DOXYL15100 mg": DOXYLIS 100 mg).
                name, number = name + letters, number[len(letters) :]
            unglued += [name, number + glued[3]]
        elif glued and (form := _form_glued_to_a_unit(glued[3])):
            # The form glued to the unit too ("DOMPERIDONEARROW10mgcomprime").
            unglued += [glued[1], glued[2] + glued[3][: -len(form)], form]
        else:
            unglued.append(word)
    return unglued


def _name_end_read_as_digits(name: str, digits: str) -> str:
    """The letters the first of the `digits` glued after a name that is no drug's are, when with them it is one
    ("DOXYL" and "15100": "IS"), the rest still a number; else ""."""
    known = _match_index().positions
    if fold(name) in known:
        return ""
    for count in range(1, MAX_LETTERS_READ_AS_DIGITS + 1):
        rest = digits[count:]
        if not rest or rest[0] == "0" or not all(digit in _LETTERS_OF_DIGITS for digit in digits[:count]):
            continue
        for letters in itertools.product(*(_LETTERS_OF_DIGITS[digit] for digit in digits[:count])):
            if fold(name + "".join(letters)) in known:
                return "".join(letters).upper() if name.isupper() else "".join(letters)
    return ""


def _name_number_glued_to(digits: str) -> str:
    """The number of a substance's name ("4000" of "MACROGOL 4000") that `digits` start with, a strength after it
    ("400010": 10), or ""."""
    return next(
        (
            digits[:cut]
            for cut in range(3, len(digits) - 1)
            if digits[:cut] in _numbers_of_names() and digits[cut] != "0"
        ),
        "",
    )


@functools.cache
def _numbers_of_names() -> frozenset[str]:
    return frozenset(number for drug in _drugs() for number in re.findall(r"\b\d{3,}\b", drug.substances))


def _form_glued_to_a_unit(letters: str) -> str:
    """The end of `letters` that names a form ("comprime", "cp") or starts a word of its own ("mgPosologie") when
    they start with a strength's unit ("mg"), or ""."""
    for unit in sorted(STRENGTH_UNITS, key=len, reverse=True):
        form = letters[len(unit) :]
        if not (letters.casefold().startswith(unit) and form):
            continue
        if _names_a_form(fold(form)) or (letters[: len(unit)].islower() and form[0].isupper()):
            return form
    return ""


def _names_a_form(word: str) -> bool:
    """Whether the word is a form, its start ("cp", "compr") or a form misread ("comprume")."""
    return (
        word in FORM_ABBREVIATIONS
        or word in FORMS_OF_PACKAGINGS
        or (len(word) >= MIN_FORM_PREFIX and any(form_word.startswith(word) for form_word in form_words()))
        or bool(difflib.get_close_matches(word, form_words(), n=1, cutoff=MIN_WORD_SIMILARITY))
    )


@functools.cache
def form_words() -> frozenset[str]:
    """The words the drugs' forms are written in ("comprime", "pellicule", "secable", "collyre")."""
    return frozenset(word for identity in _match_index().identities for word in identity.form_words if word.isalpha())


def _mended_word(word: str) -> str:
    core = word.rstrip(".,;:")
    if core and core != word:
        # The stop or comma after a name is not part of it ("BISOPROLO1. 10 mg").
        return _mended_word(core) + word[len(core) :]
    if _CAPITALS_WITH_A_SMALL_L.fullmatch(word):
        # A small l among capitals is a capital I, which it looks just like ("LASILIX FAlBLE"), where that makes a
        # drug's word and the l does not: "FAIBLE" of LASILIX FAIBLE (20 mg tablets), where "LASILIX" alone is only
        # injectable.
        capital_i = word.replace("l", "I")
        if is_name_word(fold(capital_i)) and not is_name_word(fold(word)):
            return capital_i
    digits = sum(character.isdigit() for character in word)
    if not digits:
        return word
    if strength := _misread_number_with_its_unit(word):
        return strength
    if _NUMBER_WITH_LETTERS.fullmatch(word) and digits >= len(word) - digits:
        return word.translate(_DIGIT_LOOKING_LETTERS)
    if (
        word.isalnum()
        and len(word) - digits >= MIN_LETTERS_AROUND_DIGITS * digits
        and not _NUMBER_WITH_ITS_UNIT.fullmatch(word)
        and fold(word.lstrip("0123456789")) not in STRENGTH_UNITS  # "88microgrammes"
    ):
        return word.translate(_LETTER_LOOKING_DIGITS)
    return word


def _misread_number_with_its_unit(word: str) -> str:
    """A number glued to its unit with look-alike letters for digits, or "mg" misread, mended ("25Omig": "250mg",
    "L00mg": "100mg", "40ma": "40mg"); else ""."""
    for cut in range(len(word) - 1, 0, -1):
        number, unit = word[:cut], fold(word[cut:])
        misread = not number.isdigit() or unit in MISREAD_MG
        if unit in STRENGTH_UNITS and _NUMBER_WITH_LETTERS.fullmatch(number) and misread:
            return number.translate(_DIGIT_LOOKING_LETTERS) + ("mg" if unit in MISREAD_MG else word[cut:])
    return ""


def _substance_words(substances: str) -> tuple[str, ...]:
    words = _name_words(substances)
    return tuple(word for word in words if word not in SALT_WORDS) or words


def quantities(text: str, *, bare: bool = False) -> frozenset[tuple[float, str]]:
    """Each number of a text with its unit, masses in mg ("2,5 mg" and "2.5mg" are one), and with `bare` as if written
    alone too: see _quantities."""
    return _quantities(fold(text), with_bare_values=bare)


def _quantities(folded: str, *, with_bare_values: bool) -> frozenset[tuple[float, str]]:
    """Each number with its unit, masses in mg so that "1 g" and "1000 mg" are the same; unit "" for a number
    written alone. with_bare_values adds each number as if written alone, for a drug's strength: "Doliprane 1000"
    gives no unit but means 1000 mg.
    """
    words = spelled_quantities(folded).split()
    quantities = set()
    for word, following in itertools.pairwise([*words, ""]):
        try:
            value = float(word)
        except ValueError:
            continue
        if following in MASS_UNITS_IN_MG:
            quantities.add((round(value * MASS_UNITS_IN_MG[following], 6), "mg"))
        elif following in OTHER_UNITS:
            quantities.add((value, following))
        else:
            quantities.add((value, ""))
        if with_bare_values and following not in DILUTION_UNITS:
            quantities.add((value, ""))
    return frozenset(quantities)


@functools.cache
def _match_index() -> _MatchIndex:
    identities = []
    positions = defaultdict(set)
    # Many drugs share a brand, substances, strength or form: each is read once.
    name_words = functools.cache(_name_words)
    substance_words = functools.cache(_substance_words)
    strength_quantities = functools.cache(lambda strength: _quantities(fold(strength), with_bare_values=True))
    form_words = functools.cache(lambda form: tuple(fold(form).split()))
    for position, drug in enumerate(_drugs()):
        identity = _Identity(
            brand_words=name_words(drug.brand),
            substance_words=substance_words(drug.substances),
            quantities=strength_quantities(drug.strength),
            form_words=form_words(drug.form),
        )
        identities.append(identity)
        for word in identity.brand_words + identity.substance_words:
            positions[word].add(position)
    buckets = defaultdict(list)
    second_letter_buckets = defaultdict(list)
    for word in sorted(positions):
        buckets[word[0], len(word)].append(word)
        if len(word) >= MIN_SLIPPED_FIRST_LETTER_LENGTH:
            second_letter_buckets[word[1], len(word)].append(word)
    return _MatchIndex(
        identities=identities,
        positions={word: frozenset(drug_positions) for word, drug_positions in positions.items()},
        buckets=dict(buckets),
        second_letter_buckets=dict(second_letter_buckets),
        substance_words=frozenset(word for identity in identities for word in identity.substance_words),
    )


def _similar_words(text_words: tuple[str, ...]) -> dict[str, float]:
    """Brand and substance words that a word of the text may be, misread or not, with their similarity."""
    similar = {}
    for text_word in set(text_words):
        for word, similarity in _words_like(text_word):
            if similarity > similar.get(word, 0):
                similar[word] = similarity
    return similar


# The same words are read on many lines ("comprimé", a drug's name read again): each is compared with the lexicon once.
@functools.lru_cache(maxsize=16384)
def _words_like(text_word: str) -> tuple[tuple[str, float], ...]:
    """The brand and substance words a word of the text may be, with their similarity. A long word may have its first
    letter misread ("Pluoxetine" for "Fluoxetine") when the rest is nearly all right."""
    index = _match_index()
    similar = {}
    matcher = difflib.SequenceMatcher(a=text_word, autojunk=False)
    length_difference = 2 if len(text_word) >= LONG_WORD else 1
    for length in range(len(text_word) - length_difference, len(text_word) + length_difference + 1):
        slipped = ()
        if len(text_word) >= MIN_SLIPPED_FIRST_LETTER_LENGTH:
            slipped = index.second_letter_buckets.get((text_word[1], length), ())
        for words, least in (
            (index.buckets.get((text_word[0], length), ()), MIN_WORD_SIMILARITY),
            (slipped, MIN_SLIPPED_FIRST_LETTER_SIMILARITY),
        ):
            for word in words:
                matcher.set_seq2(word)
                if matcher.real_quick_ratio() < least or matcher.quick_ratio() < least:
                    continue
                similarity = matcher.ratio()
                if similarity >= least and similarity > similar.get(word, 0):
                    similar[word] = similarity
    return tuple(similar.items())


def _coverage(words: tuple[str, ...], similar: dict[str, float]) -> float:
    """How much of a brand (or of the substances) the text spells out, long words weighing more than short ones."""
    total = sum(len(word) for word in words)
    return sum(similar.get(word, 0) * len(word) for word in words) / total if total else 0


def _brand_coverage(words: tuple[str, ...], similar: dict[str, float]) -> float:
    """A brand is known by its first word: "enfants" alone does not name "ERY ENFANTS"."""
    if not words or words[0] not in similar:
        return 0
    return _coverage(words, similar)


def _form_prefixes(folded: str) -> list[str]:
    """The words of the text that may name a form, abbreviations spelled out: "cp" -> "comprime", "sachet" ->
    "poudre"."""
    words = [FORM_ABBREVIATIONS.get(word) or FORMS_OF_PACKAGINGS.get(word, word) for word in folded.split()]
    return [word for word in words if len(word) >= 3 and word.isalpha()]


def _names_form(form_prefixes: list[str], form_words: tuple[str, ...]) -> bool:
    return any(form_word.startswith(prefix) for prefix in form_prefixes for form_word in form_words)


def acid_name(word: str) -> tuple[str, ...]:
    """The acid a salt's name means, when the drug reference names it so: "alendronate" is written for "acide
    alendronique". Only when the reference names more drugs with the acid than with the salt ("valproate de
    sodium" is the usual name), and never for a salt of the list (chlorhydrate)."""
    index = _match_index()
    if not word.endswith("ate") or word in SALT_WORDS:
        return ()
    acid = f"{word[:-3]}ique"
    if acid not in index.substance_words:
        return ()
    more_with_the_acid = len(index.positions[acid]) > len(index.positions.get(word, ()))
    return ("acide", acid) if more_with_the_acid else ()


# What a number before a word of letters counts when it is no maker's first letter read as a digit ("2 gelules").
_UNITS_AND_FORMS = tuple(
    STRENGTH_UNITS | FORM_ABBREVIATIONS.keys() | FORMS_OF_PACKAGINGS.keys() | {"gel", "amp", "fois"}
)


def _written_maker(folded: str, similar: dict[str, float]) -> list[str]:
    """The words written between a drug's name and its strength, where a generic's maker goes ("AZITHROMYCINE
    KRKA 250 mg", "PANTOPRAZOLE ZF 20 mg"), short ones included: every word before the first number but the first
    (the substance's or the brand's), and what OCR glued to the end of that first word ("PANTOPRAZOLEZF")."""
    first, *rest = folded.split() or [""]
    name = max((word for word in similar if first.startswith(word)), key=len, default=first)
    words = [first[len(name) :]] if first[len(name) :].isalpha() else []
    for index, word in enumerate(rest):
        following = rest[index + 1] if index + 1 < len(rest) else ""
        if _is_makers_first_letter(word, following):
            rest[index + 1] = word.translate(_LETTER_LOOKING_DIGITS).lower() + following
            continue
        if any(character.isdigit() for character in word):
            break
        if word.isalpha():
            words.append(word)
    return words


def _is_makers_first_letter(word: str, following: str) -> bool:
    """Whether `word` is the first letter of a maker's name read as the digit it looks like ("2ENTIVA", folded
    "2 entiva"): a digit before a word of letters that is no unit or form ("2 gelules", "1 g")."""
    return bool(
        word in _LETTERS_OF_DIGITS
        and len(following) >= 3
        and following.isalpha()
        and not following.startswith(_UNITS_AND_FORMS)
    )


def _maker_likeness(written: list[str], brand_words: tuple[str, ...], substance_words: tuple[str, ...]) -> float:
    """How much the words written after the name look like the maker in a generic's brand (its words that are
    not the substance's, "EG LABO Conseil" of "PANTOPRAZOLE EG LABO Conseil"), tolerating a misread first letter
    ("RRKA" for "KRKA"), which the name's matching does not: 0 when they hardly look alike."""
    maker = " ".join(word for word in brand_words if word not in substance_words)
    text = " ".join(word for word in written if word not in substance_words)
    if not maker or not text:
        return 0.0
    likeness = difflib.SequenceMatcher(a=text, b=maker, autojunk=False).ratio()
    return round(likeness, 2) if likeness >= MIN_MAKER_LIKENESS else 0.0


@functools.lru_cache(maxsize=4096)
def garbled_substance(text: str) -> tuple[Drug, float] | None:
    """The drug a line names whose first word is a substance's name garbled past best_match's tolerance, with how
    like it the word is as confidence (below best_match's); None unless the strength written with its unit makes
    one substance stand out (MIN_GARBLED_SIMILARITY)."""
    text = mended(text)
    first = next(iter(text_name_words(text)), "")
    written = {quantity for quantity in _quantities(fold(text), with_bare_values=False) if quantity[1]}
    written_maker = _written_maker(fold(text), {})
    # A shorter word is like too many substances: only those the maker written right makes a generic of count.
    of_the_maker = len(first) < MIN_GARBLED_LENGTH
    index = _match_index()
    if len(first) < MIN_GARBLED_LENGTH_WITH_A_MAKER or not written or (of_the_maker and not written_maker):
        return None
    if first in index.positions:
        # A name read right ("Lamotrigine 300 mg"): its strength is misread, not its name.
        return None
    likeness = {}
    matcher = difflib.SequenceMatcher(a=first, autojunk=False)
    for word in index.substance_words:
        if abs(len(word) - len(first)) > MAX_GARBLED_LENGTH_CHANGE:
            continue
        matcher.set_seq2(word)
        least = MIN_GARBLED_SIMILARITY - MIN_GARBLED_MARGIN  # as like as a contender needs to be
        if matcher.quick_ratio() < least or (similarity := matcher.ratio()) < least:
            continue
        if any(
            index.identities[position].substance_words == (word,)
            and written & index.identities[position].quantities
            and (
                not of_the_maker or _maker_likeness(written_maker, index.identities[position].brand_words, (word,)) == 1
            )
            for position in index.positions[word]
        ):
            likeness[word] = similarity
    if not likeness or max(likeness.values()) < MIN_GARBLED_SIMILARITY:
        return None
    contenders = [
        word for word, similarity in likeness.items() if similarity > max(likeness.values()) - MIN_GARBLED_MARGIN
    ]
    written_maker = _written_maker(fold(text), {})
    if len(contenders) > 1:
        # About as like several: the one with a generic of the maker the line writes, if only one has ("RRKA").
        contenders = [
            word
            for word in contenders
            if any(
                _maker_likeness(written_maker, tuple(fold(_drugs()[position].brand).split()), (word,))
                >= MIN_GARBLED_MAKER_LIKENESS
                for position in index.positions[word]
                if written & index.identities[position].quantities
            )
        ]
    if len(contenders) != 1 or likeness[contenders[0]] < MIN_GARBLED_SIMILARITY:
        return None
    substance, similarity = contenders[0], likeness[contenders[0]]
    # The generic, form and strength as best_match ranks them, the name read as the substance.
    match = best_match(text.replace(text.split()[0], substance, 1))
    # The substance is the generic's, or its brand's first word where the database lists no substance.
    if match is None or substance not in (*_substance_words(match[0].substances), *_name_words(match[0].brand)[:1]):
        return None
    # A maker written but garbled too ("TRAtatOL ViA L 150 mg" for KRKA's): which generic is not guessed.
    maker = _maker_likeness(written_maker, tuple(fold(match[0].brand).split()), (substance,))
    if written_maker and maker < MIN_GARBLED_MAKER_LIKENESS:
        return None
    return match[0], round(similarity, 3)


# A drug's name a recogniser garbled is looked for among the names this like its reading (difflib's ratio), with
# as many letters give or take MAX_GARBLED_LENGTH_CHANGE and one more.
MIN_NAME_LIKENESS = 0.5
_STRENGTH_WRITTEN = re.compile(r"(\d+(?:[.,]\d+)?(?: \d{3})*) ?([^\W\d_]+|%)")


@dataclass(frozen=True)
class _NameLetters:
    """The words a prescription's line starts a drug's name with (each substance, and each brand's first word), with
    how many of each letter each has: what difflib's quick_ratio counts, for all of them at once."""

    names: tuple[str, ...]
    lengths: np.ndarray
    letters: dict[str, int]  # letter -> column
    counts: np.ndarray  # a row for each name, a column for each letter


@functools.cache
def _name_letters() -> _NameLetters:
    index = _match_index()
    words = set(index.substance_words) | {
        identity.brand_words[0] for identity in index.identities if identity.brand_words
    }
    # A shorter one is like too many readings.
    names = tuple(sorted(word for word in words if word.isalpha() and len(word) >= MIN_GARBLED_LENGTH_WITH_A_MAKER))
    letters = {letter: column for column, letter in enumerate(sorted(set("".join(names))))}
    counts = np.zeros((len(names), len(letters)), dtype=np.int16)
    for row, name in enumerate(names):
        for letter in name:
            counts[row, letters[letter]] += 1
    return _NameLetters(names, np.array([len(name) for name in names]), letters, counts)


@functools.lru_cache(maxsize=4096)
def names_like(word: str) -> tuple[str, ...]:
    """The substances and brands (their first word) a garbled reading may be, for a closer look than its letters."""
    known = _name_letters()
    counts = np.zeros(len(known.letters), dtype=np.int16)
    for letter in word:
        if letter in known.letters:
            counts[known.letters[letter]] += 1
    # difflib's quick_ratio, an upper bound of its ratio, for every name at once: only those it keeps are compared.
    quick_ratios = 2.0 * np.minimum(known.counts, counts).sum(axis=1) / (known.lengths + len(word))
    near = (np.abs(known.lengths - len(word)) <= MAX_GARBLED_LENGTH_CHANGE + 1) & (quick_ratios >= MIN_NAME_LIKENESS)
    matcher = difflib.SequenceMatcher(a=word, autojunk=False)
    names = []
    for row in np.flatnonzero(near):
        matcher.set_seq2(known.names[row])
        if matcher.ratio() >= MIN_NAME_LIKENESS:
            names.append(known.names[row])
    return tuple(names)


def is_name_word(word: str) -> bool:
    """Whether a (folded) word is one of a drug's brand or substance."""
    return word in _match_index().positions


@functools.cache
def strengths_of(name: str) -> dict[str, frozenset[str]]:
    """The strengths (number and unit, as the database writes them: "2,5 mg", "0,3 %", "10 000 UI") that the drugs
    a substance or brand word names come in, each with the ways a prescription writes it ("2.5mg", "10000 UI"). One
    amount is one strength however written ("2,5 mg", "2,50 mg")."""
    drugs = _drugs()
    written: dict[tuple[float, str], tuple[str, set[str]]] = {}
    for position in _match_index().positions.get(name, ()):
        match = _STRENGTH_WRITTEN.match(drugs[position].strength.replace("POUR CENT", "%"))
        if match is None:
            continue
        number, unit = match[1], match[2].lower()
        amount = (float(number.replace(" ", "").replace(",", ".")), fold(unit) if unit != "%" else unit)
        _, writings = written.setdefault(amount, (f"{number} {match[2]}", set()))
        for digits in {number, number.replace(",", "."), number.replace(" ", "")}:
            writings.update((f"{digits} {unit}", f"{digits}{unit}"))
    return {strength: frozenset(writings) for strength, writings in written.values()}


# A reading weighs each doubtful line's other readings by extracting the whole page again: its lines are matched
# many times over.
@functools.lru_cache(maxsize=4096)
def best_match(text: str) -> tuple[Drug, float] | None:
    """The drug a line of text most likely names ("DOLIPRANE 1000mg cp", "Doliprame", "amoxicilline 1g"), with a
    confidence from 0 to 1; None when no drug comes close.

    The confidence is how much of the brand, or of the substances, the text spells out (tolerating misread
    letters), lowered a little when the text gives no strength and more when its strengths are not the drug's.
    Among equally confident drugs come first the generic whose maker the line writes after the name, even misread
    ("AZITHROMYCINE KRKA" for "AZITHROMYCINE RRKA"), then those whose brand is better spelled out ("PARACETAMOL EG" for
    "paracetamol"), whose brand has more of the text's words ("SPASFON LYOC" for "Spasfon lyoc"), whose form the
    text names ("cp": comprimé), and whose name is shorter.
    """
    text = mended(text)
    text_words = text_name_words(text)
    if not text_words:
        return None
    text_words += tuple(word for text_word in text_words for word in acid_name(text_word))
    index = _match_index()
    similar = _similar_words(text_words)
    folded = fold(text)
    candidates = set().union(*(index.positions[word] for word in similar))
    text_quantities = _quantities(folded, with_bare_values=False)
    written_with_unit = any(unit for _, unit in text_quantities)
    folded_words = set(folded.split())
    form_prefixes = _form_prefixes(folded)
    written_maker = _written_maker(folded, similar)
    # A brand's words, short ones included ("EG", "ZF"): many generics share one maker.
    maker_words = functools.cache(lambda brand: tuple(fold(brand).split()))
    drugs = _drugs()
    best_rank, best = None, None
    for position in candidates:
        identity = index.identities[position]
        brand = _brand_coverage(identity.brand_words, similar)
        confidence = max(brand, _coverage(identity.substance_words, similar))
        named = text_quantities & identity.quantities
        if not text_quantities:
            confidence *= NO_STRENGTH_FACTOR
        elif not named or (written_with_unit and not any(unit for _, unit in named)):
            # A stray number ("… prolongée • 2", a wrapped dose) is not the strength of "100 mg/2 ml" when the
            # line writes its strength with a unit ("10) mg") that is not that drug's.
            confidence *= OTHER_STRENGTH_FACTOR
        # Only strengths with their unit rank: a bare number on the line ("- 2 cp") is not "2 ml".
        quantities_named = sum(1 for _, unit in named if unit)
        name = drugs[position].name
        # "Paracétamol codéine 500 mg/30 mg" names both substances and both strengths: not paracetamol alone.
        words_named = len(similar.keys() & {*identity.brand_words, *identity.substance_words})
        brand_words_named = sum(word in similar for word in identity.brand_words) if brand else 0
        # "CONTRAMAL LP" for "CONTRAMAL. LP 100 mg. comprumé": a brand's short word written ("LP") names it.
        short_words_written = sum(word in folded_words for word in maker_words(drugs[position].brand) if len(word) < 3)
        names_form = _names_form(form_prefixes, identity.form_words)
        maker = _maker_likeness(written_maker, maker_words(drugs[position].brand), identity.substance_words)
        rank = (
            -confidence,
            -quantities_named,
            -words_named,
            # Among generics of the substance, the one whose maker the line writes, even misread.
            -maker,
            # A line naming the substance says the form ("gél") but not the maker: among generics, the form
            # written counts before how well a maker's brand is spelled out.
            not names_form,
            -brand,
            -brand_words_named,
            -short_words_written,
            len(name),
            name,
        )
        if best_rank is None or rank < best_rank:
            best_rank, best = rank, (drugs[position], round(confidence, 3))
    if best is None or best[1] < MIN_CONFIDENCE:
        return None
    return best
