"""A medication's name and strength found in what the recogniser saw, where its reading garbled both past what the
lexicon tolerates ("4) Oméptizolo 20 mp", "2 VEMLAÑAXINE EG LABO LP T5 mg", "BISOFROLOL25ma").

On a dim or blurred photo the recogniser often reads a look-alike where the right letter was a close second. The
lexicon names the few drugs the garbled word may be (names_like); how likely each is where the word was read
(documents.ocr.likelihood) tells which, and then which of that drug's strengths was written after it. Only when
one name, then one strength, is clearly likelier than any other is the line written again with them, for the
parser to read as any line; otherwise it is left as read. A name with no strength of its own found is left too:
a name alone may be a word of the page that looks like one (a street's, a doctor's).

The line stays doubtful: the reviewer sees it, with its crop, beside the medication.
"""

import difflib
import re

from documents.ocr.likelihood import LineLikelihood, Reading
from documents.text import Line
from treatments import lexicon

# The name is the first word of at least this many letters, among the line's first words (after "1)" or "2."): a
# shorter word is like too many names.
MIN_NAME_LETTERS = lexicon.MIN_GARBLED_LENGTH_WITH_A_MAKER
NAME_AMONG_FIRST_WORDS = 3
# A name is taken when its cost where the word was read (nats over the recogniser's own reading) is at most this, and
# the next likeliest name's is this much more: "omeprazole" costs 2.5 on "Oméptizolo", the next name 14.
MAX_NAME_COST = 6.0
MIN_NAME_MARGIN = 3.0
# The same for the strength, among those the name comes in only: "75 mg" costs 0.2 on "T5 mg", "37,5 mg" 14.
MAX_STRENGTH_COST = 7.0
MIN_STRENGTH_MARGIN = 2.0
# The strength is written right after the name, or at the first number within this many characters of the reading
# (after a maker's name: "RIVAROXABAN SANDOZ Y0mg").
STRENGTH_WITHIN = 25
# How far a text may start before (or end after) the place it is looked for, in the recogniser's steps (about a
# third of a character each).
SLACK = 2
_DIGIT = re.compile(r"\d")
# A word of a few letters after a number: its unit ("mg", "ma", "g."), or a misreading of it.
_UNIT_LIKE = re.compile(r"[^\W\d_]{1,4}[.,;:]?")
_LETTERS_AFTER_A_DIGIT = re.compile(r"\d[^\W\d_]+$")


def may_name_a_drug(text: str) -> bool:
    """Whether a line read by OCR starts with a long word the lexicon does not know and holds a number: perhaps a
    drug's name and strength, both garbled. Only such a line is worth a closer look."""
    return bool(_DIGIT.search(text)) and _name_word(text.split()) is not None


def spotted_line(line: Line, likelihood: LineLikelihood) -> Line | None:
    """The line written again with the drug's name and strength the recogniser most likely saw, or None when no
    name and strength stand out."""
    name_reading = _name_reading(likelihood.reading)
    if name_reading is None:
        return None
    written = "".join(character.character for character in name_reading)
    if lexicon.is_name_word(written):
        return None  # the name reads right: the line's trouble is elsewhere
    start, end = name_reading[0].first, name_reading[-1].last
    names = sorted((likelihood.cost(name, start, end, SLACK), name) for name in lexicon.names_like(written))
    if not _stands_out([cost for (cost, _), _ in names], MAX_NAME_COST, MIN_NAME_MARGIN):
        return None
    (_, name_end), name = names[0]
    strength, right_after_name = _strength(likelihood, name, name_end)
    if strength is None:
        return None
    text = _written_again(line.text, written, name, strength, right_after_name)
    if text is None:
        return None
    return Line(text, line.confidence, line.corners, reread=True)


def _name_reading(reading: tuple[Reading, ...]) -> list[Reading] | None:
    """The characters of the first word's letters, of at least MIN_NAME_LETTERS, among the line's first words; None
    when a shorter word comes first ("Dr", "Le")."""
    words, word = [], []
    for character in reading:
        if character.character == " ":
            if word:
                words.append(word)
            word = []
        else:
            word.append(character)
    if word:
        words.append(word)
    for word in words[:NAME_AMONG_FIRST_WORDS]:
        letters = _longest_letters(word)
        if len(letters) >= MIN_NAME_LETTERS:
            return letters
        if sum(character.character.isalpha() for character in word) >= 2:
            return None
    return None


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


def _strength(likelihood: LineLikelihood, name: str, name_end: int) -> tuple[str | None, bool]:
    """The strength of the name's drugs likeliest after it, and whether it was written right after it (else at the
    first number read after a maker's name); None when none stands out."""
    after = [character for character in likelihood.reading if character.first > name_end][:STRENGTH_WITHIN]
    digit = next((character for character in after if character.character.isdigit()), None)
    starts = [name_end + 1]
    if digit is not None:
        # The number's word may start with a digit read as a letter ("Y0mg", "T5").
        word_start = digit.first
        for character in reversed([character for character in after if character.first < digit.first]):
            if character.character == " ":
                break
            word_start = character.first
        starts.append(word_start)
    scored = []
    for strength, writings in lexicon.strengths_of(name).items():
        cost, start = min(
            (likelihood.cost(space + writing, start, slack=SLACK)[0], start)
            for writing in writings
            for start in starts
            for space in ("", " ")
        )
        scored.append((cost, strength, start))
    scored.sort()
    if not _stands_out([cost for cost, _, _ in scored], MAX_STRENGTH_COST, MIN_STRENGTH_MARGIN):
        return None, False
    return scored[0][1], scored[0][2] == starts[0]


def _name_word(words: list[str]) -> int | None:
    """The index of the word of the line read that holds the drug's name, as _name_reading finds it."""
    for index, word in enumerate(words[:NAME_AMONG_FIRST_WORDS]):
        letters = max(re.findall(r"[^\W\d_]+", lexicon.fold(word)) or [""], key=len)
        if len(letters) >= MIN_NAME_LETTERS:
            return None if lexicon.is_name_word(letters) else index
        if len(letters) >= 2:
            return None
    return None


def _written_again(text: str, written: str, name: str, strength: str, right_after_name: bool) -> str | None:
    """The line read with its name word replaced by the name, and the strength written after it (or after the
    maker's words that follow it) in place of the number read and its unit."""
    words = text.split()
    index = _name_word(words)
    if index is None or not _like(written, words[index]):
        return None
    before, word, rest = words[:index], words[index], words[index + 1 :]
    middle = []
    glued = _DIGIT.search(word)
    if glued:
        number = word[glued.start() :]
    elif right_after_name and not (rest and _DIGIT.search(rest[0])):
        number = ""
    else:
        at = next((position for position, following in enumerate(rest[:4]) if _DIGIT.search(following)), None)
        if at is None:
            return None
        middle, number, rest = rest[:at], rest[at], rest[at + 1 :]
    if not _LETTERS_AFTER_A_DIGIT.search(number) and rest and _UNIT_LIKE.fullmatch(rest[0]):
        rest = rest[1:]  # the number's unit, as misread as it
    return " ".join([*before, name.upper(), *middle, strength, *rest])


def _like(written: str, word: str) -> bool:
    letters = "".join(character for character in lexicon.fold(word) if character.isalpha())
    return written in letters or difflib.SequenceMatcher(a=written, b=letters).ratio() >= lexicon.MIN_NAME_LIKENESS
