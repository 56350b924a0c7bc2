"""What a recogniser saw along a line, as how likely each character is at each step of it, rather than the one
reading it settled on.

A recogniser of the CTC kind (RapidOCR's) gives, for each narrow step across the line, a probability for every
character of its alphabet and for "nothing here" (the blank); its reading takes the likeliest at each step. Where
the print is faint or blurred the likeliest is often a look-alike, while the right character is a close second:
the reading "Oméptizolo" holds "omeprazole" nearly as likely. How likely a given text is at a place of the line —
the least it costs, step by step, against what the recogniser found likeliest there — tells which of a few
candidate words was written, which no edit distance on the reading can.

Characters are compared as a reader matches names: without case or accents ("É" is "e"); punctuation is one
class, the space another.
"""

import functools
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

LETTERS_AND_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"
BLANK, SPACE, OTHER = 0, len(LETTERS_AND_DIGITS) + 1, len(LETTERS_AND_DIGITS) + 2
CLASSES = len(LETTERS_AND_DIGITS) + 3
# A probability is never taken as less than this: a character the recogniser gave nothing costs a lot, not all.
FLOOR = 1e-8
_NEVER = 1e9
# Between two boxes of a line there is a space or nothing: any other character there costs this much.
GAP_COST = 20.0


def character_class(character: str) -> int:
    """The class of a character: its letter or digit without case or accent, the space, or any other sign."""
    if character == " ":
        return SPACE
    bare = unicodedata.normalize("NFKD", character.lower())[:1]
    return LETTERS_AND_DIGITS.index(bare) + 1 if bare and bare in LETTERS_AND_DIGITS else OTHER


@functools.lru_cache(maxsize=4)
def _classes_of(alphabet: tuple[str, ...]) -> np.ndarray:
    """The matrix that sums a recogniser's probabilities into classes; its first character is the blank."""
    matrix = np.zeros((len(alphabet), CLASSES), np.float32)
    matrix[0, BLANK] = 1
    for index, character in enumerate(alphabet[1:], start=1):
        matrix[index, character_class(character)] = 1
    return matrix


@dataclass(frozen=True)
class Reading:
    """One character of the recogniser's own reading (its class's character) and the steps it spans."""

    character: str
    first: int
    last: int
    # The recogniser's own character there, with its case, accent or sign ("É", "/", "-").
    shown: str = ""


@dataclass(frozen=True)
class LineLikelihood:
    # For each step and class, how much less likely (in nats) the class is than the step's likeliest: 0 for what
    # the recogniser read there.
    costs: np.ndarray
    reading: tuple[Reading, ...]

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray, alphabet: tuple[str, ...]) -> "LineLikelihood":
        """From a recogniser's output for one line: a probability per step (rows) and character of its alphabet
        (columns, the blank first)."""
        classes = np.log(np.maximum(probabilities @ _classes_of(alphabet), FLOOR))
        costs = classes.max(axis=1, keepdims=True) - classes
        reading, previous = [], BLANK
        for step, likeliest in enumerate(classes.argmax(axis=1)):
            if likeliest != BLANK and likeliest == previous:
                reading[-1] = replace(reading[-1], last=step)
            elif likeliest != BLANK:
                # Of the alphabet's characters of that class ("e", "é", "E"), the likeliest.
                shown = alphabet[int((probabilities[step] * _classes_of(alphabet)[:, likeliest]).argmax())]
                reading.append(Reading(_character_of(likeliest), step, step, shown))
            previous = likeliest
        return cls(costs=costs, reading=tuple(reading))

    @classmethod
    def joined(cls, parts: list["LineLikelihood"]) -> "LineLikelihood":
        """One line's likelihood from its boxes', in reading order, with a step between each two that holds a space
        or nothing."""
        if len(parts) == 1:
            return parts[0]
        gap = np.full((1, CLASSES), GAP_COST, parts[0].costs.dtype)
        gap[0, [BLANK, SPACE]] = 0.0
        costs, reading, offset = [], [], 0
        for number, part in enumerate(parts):
            if number:
                costs.append(gap)
                reading.append(Reading(" ", offset, offset, " "))
                offset += 1
            costs.append(part.costs)
            reading += [
                replace(character, first=character.first + offset, last=character.last + offset)
                for character in part.reading
            ]
            offset += len(part.costs)
        return cls(costs=np.vstack(costs), reading=tuple(reading))

    def cost(
        self, text: str, start: int, end: int | None = None, slack: int = 2, whole: bool = False
    ) -> tuple[float, int]:
        """The least the text costs written from about `start` (from `slack` steps before it to `slack` after when
        `end` is given, else from `slack` before to `start` itself) to about `end` (within `slack` steps), or to
        wherever it ends best when `end` is None; with the step where it ends. Each step costs what its character
        (or the blank between two) is less likely than the step's likeliest, as CTC aligns a text on its steps
        (Viterbi). A `whole` text is what was written over all the steps from `start` to `end`: one that starts after
        `start` or ends before `end` pays for the steps it leaves unwritten, each what nothing there (the blank, or a
        space) is less likely than what the recogniser saw; otherwise a shorter text skips a character read at either
        end for free ("cp" on "cpt")."""
        costs, ends = self.costs_of([text], start, end, slack, whole)
        return float(costs[0]), int(ends[0])

    def costs_of(
        self, texts: list[str], start: int, end: int | None = None, slack: int = 2, whole: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """`cost` of each of the texts at once (all aligned together, step by step): their costs and end steps."""
        width = 2 * max(len(text) for text in texts) + 1
        states = np.full((len(texts), width), BLANK)
        for row, text in enumerate(texts):
            states[row, 1 : 2 * len(text) : 2] = [character_class(character) for character in text]
        finals = np.array([2 * len(text) for text in texts])
        rows = np.arange(len(texts))
        # A character may follow the one before it without a blank between, unless it is the same character.
        may_skip = np.zeros(states.shape, bool)
        may_skip[:, 2:] = (states[:, 2:] != BLANK) & (states[:, 2:] != states[:, :-2])
        never_one, never_two = np.full((len(texts), 1), _NEVER), np.full((len(texts), 2), _NEVER)
        best, best_step = np.full(len(texts), _NEVER), np.full(len(texts), -1)
        costs = np.full(states.shape, _NEVER)
        last = len(self.costs) - 1 if end is None else min(len(self.costs) - 1, end + slack)
        latest_start = start + (slack if end is not None else 0)
        nothing = np.minimum(self.costs[:, BLANK], self.costs[:, SPACE]) if whole else np.zeros(len(self.costs))
        unwritten = np.concatenate(([0.0], np.cumsum(nothing)))
        for step in range(max(0, start - slack), last + 1):
            before = np.minimum(costs, np.hstack((never_one, costs[:, :-1])))
            before = np.minimum(before, np.where(may_skip, np.hstack((never_two, costs[:, :-2])), _NEVER))
            if step <= latest_start:
                before[:, :2] = np.minimum(before[:, :2], unwritten[max(step, start)] - unwritten[start])
            costs = before + self.costs[step, states]
            if end is None or step >= end - slack:
                ending = np.minimum(costs[rows, finals], costs[rows, finals - 1])
                if end is not None:
                    ending = ending + (unwritten[end + 1] - unwritten[min(step, end) + 1])
                better = ending < best
                best, best_step = np.where(better, ending, best), np.where(better, step, best_step)
        return best, best_step


def _character_of(klass: int) -> str:
    if klass == SPACE:
        return " "
    return LETTERS_AND_DIGITS[klass - 1] if klass != OTHER else "."
