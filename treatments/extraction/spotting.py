"""A medication's name and strength found in what the recogniser saw, where its reading garbled both past what the
lexicon tolerates ("4) Oméptizolo 20 mp", "2 VEMLAÑAXINE EG LABO LP T5 mg", "BISOFROLOL25ma").

On a dim or blurred photo the recogniser often reads a look-alike where the right letter was a close second. The
lexicon names the few drugs the garbled word may be (names_like); how likely each is where the word was read
(documents.ocr.likelihood) tells which, and then which of that drug's strengths was written after it. Only when
one name, then one strength, is clearly likelier than any other is the line written again with them, for the
parser to read as any line; otherwise it is left as read. A name with no strength of its own found is left too:
a name alone may be a word of the page that looks like one (a street's, a doctor's). A name read right with a
strength its drugs do not come in ("Simvastatine 41 mg", read surely) gets the one of its strengths likeliest there.

The same for a posology's words garbled past its grammar ("1 compmme man md so", "2 tninfjour"): each word of the
line is read as the posology's word (or little word, form or unit) clearly likeliest where it was read, if any; a
short word left so, as the notation of a schedule ("1 cp xza" is "1 cp x2", the "/j" lost as the grammar knows).
Where another word the recogniser may well have seen there makes more of the posology, the grammar chooses it: "QSP 2
mans", where "ans" is likeliest, is "QSP 2 mois", as no prescription holds for two years; so for a number read as a
sign before "fois" or a length of time ("& fois par jour" is "3 fois par jour", where "5" makes no schedule).

The line stays doubtful: the reviewer sees it, with its crop, beside the medication.
"""

import difflib
import functools
import itertools
import math
import re
from dataclasses import replace

from documents.ocr.likelihood import LineLikelihood, Reading
from documents.text import Line
from treatments import lexicon
from treatments.extraction import posology

# The name is the first word of at least this many letters, among the line's first words (after "1)" or "2."): a
# shorter word is like too many names. A name of five letters may be read with one lost ("zmad" for ZYMAD).
MIN_NAME_LETTERS = 4
NAME_AMONG_FIRST_WORDS = 3
# A name is taken when its cost where the word was read (nats over the recogniser's own reading) is at most this for
# each of its letters, and the next likeliest name's is this much more, alone or each with the likeliest of its
# strengths after it: "omeprazole" costs 2.5 on "Oméptizolo", the next name 14; "azithromycine" 20.0 on
# "Azerstatycine", the next 26.2; "irbesartan" 5.7 and "becilan" 5.9 on "Wbesrtan", with their strengths 9.7 and 26.1.
MAX_NAME_COST_PER_LETTER = 1.6
MIN_NAME_MARGIN = 3.0
# The same for the strength, among those the name comes in only: "75 mg" costs 0.2 on "T5 mg", "37,5 mg" 14.
MAX_STRENGTH_COST = 7.0
# After a name read right, only its strength is in doubt, and it may cost more: "500 mg" costs 9.2 on "FUROSEMIDE TEVA
# s00 ing", the next strength 13.6. After a garbled name, such a strength is as often written over a word of the page
# that is no strength ("Ordonnance à conserver, valable 3 mois" read "O-éunacce à ténsrfaer vaistie 3 moo": CURACNE
# 5 mg for 8.7).
MAX_STRENGTH_COST_AFTER_A_NAME_READ_RIGHT = 10.0
MIN_STRENGTH_MARGIN = 2.0
# The strength is written right after the name, or at the first number within this many characters of the reading
# (after a maker's name: "RIVAROXABAN SANDOZ Y0mg").
STRENGTH_WITHIN = 25
# How far a text may start before (or end after) the place it is looked for, in the recogniser's steps (about a
# third of a character each).
SLACK = 2
_DIGIT = re.compile(r"\d")
# A name's first part, where a space read in it cut it in two, has at least this many letters: a title ("Dr", "Pr") or
# an article ("Le") is no name's.
MIN_CUT_LETTERS = 3
# The letters a word starts with: the rest of a name so cut ("Gig lazade").
_LEADING_LETTERS = re.compile(r"[^\W\d_]{2,}")
# A word of a few letters after a number: its unit ("mg", "ma", "g."), or a misreading of it.
_UNIT_LIKE = re.compile(r"(?:[^\W\d_]{1,4}|%)[.,;:]?")
# The unit glued to a number read ("25ma", "3%"), and the unit of a strength ("75 mg", "0,05 %", "10 000 UI/ml").
_UNIT_GLUED = re.compile(r"\d([^\W\d_]+|%)")
_STRENGTH_UNIT = re.compile(r"[\d\s.,]+([^\s/]+)")
# The little words between a posology's words that its grammar does not spell ("1 comprimé le soir", "en cas de").
LINKING_WORDS = frozenset({"de", "des", "du", "en", "ou", "dans", "chaque", "avec", "cas", "lors", "ce", "il", "un"})
# "fois/jour" read as one word of letters ("totstjour", "tninfjour"): its slash read as a letter.
PHRASES = frozenset({"fois/jour", "fois par jour", "par jour"})
# A word of a posology's line misread is read as a word of the posology's grammar, a little word, a form's or a
# strength's unit, when its cost where it was read is at most this for each of its letters and the next likeliest
# word's this much more: "matin" costs 1.9 on "man", "midi" 2.4 on "md", "fois/jour" 7.3 on "iniafjour".
MAX_COST_PER_LETTER = 1.0
MIN_WORD_MARGIN = 2.0
# Where the likeliest word does not make the most of the posology, any of the next likeliest ones (one per meaning) that
# costs at most this for each of its letters may, if it reads as more of the posology: "mois" costs 3.3 on "mans",
# where "ans" costs nothing.
ALTERNATIVE_WORDS = 5
MAX_ALTERNATIVE_COST_PER_LETTER = 1.5
# A sign or a lone letter read as a word before "fois" or a length of time ("4 comprimé & fois par jour", "I mois") may
# be its number misread: the digits likeliest there, at most this many each costing at most this, are offered to the
# grammar ("3" costs 1.4 on that "&", where "5", likelier, makes no schedule).
DIGITS_OFFERED = 3
MAX_DIGIT_COST = 3.0
# Only words about as long as the one read are compared: a misreading loses letters more often than it adds any, and
# where the print is faint a shorter word, with fewer letters to pay for, always costs less.
MAX_LETTERS_LOST = 3
MAX_LETTERS_ADDED = 1
# A word of a posology's line left as read and no longer than this, a number aside ("xza", "3li", "10-1"), may be a
# number of times a day or the doses at each moment, garbled: it is read as the notation clearly likeliest there.
MAX_SCHEDULE_LETTERS = 6
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_THOUSANDS = re.compile(r"\d{3}")
_DIGITS = [(digit, digit) for digit in "123456789"]


def may_name_a_drug(text: str) -> bool:
    """Whether a line read by OCR starts with a long word and holds a number: perhaps a drug's name and strength,
    either garbled ("Oméptizolo 20 mp"; "Simvastatine 41 mg", a strength the drug does not come in). Only such a line
    that yields no medication is worth a closer look."""
    return bool(_DIGIT.search(text)) and bool(_name_words(text.split()))


def spotted_line(line: Line, likelihood: LineLikelihood) -> Line | None:
    """The line written again with the drug's name and strength the recogniser most likely saw, or None when no
    name and strength stand out. The name is looked for in the first word long enough, then in it and the next word
    together: a space read in a name cuts it in two ("Apct an 2.5 ing" for Apixaban, "Gig lazade" for Gliclazide)."""
    for words, name_reading in _name_readings(likelihood.reading):
        spotted = _spotted_name(line, likelihood, name_reading, words)
        if spotted is not None:
            return spotted
    return None


def _spotted_name(line: Line, likelihood: LineLikelihood, name_reading: list[Reading], words: int) -> Line | None:
    """The line written again with the name read over `name_reading` (the letters of `words` words) and its
    strength, or None."""
    written = "".join(character.character for character in name_reading)
    start, end = name_reading[0].first, name_reading[-1].last
    candidates = lexicon.names_like(written)
    known = words == 1 and lexicon.is_name_word(written)
    if known:
        # The name reads right, its strength perhaps not ("Simvastatine 41 mg"): only it is weighed, if it names drugs
        # alone.
        candidates = [written] if written in candidates else []
    # Only names about as long as the word read compete: where the print is faint a shorter name always costs less.
    # A name that comes in no strength (a homeopathic stock's: "elaps", on "Elqus 2.5mg" for Eliquis) is not one a
    # strength was written after.
    candidates = [name for name in candidates if _about_as_long(name, len(written)) and lexicon.strengths_of(name)]
    if not candidates:
        return None
    # The name is all the letters read: a shorter one pays for those it leaves out ("citalopram" on "Esctalepeaso").
    costs, ends = likelihood.costs_of(candidates, start, end, SLACK, whole=True)
    names = sorted(zip(costs.tolist(), ends.tolist(), candidates, strict=True))
    name_cost, name_end, name = names[0]
    strengths = _strengths(likelihood, name, name_end)
    if (
        name_cost > MAX_NAME_COST_PER_LETTER * len(name)
        or not _stands_out(
            [cost for cost, _, _ in strengths],
            MAX_STRENGTH_COST_AFTER_A_NAME_READ_RIGHT if known else MAX_STRENGTH_COST,
            MIN_STRENGTH_MARGIN,
        )
        or not (
            _stands_out([cost for cost, _, _ in names], math.inf, MIN_NAME_MARGIN)
            or _stands_out_with_its_strength(likelihood, names, name_cost + strengths[0][0])
        )
    ):
        return None  # no name likely enough, or none clearly likelier than the others, or no strength of its own
    _, strength, strength_start = strengths[0]
    if known and lexicon.quantities(strength) <= lexicon.quantities(line.text):
        return None  # the name and its strength read right: the line's trouble is elsewhere
    right_after_name = strength_start == name_end + 1
    text = _written_again(line.text, written, words, name, strength, right_after_name)
    if text is None:
        return None
    return replace(line, text=text, reread=True)


def _name_readings(reading: tuple[Reading, ...]) -> list[tuple[int, list[Reading]]]:
    """The characters of the letters that may be the name, each with how many words they are read in (1 or 2), as
    _name_words finds them in the words read."""
    words = _words_read(reading)
    readings = []
    for index, count in _name_words(["".join(character.character for character in word) for word in words]):
        if count == 1:
            readings.append((1, _longest_letters(words[index])))
        else:
            following = words[index + 1]
            letters = next((at for at, read in enumerate(following) if not read.character.isalpha()), len(following))
            readings.append((2, [*words[index], *following[:letters]]))
    return readings


def _words_read(reading: list[Reading] | tuple[Reading, ...]) -> list[list[Reading]]:
    """The characters of each word of a reading: those between spaces."""
    words: list[list[Reading]] = [[]]
    for character in reading:
        if character.character == " ":
            words.append([])
        else:
            words[-1].append(character)
    return [word for word in words if word]


def _longest_letters(word: list[Reading]) -> list[Reading]:
    """The first run of letters long enough to be a name, or the last run."""
    run = []
    for character in word:
        if character.character.isalpha():
            run.append(character)
        elif len(run) >= MIN_NAME_LETTERS:
            return run
        else:
            run = []
    return run


def _stands_out(costs: list[float], most: float, margin: float) -> bool:
    return bool(costs) and costs[0] <= most and (len(costs) == 1 or costs[1] - costs[0] >= margin)


def _stands_out_with_its_strength(
    likelihood: LineLikelihood, names: list[tuple[float, int, str]], total: float
) -> bool:
    """Whether the likeliest name, with its strength, costs `total` at least MIN_NAME_MARGIN less than any other name
    with the likeliest of its own strengths after it: names alike where the word was read part on the strength, which
    only one of them comes in ("irbesartan" and "becilan" on "Wbesrtan 75mog"). The strength only confirms the likeliest
    name: a less likely one with a common strength ("10 mg") is never taken for it, the drug written perhaps being none
    of the names compared."""
    for cost, end, name in names[1:]:
        if cost >= total + MIN_NAME_MARGIN:
            return True  # this name and those after it cost more than the likeliest by the margin before any strength
        strengths = _strengths(likelihood, name, end)
        if cost + (strengths[0][0] if strengths else MAX_STRENGTH_COST) < total + MIN_NAME_MARGIN:
            return False
    return True


def _strengths(likelihood: LineLikelihood, name: str, name_end: int) -> list[tuple[float, str, int]]:
    """The strengths of the name's drugs, likeliest first, each with its cost after the name and the step it starts
    at: right after the name, or at a number read after it (after a maker's name, or the name's own number)."""
    words = _words_read([character for character in likelihood.reading if character.first > name_end][:STRENGTH_WITHIN])
    # Right after the name, and at each word after it with a number (a name's own number comes before its strength:
    # "Macrogol 4000 10 g"; a number's word may start with a digit read as a letter: "Y0mg", "T5") or before a
    # strength's unit (its digits all read as letters: "ZENTIVA A0O mg" read "zentiva ano mg").
    starts = [name_end + 1] + [
        word[0].first
        for position, word in enumerate(words)
        if any(character.character.isdigit() for character in word)
        or (position + 1 < len(words) and _is_unit("".join(character.character for character in words[position + 1])))
    ]
    texts = [
        (strength, space + writing)
        for strength, writings in lexicon.strengths_of(name).items()
        for writing in writings
        for space in ("", " ")
    ]
    if not texts:
        return []
    best: dict[str, tuple[float, int]] = {}
    for start in starts:
        costs, _ = likelihood.costs_of([text for _, text in texts], start, slack=SLACK)
        for (strength, _), cost in zip(texts, costs.tolist(), strict=True):
            best[strength] = min(best.get(strength, (cost, start)), (cost, start))
    return sorted((cost, strength, start) for strength, (cost, start) in best.items())


def _name_words(words: list[str]) -> list[tuple[int, int]]:
    """Where the drug's name may be among the line's first words, each as the index of its first word and how many
    words it is read in: the first word with at least MIN_NAME_LETTERS letters, and (where a word of letters only
    comes first, of at least MIN_CUT_LETTERS, and the next starts with letters that are not a maker's) those two
    words together, in that order ("sOSUVASTANE SANOZ" is a name and its generic's maker, not a name cut in two).
    Nothing when a shorter word comes first that the next does not make a name of ("Dr Marle", "Le 12/03")."""
    for index, word in enumerate(words[:NAME_AMONG_FIRST_WORDS]):
        letters = _letters(word)
        following = _LEADING_LETTERS.match(lexicon.fold(words[index + 1])) if index + 1 < len(words) else None
        cut = (
            [(index, 2)]
            if following
            and lexicon.fold(word).isalpha()
            and len(word) >= MIN_CUT_LETTERS
            and len(word) + len(following[0]) >= MIN_NAME_LETTERS
            and not lexicon.like_a_maker(following[0])
            else []
        )
        if len(letters) >= MIN_NAME_LETTERS:
            return [(index, 1), *cut]
        if len(letters) >= 2:
            return cut
    return []


def _letters(word: str) -> str:
    """The longest run of letters of a word read, folded."""
    return max(re.findall(r"[^\W\d_]+", lexicon.fold(word)) or [""], key=len)


def _written_again(text: str, written: str, count: int, name: str, strength: str, right_after_name: bool) -> str | None:
    """The line read with its name's `count` words replaced by the name, and the strength written after it (or after
    the maker's words that follow it) in place of the number read and its unit."""
    words = text.split()
    index = next((index for index, words_read in _name_words(words) if words_read == count), None)
    if index is None or not _like(written, "".join(words[index : index + count])):
        return None
    before, word, rest = words[:index], "".join(words[index : index + count]), words[index + count :]
    middle = []
    glued = _DIGIT.search(word)
    if glued:
        number = word[glued.start() :]
    elif right_after_name and not (rest and _DIGIT.search(rest[0])):
        number = ""
    else:
        numbers = [position for position, following in enumerate(rest[:4]) if _DIGIT.search(following)]
        if not numbers:
            return None
        # The number that reads as the strength's already, after a name's own, garbled ("Macroga a00; 10g" for
        # "Macrogol 4000 10 g", which is left out: the parser would take it for the strength); else the first.
        digits = "".join(_DIGIT.findall(strength))
        at = next((position for position in numbers if "".join(_DIGIT.findall(rest[position])) == digits), numbers[0])
        middle = [word for word in rest[:at] if not _DIGIT.search(word)]
        number, rest = rest[at], rest[at + 1 :]
    # A strength in thousands ("10 000 UI") is read as that many numbers.
    for _ in strength.split()[1:-1]:
        if rest and _THOUSANDS.fullmatch(rest[0]):
            number, rest = f"{number} {rest[0]}", rest[1:]
    if len(_DIGIT.findall(number)) > len(_DIGIT.findall(strength)):
        # More digits were read than the strength has: the recogniser may read a digit as a letter ("T5 mg", "A0O mg"),
        # seldom a digit where none was written. The number is another: "Pasclone 1-90" is not PIVALONE's only strength,
        # "1 %", which no other strength of it can be told from.
        return None
    glued_unit = _UNIT_GLUED.search(number)
    unit = glued_unit.group(1) if glued_unit else ""
    if not glued_unit and rest and _UNIT_LIKE.fullmatch(rest[0]):
        unit, rest = rest[0], rest[1:]  # the number's unit, as misread as it
    # A strength in another kind of unit than the one read ("2 %" where "5 mg" is) is another drug's.
    strength_unit = _STRENGTH_UNIT.match(strength)
    read, spotted = _unit_kind(unit), _unit_kind(strength_unit.group(1) if strength_unit else "")
    if read and spotted and read != spotted:
        return None
    if strength_unit and rest and rest[0].lower().startswith(strength_unit.group(1).lower()):
        # The unit after a number whose last digit was read as a letter, its unit's own ("12s microgrammes/dose"):
        # written once, with what follows it.
        strength, rest = strength + rest[0][len(strength_unit.group(1)) :], rest[1:]
    return " ".join([*before, name.upper(), *middle, strength, *rest])


def _is_unit(word: str) -> bool:
    return lexicon.fold(word).rstrip(".,;:") in lexicon.STRENGTH_UNITS


def _unit_kind(unit: str) -> str | None:
    """ "%", "mass", or None for another unit or one too garbled to tell."""
    if unit.startswith("%"):
        return "%"
    folded = lexicon.fold(unit).rstrip(".,;:")
    return "mass" if folded in lexicon.MASS_UNITS_IN_MG or folded in lexicon.MISREAD_MG else None


def _like(written: str, word: str) -> bool:
    letters = "".join(character for character in lexicon.fold(word) if character.isalpha())
    return written in letters or difflib.SequenceMatcher(a=written, b=letters).ratio() >= lexicon.MIN_NAME_LIKENESS


@functools.cache
def _posology_words() -> tuple[str, ...]:
    """The words a posology's line is written in, folded: see MAX_COST_PER_LETTER."""
    words = (
        set(posology.VOCABULARY)
        | posology.GLUED_LITTLE_WORDS
        | (posology.ARTICLES_BEFORE_A_MOMENT - {"te"})
        | posology.NOT_MOMENTS
        | LINKING_WORDS
        | lexicon.form_words()
        | (lexicon.STRENGTH_UNITS - lexicon.MISREAD_MG)
    )
    return tuple(sorted(word for word in words if word.isalpha() and len(word) >= 2)) + tuple(sorted(PHRASES))


@functools.cache
def _known_posology_words() -> frozenset[str]:
    return frozenset(_posology_words())


@functools.cache
def _schedule_words() -> tuple[tuple[str, str], ...]:
    """The notations of a number of times a day ("x3/j", "3x/j", "3/j"; "x3" where the "/j" is lost, as the grammar
    reads it after a dose) and of the doses at each moment ("1-0-1"), each with what it means."""
    times = [
        (notation.format(times), f"{times}/j")
        for times in posology.PERIODS_FOR_TIMES_A_DAY
        for notation in ("x{}/j", "{}x/j", "{}/j", "x{}", "{}x")
    ]
    doses = ["-".join(doses) for doses in itertools.product("012", repeat=3) if doses != ("0", "0", "0")]
    return (*times, *((dose, dose) for dose in doses))


def spotted_posology(line: Line, likelihood: LineLikelihood) -> list[Line]:
    """The line as the recogniser read it, each of its words that no posology spells written as the posology's word
    clearly likeliest where it was read ("1 compmme man md so" -> "1 comprime matin midi soir"), or a short word left
    so as the notation of a schedule ("1 cp xza" -> "1 cp x2"), or as another word the recogniser may well have seen
    there where that reads as more of the posology. Then the line as read up to its first word so written, the rest
    as written again: the line's own reading ("11 FUROSEMIDE 40 mg 2 camgrimés x20") may have read its name better
    than the recogniser along the page did ("1) ruromémado 40 mg. 2 camprimés s20"). Empty when no word stands out."""
    words = [(word, posology.VOCABULARY.get(word, word)) for word in _posology_words()]
    known = _known_posology_words()
    runs = _runs(likelihood.reading)
    read = ["".join(character.shown for character in run) for run in runs]
    pieces = list(read)
    spotted = [False] * len(runs)
    # Where other words may have been read: (first run, last run, the words).
    alternatives: list[tuple[int, int, list[str]]] = []
    for index, run in enumerate(runs):
        written = lexicon.fold(pieces[index])
        if run[0].character.isalpha() and len(written) >= 2 and written not in known:
            ranked = _ranked(likelihood, run, len(written), words)
            if _stands_out_of(ranked):
                pieces[index], spotted[index] = ranked[0][1], True
            alternatives.append((index, index, _affordable(ranked)))
    _choose_by_the_grammar(pieces, spotted, alternatives)
    _choose_by_the_grammar(pieces, spotted, _numbers_misread(likelihood, runs, read, pieces))
    alternatives = []
    for first, last in _words(runs):
        shown = "".join(pieces[first : last + 1])
        if (
            any(spotted[first : last + 1])
            or lexicon.fold(shown) in known
            or _NUMBER.fullmatch(shown)
            or not 2 <= len(shown) <= MAX_SCHEDULE_LETTERS
        ):
            continue
        # A garbled schedule competes with the posology's words too: it is taken only when likelier than any.
        candidates = [*_schedule_words(), *(words if shown.isalpha() else [])]
        span = [character for run in runs[first : last + 1] for character in run]
        ranked = _ranked(likelihood, span, len(shown), candidates)
        if _stands_out_of(ranked) and ranked[0][1] not in known:
            pieces[first : last + 1] = [ranked[0][1], *[""] * (last - first)]
            spotted[first] = True
        else:
            alternatives.append((first, last, _affordable(ranked)))
    _choose_by_the_grammar(pieces, spotted, alternatives)
    if not any(spotted):
        return []
    written_again = replace(line, text="".join(pieces), reread=True)
    first = spotted.index(True)
    kept = _as_read_up_to(line.text, "".join(read), len("".join(read[:first])))
    if kept is None or line.text[:kept] == "".join(pieces[:first]):
        return [written_again]
    return [written_again, replace(written_again, text=line.text[:kept] + "".join(pieces[first:]))]


def _numbers_misread(
    likelihood: LineLikelihood, runs: list[list[Reading]], read: list[str], pieces: list[str]
) -> list[tuple[int, int, list[str]]]:
    """Where a number may have been misread (see DIGITS_OFFERED): (run, run, the digits likeliest there)."""
    alternatives = []
    for index, run in enumerate(runs[:-2]):
        alone = index == 0 or read[index - 1] == " "
        if len(run) != 1 or read[index].isdigit() or read[index] == " " or not alone or read[index + 1] != " ":
            continue
        # The word after, or the first of a phrase written there ("fois/jour").
        meaning = posology.VOCABULARY.get(re.split(r"[/ ]", lexicon.fold(pieces[index + 2]))[0])
        if meaning == "fois" or meaning in posology.DAYS_IN:
            ranked = _ranked(likelihood, run, 1, _DIGITS)
            digits = [digit for cost, digit in ranked[:DIGITS_OFFERED] if cost <= MAX_DIGIT_COST]
            alternatives.append((index, index, digits))
    return alternatives


def _affordable(ranked: list[tuple[float, str]]) -> list[str]:
    return [word for cost, word in ranked[:ALTERNATIVE_WORDS] if cost <= MAX_ALTERNATIVE_COST_PER_LETTER * len(word)]


def _choose_by_the_grammar(
    pieces: list[str], spotted: list[bool], alternatives: list[tuple[int, int, list[str]]]
) -> None:
    """Writes in `pieces`, in their order, each of the alternatives' words (first run, last run, words) that makes
    the line read as more of a posology than it does."""
    fields = _fields_read(pieces)
    for first, last, words in alternatives:
        for word in words:
            trial = [*pieces[:first], word, *[""] * (last - first), *pieces[last + 1 :]]
            trial_fields = _fields_read(trial)
            if trial_fields > fields:
                pieces[:], fields, spotted[first] = trial, trial_fields, True


def _fields_read(pieces: list[str]) -> int:
    """How many of a posology's fields the line written so reads as."""
    return len(posology.parse("".join(pieces)).found)


def _as_read_up_to(text: str, read: str, position: int) -> int | None:
    """Where in the line's text the recogniser's reading of it is at `position`: in a stretch both read alike, or at
    its end; None when the two readings part before."""
    for start, read_start, size in difflib.SequenceMatcher(None, text, read, autojunk=False).get_matching_blocks():
        if size and read_start <= position <= read_start + size:
            return start + position - read_start
    return None


def _ranked(
    likelihood: LineLikelihood, span: list[Reading], length: int, words: list[tuple[str, str]]
) -> list[tuple[float, str]]:
    """The (cost, word) of the (word, meaning) about as long as the `length` characters read over the span, likeliest
    first. Spellings of one word ("semaine", "semaines", "sem") do not compete: the likeliest of them stands for it."""
    candidates = [(word, meaning) for word, meaning in words if _about_as_long(word, length)]
    if not candidates:
        return []
    costs, _ = likelihood.costs_of([word for word, _ in candidates], span[0].first, span[-1].last, SLACK)
    best: dict[str, tuple[float, str]] = {}
    for cost, (word, meaning) in zip(costs.tolist(), candidates, strict=True):
        best[meaning] = min(best.get(meaning, (cost, word)), (cost, word))
    return sorted(best.values())


def _stands_out_of(ranked: list[tuple[float, str]]) -> bool:
    """Whether the likeliest word is clearly likeliest."""
    costs = [cost for cost, _ in ranked[:2]]
    return bool(ranked) and _stands_out(costs, MAX_COST_PER_LETTER * len(ranked[0][1]), MIN_WORD_MARGIN)


def _about_as_long(word: str, length: int) -> bool:
    """Whether a candidate may be what `length` characters were read as: see MAX_LETTERS_LOST."""
    return -MAX_LETTERS_ADDED <= len(word) - length <= MAX_LETTERS_LOST


def _runs(reading: tuple[Reading, ...]) -> list[list[Reading]]:
    """The reading cut into runs of letters and single other characters (digits, signs, spaces)."""
    runs: list[list[Reading]] = []
    for character in reading:
        if character.character.isalpha() and runs and runs[-1][-1].character.isalpha():
            runs[-1].append(character)
        else:
            runs.append([character])
    return runs


def _words(runs: list[list[Reading]]) -> list[tuple[int, int]]:
    """The first and last runs of each word: runs between spaces."""
    words, first = [], None
    for index, run in enumerate([*runs, [Reading(" ", 0, 0)]]):
        if run[0].character == " ":
            if first is not None:
                words.append((first, index - 1))
            first = None
        elif first is None:
            first = index
    return words
