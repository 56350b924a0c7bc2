"""The French posology grammar: how much of a medication, when, for how long, as a prescriber writes it.

"2 comprimés matin et soir pendant 10 jours", "1 cp x3/j QSP 1 mois", "1/2-0-1/2", "1 sachet si douleur".
The text may come from OCR: it is first cut into tokens and each word is brought back to the grammar's
vocabulary ("cornprimé" -> "comprime", "l0 jours" -> "10 jour"), every token keeping how sure that reading is.
The grammar then runs regular expressions over the tokens joined by single spaces.
"""

import difflib
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

MORNING, NOON, EVENING, BEDTIME = "morning", "noon", "evening", "bedtime"
MOMENTS = (MORNING, NOON, EVENING, BEDTIME)

# The conventions behind "N fois par jour" with no moment named.
PERIODS_FOR_TIMES_A_DAY = {
    1: [MORNING],
    2: [MORNING, EVENING],
    3: [MORNING, NOON, EVENING],
    4: [MORNING, NOON, EVENING, BEDTIME],
}
DAYS_IN = {"jour": 1, "semaine": 7, "mois": 30, "an": 365}

# Units a dose is counted in, as the grammar's vocabulary spells them, with how the result names them.
UNITS = {
    "comprime": "comprimé",
    "gelule": "gélule",
    "sachet": "sachet",
    "application": "application",
    "goutte": "goutte",
    "bouffee": "bouffée",
    "pulverisation": "pulvérisation",
    "dose": "dose",
    "ampoule": "ampoule",
    "suppositoire": "suppositoire",
    "capsule": "capsule",
    "pastille": "pastille",
    "patch": "patch",
    "injection": "injection",
    "unidose": "unidose",
    "cuillere": "cuillère",
    "ml": "mL",
}

# Units that name the same thing taken in different words: a line counting in another kind of unit is about
# another medication.
UNIT_KINDS = (
    frozenset({"comprimé", "gélule", "capsule"}),
    frozenset({"bouffée", "dose", "pulvérisation"}),
    frozenset({"goutte", "unidose"}),
    frozenset({"ampoule", "injection"}),
)

# Plain French words that OCR could otherwise "correct" into a grammar word ("soit" into "soir", "moins" into
# "mois"): they map to themselves.
PLAIN_WORDS = ("soit", "moins", "puis", "selon", "avant", "apres", "heure", "heures", "cours", "dans", "sans", "plus")
# Every spelling the grammar knows, mapped to the word its rules use.
VOCABULARY = {
    **{unit: unit for unit in UNITS},
    **{unit + "s": unit for unit in UNITS if unit not in ("ml", "patch")},
    "cp": "comprime",
    "cps": "comprime",
    "cpr": "comprime",
    "cprs": "comprime",
    # OCR reads the c of "cp" as an e.
    "ep": "comprime",
    "epr": "comprime",
    "comp": "comprime",
    "gel": "gelule",
    "gels": "gelule",
    "gtt": "goutte",
    "gttes": "goutte",
    "inhalation": "bouffee",
    "inhalations": "bouffee",
    "patchs": "patch",
    "patches": "patch",
    "matin": "matin",
    "matins": "matin",
    "matinee": "matin",
    "midi": "midi",
    "soir": "soir",
    "soirs": "soir",
    "soiree": "soir",
    "coucher": "coucher",
    "petit": "petit",
    "dejeuner": "dejeuner",
    "diner": "diner",
    "jour": "jour",
    "jours": "jour",
    "j": "jour",
    "jrs": "jour",
    "semaine": "semaine",
    "semaines": "semaine",
    "sem": "semaine",
    "mois": "mois",
    # Too short to be told from other words by its likeness: OCR's "mois" without its i.
    "mos": "mois",
    "an": "an",
    "ans": "an",
    "fois": "fois",
    "fos": "fois",
    "pat": "par",
    "per": "par",
    "pendant": "pendant",
    "durant": "durant",
    "prendre": "prendre",
    "renouveler": "renouveler",
    "renouvelable": "renouvelable",
    "renouvellement": "renouvellement",
    "renouvellements": "renouvellement",
    "besoin": "besoin",
    "necessaire": "necessaire",
    "demande": "demande",
    "douleur": "douleur",
    "douleurs": "douleur",
    "fievre": "fievre",
    "repas": "repas",
    "jeun": "jeun",
    "distance": "distance",
    "maximum": "maximum",
    "max": "maximum",
    "qsp": "qsp",
    "un": "1",
    "une": "1",
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "dix": "10",
    "quinze": "15",
    "demi": "0.5",
    **{word: word for word in PLAIN_WORDS},
    # Where drops go: known, so that OCR's "œille" is read as "œil le".
    "oeil": "oeil",
    "yeux": "yeux",
}
# How alike (difflib ratio) a misread word must be to a vocabulary word to be read as it; short words have
# fewer letters to spare.
MIN_SIMILARITY = 0.8
MIN_SIMILARITY_SHORT = 0.75
SHORT_WORD = 4
RN_FOR_M_CONFIDENCE = 0.9

NUMBER = r"\d+(?:\.\d+)?(?: / \d+)?"
UNIT = "|".join(UNITS)
# A limit, not a frequency: "maximum 3 par jour", "jusqu'à 4 fois par jour", "sans dépasser 6 par jour".
LIMIT = r"(?:maximum|au plus|jusqu ' a|jusqu a|sans depasser|pas plus de)(?: de)?"
LIMIT_BEFORE = re.compile(rf"{LIMIT} $")
# "maximum" misread in the middle ("makmum", "maxlmun"): no other word of a posology is like it.
_MAXIMUM_MISREAD = re.compile(r"ma[a-z]{2,4}u[mn]")

DOSE = re.compile(rf"(?<!/ )\b({NUMBER}) ({UNIT})\b")
# What a medication is taken for when needed ("si douleur").
SYMPTOMS = (
    r"(?:douleur|fievre|nausees?|vomissements?|crises?|insomnie|toux|diarrhee|constipation|"
    r"demangeaisons?|angoisse|anxiete|migraine|mal|gene|essoufflement|sifflements?)"
)
# A dose followed by a symptom, the "si" between them lost ("1 cp douleur, 3 jours", its "si" cut off at the end of the
# line above), its unit perhaps misread past knowing too ("2 houllées gêne respiratoire"): taken as needed, half as
# surely.
DOSE_FOR_A_SYMPTOM = re.compile(
    rf"(?<!/ )\b{NUMBER} (?:{UNIT}|(?!(?:{'|'.join(sorted(set(VOCABULARY.values())))})\b)[a-z]{{4,}}) {SYMPTOMS}\b"
)
SYMPTOM_ONLY_CONFIDENCE = 0.5
# At most so many a day, with no moment, schedule nor number of times a day ("1 cp, maximum 3 par jour", the "si
# douleur" before it lost or misread): taken as needed (a schedule is not capped), half as surely.
LIMIT_PER_DAY = re.compile(rf"\b{LIMIT} \d+ (?:(?:fois|{UNIT}) )?(?:par|/) ?(?:jour|24 h)\b")
LIMIT_ONLY_CONFIDENCE = SYMPTOM_ONLY_CONFIDENCE
# "1-0-1", "1/2-0-1/2", "1-1-1-1": morning, noon, evening and, when there are four, bedtime.
SCHEDULE_VALUE = r"\d(?: / \d)?|0\.5"
SCHEDULE = re.compile(
    rf"(?<![\d/] )(?<!- )\b({SCHEDULE_VALUE}) - ({SCHEDULE_VALUE}) - ({SCHEDULE_VALUE})"
    rf"(?: - ({SCHEDULE_VALUE}))?\b(?! [-/])"
)
TIMES_A_DAY = [
    # "3 fois jour": OCR lost the slash of "fois/jour".
    re.compile(rf"\b({NUMBER}) (?:(?:fois|x|prises?) ?(?:par|/|a la)?|par|/|a la) ?(?:jour|24 h)\b"),
    re.compile(r"\bx ?(\d+) ?(?:par|/) ?jour\b"),
]
# "1 comprimé par jour": once a day.
UNITS_A_DAY = re.compile(rf"\b{NUMBER} (?:{UNIT}) (?:par|/) jour\b")
# "et" between two moments, misread ("matin e sor", "mantin ot lo sote").
AND_MISREAD = frozenset({"et", "e", "ot", "el", "ef"})
# The "au" of "soir au coucher", misread ("le soir ag coucher", "le sor aud couches", "le sor ad coudes", "le soir na
# coecher"): a short word between the two that is not "et" ("le soir et au coucher" is two moments) or "ou".
AU_MISREAD = rf"(?!(?:{'|'.join(sorted(AND_MISREAD | {'ou'}))})\b)[a-z]{{1,3}}"
MOMENT_WORDS = [
    (re.compile(r"\bpetit -? ?dejeuner\b"), MORNING),
    (re.compile(r"\bmatin\b"), MORNING),
    (re.compile(r"(?<!petit )(?<!petit - )\bdejeuner\b"), NOON),
    (re.compile(r"\bmidi\b"), NOON),
    # "le soir au coucher" is one moment, bedtime.
    # "au" misread is still one moment; "et" is not "au".
    (re.compile(rf"\bsoir\b(?! ,? ?(?:{AU_MISREAD}) coucher)"), EVENING),
    (re.compile(r"\bdiner\b"), EVENING),
    (re.compile(r"\bcoucher\b"), BEDTIME),
]
DURATION_KEYWORD = r"(?:pendant|durant|pour|sur|qsp|soit|traitement de|duree de)"
# Words before a moment of the day ("le soir", "chaque soir", "au soir"), and the moments as the grammar spells
# them; beside "matin et" or "et soir" a word is a moment even misread this much.
# "te", "lo": OCR's "le".
ARTICLES_BEFORE_A_MOMENT = frozenset({"le", "te", "lo", "au", "du", "ce", "chaque"})
_AU_AFTER_SOIR = re.compile(AU_MISREAD)
MOMENTS_WRITTEN = ("matin", "midi", "soir", "coucher", "dejeuner", "diner")
MIN_MOMENT_LIKENESS = 0.5
# Between a dose and "et soir", a word is a moment earlier in the day even this little like it ("1 application priato
# ef soir").
MIN_MOMENT_LIKENESS_AFTER_A_DOSE = 0.3
MOMENTS_IN_ORDER = ("matin", "midi", "soir", "coucher")
MIN_MONTH_LIKENESS_FOR_A_MOMENT_SAID_AGAIN = 0.6
# A day's moments listed in order ("matin midi soir"): a misread word right after one is the next ("matin mid sar"),
# right before one the one before ("matm mid soir").
NEXT_MOMENT = {"matin": "midi", "midi": "soir"}
PREVIOUS_MOMENT = {"soir": "midi", "midi": "matin"}
# Short words as like a moment as its misreadings, which follow one ("midi sur les lésions"), and the days of the week,
# which come before one ("le mardi soir").
NOT_MOMENTS = frozenset(
    {"sur", "sous", "si", "sans", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
)
# Words after which a number is followed by a length of time, and how that length is spelt.
DURATION_KEYWORDS = frozenset({"pendant", "durant", "qsp"})
# A short word after "3 fois par" this like a length of time other than the day is that one misread ("mos", "sem").
MIN_OTHER_TIME_LIKENESS = 0.75
LOOKALIKES_OF_J = frozenset({")", "]", "|", "↓", "1", "l"})
LOOKALIKES_OF_ONE = frozenset({"]", "|", "↓"})
# "pendant 14" ending a posology has lost its unit: from this many, it is days (weeks and months are written in
# fewer), a guess the reviewer is asked to check.
MIN_DAYS_WITHOUT_UNIT = 5
LOST_UNIT_CONFIDENCE = 0.5
# A month or longer is written in weeks or months, or as 30 days: "pendant 61" is "pendant 6 j", its j read as a 1,
# and so is "pendant 31" ("pendant 3 j").
MAX_DAYS_WRITTEN_WITHOUT_UNIT = 30
# A word after "pendant 2" misread past likeness is the unit of time its first letter starts, when about as long as
# its misreadings ("mote", "joots", "setrines"), and not a shorter length of time ("min"); "M" alone is the month's
# abbreviation ("QSP 3 M").
UNITS_BY_FIRST_LETTER = {"j": ("jour", 3, 6), "s": ("semaine", 6, 9), "m": ("mois", 1, 5)}
NOT_UNITS_OF_DAYS = frozenset({"min", "mins", "mn", "sec", "secondes", "minutes"})
# After "pendant 5", a word read as a moment by likeness only is "jours" misread when this like it ("loirs").
MIN_DAYS_LIKENESS = 0.6
# "PendantI semaine": the 1 of a duration read as a letter and glued to the word before it.
_ONE_GLUED_TO_A_KEYWORD = re.compile(r"\b(pendant|durant|qsp)[il](?= [a-z])")
DURATION_UNITS = [word for word, meaning in VOCABULARY.items() if meaning in DAYS_IN and len(word) > 1]
# A French prescription holds for a year at most, its renewals included: a longer length of time read is a misreading
# ("QSP 2 mois" read "QSP 2 ans").
MAX_DURATION_DAYS = 366
DURATIONS = [
    re.compile(rf"\b{DURATION_KEYWORD} ({NUMBER}) (jour|semaine|mois|an)\b"),
    # A bare "1 mois" or "10 jours", but not "3 fois par jour" nor "2 / jour".
    re.compile(rf"(?<!/ )(?<!par )\b({NUMBER}) (jour|semaine|mois)\b"),
]
AS_NEEDED = re.compile(
    rf"\b(?:si besoin|au besoin|en cas de besoin|si necessaire|a la demande|s[il1]? {SYMPTOMS}\b|"
    r"[eo]n ?cas ?(?:de|d ')(?! ?oubli)|lors des crises)"
)

RENEWALS = [
    re.compile(rf"\b(?:renouveler|renouvelable|renouvellement|ar) (?:x ?)?({NUMBER}) fois\b"),
    re.compile(r"\bar x ?(\d+)\b"),
    re.compile(rf"\b({NUMBER}) renouvellement\b"),
]
# "AR" or "à renouveler" without a count: renewable, read as one renewal (the least it can mean; the person
# corrects it when confirming).
RENEWABLE = re.compile(r"\b(?:a renouveler|renouvelable|ar)\b")
INSTRUCTIONS = [
    (re.compile(r"\ba jeun\b"), "à jeun"),
    (re.compile(r"\bpendant le repas\b"), "pendant le repas"),
    (re.compile(r"\bpendant les repas\b"), "pendant les repas"),
    (re.compile(r"\bau cours du repas\b"), "au cours du repas"),
    (re.compile(r"\bau cours des repas\b"), "au cours des repas"),
    (re.compile(r"\bau milieu du repas\b"), "au milieu du repas"),
    (re.compile(r"\bau moment des? repas\b"), "au moment du repas"),
    (re.compile(r"\bavant (?:le|chaque) repas\b"), "avant le repas"),
    (re.compile(r"\bavant les repas\b"), "avant les repas"),
    (re.compile(r"\bapres (?:le|chaque) repas\b"), "après le repas"),
    (re.compile(r"\bapres les repas\b"), "après les repas"),
    (re.compile(r"\ba distance des repas\b"), "à distance des repas"),
    (re.compile(r"\ben dehors des repas\b"), "en dehors des repas"),
]

# Characters NFKD leaves whole: ligatures, the fraction slash NFKD makes of "½", the typographic apostrophe and
# the multiplication sign some write in "x2/j".
_UNDECOMPOSED = str.maketrans({"œ": "oe", "æ": "ae", "\u2044": "/", "\u2019": "'", "\u00d7": "x"})
_COMBINING_MARK = re.compile(r"[\u0300-\u036f]")
# The letters OCR reads a lone 1 as.
_ONES = str.maketrans("il", "11")
# A number misread with letters: "l0" or "1O" is 10, "2l" is 21.
_MISREAD_NUMBER = re.compile(r"\b(?=[\doli]*\d)[\doli]+\b")
# "QSP", and OCR's "OSP", "GSP" or "Q5P", even glued to the number after it ("Q5P3 mois").
_QSP = re.compile(r"\b[qog]\s?\.?\s?[s5]\s?\.?\s?p(?![a-z])\.?")
# Nothing before a schedule that could make it part of a number, a date or a range, even across a space.
_NOTHING_WRITTEN_BEFORE = r"(?<![\d/.,-] )(?<![\d/.,-])"
# "1 0-1", "01-0": a schedule whose first dash OCR lost.
_LOST_SCHEDULE_DASH = re.compile(rf"{_NOTHING_WRITTEN_BEFORE}\b([0-2] |0)([0-2]-[0-2])\b(?! ?(?:fois|x\b|-))")
# "1 1 1": a schedule whose two dashes OCR lost, nothing after it that counts or measures.
_NOTHING_COUNTED_AFTER = (
    r"(?! ?[\d/.,-])(?! ?(?:cp|cpr|comprim|gel|sachet|goutte|bouff|applic|dose|fois|x\b|mg|ml|g\b|ui\b|%))"
)
_LOST_SCHEDULE_DASHES = re.compile(rf"{_NOTHING_WRITTEN_BEFORE}\b([0-2]) ([0-2]) ([0-2])\b{_NOTHING_COUNTED_AFTER}")
# "1-1 1", "1-11": a schedule whose second dash OCR lost, nothing after it that counts, measures or lasts.
_LOST_SECOND_DASH = re.compile(
    rf"{_NOTHING_WRITTEN_BEFORE}\b([0-2])-([0-2]) ?([0-2])\b{_NOTHING_COUNTED_AFTER}(?! ?(?:j\b|jour|sem|mois|an\b))"
)
# "1-0-120jours", "I-0-11mos": a schedule glued to the length of time after it (a schedule's counts are single digits);
# "1-1.1": its second dash read as a stop.
_SCHEDULE_GLUED_TO_A_DURATION = re.compile(r"\b([0-4]|i|l)-([0-4])-([0-4])(\d{1,2}) ?(?=[a-z])")
_SCHEDULE_WITH_A_STOP = re.compile(r"\b([0-4])-([0-4])[.]([0-4])\b(?![.,]?\d)")
# "1.0-1", "2 - 0· 2": its first dash read as a stop, or its second as a middle dot.
_SCHEDULE_WITH_A_FIRST_STOP = re.compile(rf"{_NOTHING_WRITTEN_BEFORE}\b([0-4])[.]([0-4])-([0-4])\b(?![.,]?\d)")
_SCHEDULE_WITH_A_DOT = re.compile(r"\b([0-4]) ?- ?([0-4]) ?· ?([0-4])\b(?![.,]?\d)")
# "0 - 2 - O": a schedule's 0 read as the letter o, where the others are digits.
_LETTER_O_IN_A_SCHEDULE = re.compile(
    rf"{_NOTHING_WRITTEN_BEFORE}(?<![a-z])\b(?:[0-4] ?- ?[0-4] ?- ?o|o ?- ?[0-4] ?- ?[0-4]|[0-4] ?- ?o ?- ?[0-4])\b"
    r"(?![.,]?\d)(?! ?-)"
)
# "1.11": a schedule's first dash read as a stop, its second lost (no dose has two decimals of these digits but "1.00").
_SCHEDULE_READ_AS_A_DECIMAL = re.compile(
    rf"{_NOTHING_WRITTEN_BEFORE}\b([0-2])[.](?!00)([0-2])([0-2])\b{_NOTHING_COUNTED_AFTER}"
)
# "1-9-1": a schedule's 0 read as the 9, 6 or 8 it looks like, which no one takes at one moment of the day.
_ZERO_MISREAD_IN_A_SCHEDULE = re.compile(
    r"(?<![\d/.,-])\b(?=[0-4]-|\d-[0-4]-|\d-\d-[0-4])([0-4689])-([0-4689])-([0-4689])\b(?![.,]?\d)"
)
# "QSP 2. mois": a speck read as a stop between a length of time's number and its unit.
_STOP_IN_A_LENGTH_OF_TIME = re.compile(r"(?<![\d.,])\b(\d{1,3})[.] (?=(?:j|jours?|semaines?|mois)\b)")
# "pendant S jours": a length of time's number read as the letter it looks like.
_LETTER_FOR_A_NUMBER_OF_DAYS = re.compile(r"\b(pendant|durant|qsp) ([szbg]) (?=(?:j|jours?|semaines?|mois)\b)")
LETTERS_FOR_NUMBERS = "szbg"
_NUMBERS_OF_LETTERS = str.maketrans(LETTERS_FOR_NUMBERS, "5286")
# "Prendre 002": a schedule ("0-0-2") whose two dashes OCR lost, its digits run together.
_GLUED_SCHEDULE = re.compile(rf"(?<=\bprendre )(?=\d*0)([0-2])([0-2])([0-2])\b{_NOTHING_COUNTED_AFTER}")
# "max 3.5 jours": "max 3/j, 5 jours" with its "/j," read as a stop (no one counts half days).
_MAX_PER_DAY_READ_AS_A_DECIMAL = re.compile(r"\b(max(?:imum)?\.? ?)(\d)[.,](\d{1,2}) ?(jours?|j)\b")
# "le sorau coucher": the "au" of "soir au coucher" glued to the word before.
_AU_GLUED_BEFORE_BEDTIME = re.compile(r"\b([a-z]{2,})au (?=coucher\b)")
# "comprimex2/j": a unit glued to the "x" of "x2/j".
_UNIT_GLUED_TO_TIMES = re.compile(rf"\b((?:{UNIT})s?|cpr?|gel)x(?= ?\d)")
# "x2ij", "3xij", "x2t)", "2xfj": "x2/j" with its slash read as a letter; "3x/)" or "x2/)", its j read as a bracket, and
# "3x)" with the slash lost too; "2xj", the slash lost; a bracket glued to the next word ("x2/)pendant"); "3sj", the x
# read as an s against the number; "x2i", its j read as an i, "x2β", as a beta, "3s/t", as a t after the slash, "2xà",
# the slash and j as an a against the x; "x 2/.", "2x/ 5 jours", its j lost; "x. 2ij", a stop after the x.
_MISREAD_PER_DAY = re.compile(
    r"\b(?:x[.,]? ?(\d)|(\d) ?x|(\d)s(?=/?(?:[jt]\b|[)\]]))) ?"
    r"(?:[/il1|tf]? ?(?:j(?![a-z])|i(?![a-z])|[)\]|β])|/t(?![a-z])|(?<=x)a(?![a-z])|/(?![a-z\d]))"
)
# A word glued by OCR to the number after it ("gélule3xj", "pendant1 mois").
_WORD_GLUED_TO_A_NUMBER = re.compile(r"(?<=[a-z]{2})(?=\d)")
# "3 foisijour", "2 foisfjour": "fois/jour" with its slash read as a letter, "fois" misread too after its number
# ("2 totsfjour"), and "jour" too ("3 torsfjeur", "2 fosijea").
_MISREAD_TIMES_PER_DAY = re.compile(
    r"\b(?:fois|(?<=\d )[ft][a-z]{1,3}(?=[il1|f]j[a-z]{1,3}\b)) ?[il1|f] ?j[a-z]{0,3}\b"
)
# Little words a posology's words are glued to by OCR ("comprimele soir", "jourpendant").
GLUED_LITTLE_WORDS = frozenset({"le", "la", "les", "au", "aux", "et", "par"})
MIN_GLUED_LENGTH = 6
# "et" glued to the start of "matin", "midi", "soir" or "coucher", the rest perhaps misread ("etsog").
_ET_GLUED_TO_A_MOMENT = re.compile(r"et(?:ma|mi|so|co)[a-z]{1,5}$")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+|[^\s\w]")


@dataclass(frozen=True)
class Posology:
    dose: float | None = None
    unit: str = ""
    periods: list[str] = field(default_factory=list)
    duration_days: int | None = None
    as_needed: bool = False
    renewals: int = 0
    instructions: str = ""
    # How sure the reading of each field found is (0..1); a field the text does not give has no entry.
    confidence: dict[str, float] = field(default_factory=dict)

    @property
    def found(self) -> frozenset[str]:
        return frozenset(self.confidence)


@dataclass(frozen=True)
class _Tokens:
    """The text as the grammar reads it, and how sure each of its tokens is."""

    text: str
    starts: tuple[int, ...]
    confidences: tuple[float, ...]

    def confidence(self, match: re.Match) -> float:
        start, end = match.span()
        inside = [c for s, c in zip(self.starts, self.confidences, strict=True) if start <= s < end]
        return min(inside, default=1.0)


def parse(text: str) -> Posology:
    """Reads every posology element of the text; the first occurrence of each wins."""
    tokens = _tokenize(text)
    fields, confidence = {}, {}
    for name, reader in _READERS:
        found = reader(tokens)
        if found is not None:
            value, certainty = found
            fields[name] = value
            confidence[name] = round(certainty, 3)
    _resolve_periods(tokens, fields, confidence)
    if "dose" in fields:
        fields["dose"], fields["unit"] = fields["dose"]
        confidence["unit"] = confidence["dose"]
    return Posology(**fields, confidence=confidence)


def is_posology_word(word: str) -> bool:
    """Whether a folded word is one of the grammar's, even misread ("semaines", "semaimes")."""
    return word in VOCABULARY or _vocabulary_word(word)[0] != word


def units_named(text: str) -> set[str]:
    """The units of a dose the text names, with or without a number before them ("bouffées en cas de crise")."""
    return {UNITS[word] for word in _tokenize(text).text.split() if word in UNITS}


def same_kind_of_unit(unit: str, other: str) -> bool:
    return unit == other or any({unit, other} <= kind for kind in UNIT_KINDS)


# Reading the text into tokens -------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Lower case, without accents, with misread numbers mended; unlike lexicon.fold it keeps "/" and "-",
    which "1/2", "3/j" and "1-0-1" need."""
    text = _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", text.casefold())).translate(_UNDECOMPOSED)
    text = _MISREAD_NUMBER.sub(lambda match: match.group().translate(str.maketrans("oli", "011")), text)
    text = _WORD_GLUED_TO_A_NUMBER.sub(" ", _UNIT_GLUED_TO_TIMES.sub(r"\1 x", text))
    text = _ONE_GLUED_TO_A_KEYWORD.sub(r"\1 1", text)
    text = _LOST_SCHEDULE_DASH.sub(lambda match: f"{match[1].strip()}-{match[2]}", text)
    text = _LOST_SCHEDULE_DASHES.sub(r"\1-\2-\3", text)
    text = _LOST_SECOND_DASH.sub(r"\1-\2-\3", text)
    text = _GLUED_SCHEDULE.sub(r"\1-\2-\3", text)
    text = _SCHEDULE_GLUED_TO_A_DURATION.sub(
        lambda match: f"{match[1].translate(_ONES)}-{match[2]}-{match[3]} {match[4]} ", text
    )
    text = _SCHEDULE_WITH_A_STOP.sub(r"\1-\2-\3", text)
    text = _SCHEDULE_WITH_A_FIRST_STOP.sub(r"\1-\2-\3", text)
    text = _SCHEDULE_WITH_A_DOT.sub(r"\1-\2-\3", text)
    text = _LETTER_O_IN_A_SCHEDULE.sub(lambda match: re.sub(r" ?- ?", "-", match[0]).replace("o", "0"), text)
    text = _SCHEDULE_READ_AS_A_DECIMAL.sub(r"\1-\2-\3", text)
    text = _ZERO_MISREAD_IN_A_SCHEDULE.sub(lambda match: re.sub("[689]", "0", match[0]), text)
    text = _STOP_IN_A_LENGTH_OF_TIME.sub(r"\1 ", text)
    text = _LETTER_FOR_A_NUMBER_OF_DAYS.sub(
        lambda match: f"{match[1]} {match[2].translate(_NUMBERS_OF_LETTERS)} ", text
    )
    text = _AU_GLUED_BEFORE_BEDTIME.sub(r"\1 au ", text)
    text = _MAX_PER_DAY_READ_AS_A_DECIMAL.sub(r"\1\2/j \3 \4", text)
    text = _MISREAD_PER_DAY.sub(lambda match: f"x{next(group for group in match.groups() if group)}/j ", text)
    text = _MISREAD_TIMES_PER_DAY.sub("fois/j", text)
    return _QSP.sub("qsp ", text)


# A reading extracts its page again for each other reading of a doubtful line: the same lines are read many times over.
@functools.lru_cache(maxsize=8192)
def _tokenize(text: str) -> _Tokens:
    words = [part for token in _TOKEN.findall(normalize(text)) for part in _unglued(token.replace(",", "."))]
    readings = [_vocabulary_word(word) for word in words]
    readings = _mend_lone_ones(readings)
    readings = _mend_duration_units(words, readings)
    readings = _mend_months_after_a_number(words, readings)
    readings = _mend_moments(words, readings)
    readings = _mend_times(words, readings)
    readings = _mend_lost_number_of_a_duration(words, readings)
    readings = _mend_lost_day_unit(readings)
    readings = _mend_lost_per_day(readings)
    starts, position = [], 0
    for word, _ in readings:
        starts.append(position)
        position += len(word) + 1
    return _Tokens(
        text=" ".join(word for word, _ in readings),
        starts=tuple(starts),
        confidences=tuple(confidence for _, confidence in readings),
    )


def _unglued(word: str) -> list[str]:
    """A word that is two of the posology's glued by OCR, those two ("jourpendant", "comprimele", "foasjour"); else the
    word. "et" glued to a moment's start, however misread ("etsog" for "et soir"), is "et" and the moment."""
    if word in VOCABULARY or not word.isalpha():
        return [word]
    if _ET_GLUED_TO_A_MOMENT.match(word):
        return ["et", word[2:]]
    if len(word) < MIN_GLUED_LENGTH:
        return [word]
    for cut in range(2, len(word) - 1):
        first, second = word[:cut], word[cut:]
        known = [part in VOCABULARY or part in GLUED_LITTLE_WORDS for part in (first, second)]
        # One of the two may be misread too ("foasjour"), when the other is read right.
        misread = [len(part) >= SHORT_WORD and _vocabulary_word(part)[1] < 1 for part in (first, second)]
        if (all(known) or (any(known) and any(misread))) and max(len(first), len(second)) >= 3:
            return [first, second]
    return [word]


# Pages are parsed again and again as their doubtful lines are read again: a word is looked up once.
@functools.lru_cache(maxsize=8192)
def _vocabulary_word(word: str) -> tuple[str, float]:
    if word in VOCABULARY:
        return VOCABULARY[word], 1.0
    # OCR's most common slip, "m" read as "rn" ("rnatin", "cornprimé"), costs difflib too many letters.
    if word.replace("rn", "m") in VOCABULARY:
        return VOCABULARY[word.replace("rn", "m")], RN_FOR_M_CONFIDENCE
    if not word.isalpha() or len(word) < SHORT_WORD:
        return word, 1.0
    if _MAXIMUM_MISREAD.fullmatch(word):
        return "maximum", MIN_SIMILARITY
    cutoff = MIN_SIMILARITY_SHORT if len(word) == SHORT_WORD else MIN_SIMILARITY
    close = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=cutoff)
    if not close:
        return word, 1.0
    return VOCABULARY[close[0]], difflib.SequenceMatcher(a=word, b=close[0]).ratio()


def _mend_lone_ones(readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """OCR reads a lone "1" as "l" or "i": "l comprime", "i fois par jour"; before a length of time, as a bar or an
    arrow too ("↓ mois", "| mois")."""
    mended = list(readings)
    for index, ((word, confidence), (following, _)) in enumerate(itertools.pairwise(readings)):
        if (word in ("l", "i") and (following in UNITS or following == "fois" or following in DAYS_IN)) or (
            word in LOOKALIKES_OF_ONE and following in DAYS_IN
        ):
            mended[index] = ("1", confidence * MIN_SIMILARITY)
    return mended


def _mend_duration_units(words: list[str], readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """After "pendant 2", a word is a length of time: "mais" is "mois" there, not the likelier "matins"; and the j
    of "pendant 14 j" read as a bracket, an arrow or a 1 at the end ("pendant 14)", "pendant 8↓", "pendant 21 1"). A
    word read as a moment only by likeness is "jours" misread there ("durant 5 loirs"), its number perhaps read as the
    letter it looks like ("durant s loirs")."""
    mended = list(readings)
    for index in range(2, len(words)):
        (keyword, _), (number, number_confidence), (word, _) = readings[index - 2 : index + 1]
        if keyword not in DURATION_KEYWORDS or word in DAYS_IN:
            continue
        if word in MOMENTS_WRITTEN and words[index] not in (word, word + "s") and _like_days(words[index]):
            if len(number) == 1 and number in LETTERS_FOR_NUMBERS:
                mended[index - 1] = (number.translate(_NUMBERS_OF_LETTERS), number_confidence * MIN_SIMILARITY)
            if mended[index - 1][0].isdigit():
                mended[index] = ("jour", LOST_UNIT_CONFIDENCE)
            continue
        if not number.isdigit():
            continue
        at_the_end = index + 1 == len(words) or words[index + 1] in (".", ",", ";")
        if word in LOOKALIKES_OF_J and at_the_end:
            mended[index] = ("jour", MIN_SIMILARITY_SHORT)
            continue
        if not words[index].isalpha():
            continue
        close = difflib.get_close_matches(words[index], DURATION_UNITS, n=1, cutoff=MIN_SIMILARITY_SHORT)
        if close:
            unit = VOCABULARY[close[0]]
            mended[index] = (unit, difflib.SequenceMatcher(a=words[index], b=close[0]).ratio())
        elif word in VOCABULARY.values() or word in NOT_UNITS_OF_DAYS or word[0] not in UNITS_BY_FIRST_LETTER:
            continue
        else:
            # Misread past likeness ("1 mote", "2 joots", "4 setrines"): its first letter, which OCR keeps, says which.
            unit, shortest, longest = UNITS_BY_FIRST_LETTER[word[0]]
            if shortest <= len(word) <= longest:
                mended[index] = (unit, LOST_UNIT_CONFIDENCE)
    return mended


def _like_days(word: str) -> bool:
    return difflib.SequenceMatcher(a=word, b="jours").ratio() >= MIN_DAYS_LIKENESS


def _mend_months_after_a_number(words: list[str], readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Right after a number, a misread word as close to "mois" as to a plain word is "mois" ("1 mons", "1 muis"):
    "1 moins" or "1 puis" would say nothing more. So is one closer to a moment the text has said already ("le matin
    et le soir, 1 matis"), less like "mois"."""
    mended = list(readings)
    for index in range(1, len(words)):
        read, written = readings[index][0], words[index]
        if written == read or not readings[index - 1][0].isdigit():
            continue
        said_again = read in MOMENTS_WRITTEN and read in (word for word, _ in readings[: index - 1])
        if read in PLAIN_WORDS or said_again:
            likeness = difflib.SequenceMatcher(a=written, b="mois").ratio()
            if likeness >= (MIN_MONTH_LIKENESS_FOR_A_MOMENT_SAID_AGAIN if said_again else MIN_SIMILARITY_SHORT):
                mended[index] = ("mois", likeness)
    return mended


def _mend_lost_day_unit(readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """ "pendant 14" followed by no unit of time ("j" read as nothing, at the end of the line or before what the
    next line says): "pendant 14 jour", doubtful. More days than a month's written so and ending in 1 are fewer
    days, their j read as a 1 against the number ("pendant141": 14 days)."""
    read = [word for word, _ in readings]
    for index in range(1, len(read)):
        if read[index - 1] not in DURATION_KEYWORDS or not read[index].isdigit():
            continue
        following = read[index + 1] if index + 1 < len(read) else ""
        if following in VOCABULARY.values() or following in UNITS or following in NOT_UNITS_OF_DAYS:
            continue
        number = read[index]
        if len(number) >= 2 and number.endswith("1") and int(number) > MAX_DAYS_WRITTEN_WITHOUT_UNIT:
            number = number[:-1]
        elif int(number) < MIN_DAYS_WITHOUT_UNIT:
            continue
        return [
            *readings[:index],
            (number, LOST_UNIT_CONFIDENCE),
            ("jour", LOST_UNIT_CONFIDENCE),
            *readings[index + 1 :],
        ]
    return readings


def _mend_lost_number_of_a_duration(words: list[str], readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """ "pendant mois", "QSP semaine": a length of time whose number OCR lost, written in the singular, is one of
    it, doubtful."""
    read = [word for word, _ in readings]
    for index in range(1, len(read)):
        singular = read[index] == "mois" or (read[index] == "semaine" and not words[index].endswith("s"))
        if read[index - 1] in DURATION_KEYWORDS and singular:
            return [*readings[:index], ("1", LOST_UNIT_CONFIDENCE), *readings[index:]]
    return readings


def _mend_lost_per_day(readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """ "2x" or "x2" after a dose, with nothing after it but the length of time ("1 cp 2x QSP 3 mois", "QSP" misread
    too: "1 cp 2x QSo 3 mois") or the end of the text: "x2/j" with its "/j" lost, or read as a digit ("1 cp 2x4
    pendant 3 semaines", "2 cp x 28"), doubtful."""
    read = [word for word, _ in readings]

    def ends_it(start: int) -> bool:
        # The end of the text, a length of time, or a keyword of one ("QSP") misread before its number; after a stop or
        # a comma ("1 cp 2x, pendant 21 jours").
        while start < len(read) and read[start] == ".":
            start += 1
        return (
            start == len(read)
            or read[start] in DURATION_KEYWORDS
            or any(len(read) > at + 1 and read[at].isdigit() and read[at + 1] in DAYS_IN for at in (start, start + 1))
        )

    def after_a_dose(index: int) -> bool:
        # Its unit, or its number and a word, the unit misread past knowing ("1 aût x2.").
        return read[index - 1] in UNITS or (read[index - 2].isdigit() and read[index - 1].isalpha())

    lost = [("/", LOST_UNIT_CONFIDENCE), ("jour", LOST_UNIT_CONFIDENCE)]
    for index in range(2, len(read)):
        if read[index] == "x" and read[index - 1].isdigit() and read[index - 2] in UNITS:
            times, end = read[index - 1], index + 1
            # "/j" read as a digit after the x.
            digit_after = end < len(read) and len(read[end]) == 1 and read[end].isdigit()
            if digit_after and int(times) in PERIODS_FOR_TIMES_A_DAY and ends_it(end + 1):
                return [*readings[:end], *lost, *readings[end + 1 :]]
        elif read[index] == "x" and after_a_dose(index) and index + 1 < len(read) and read[index + 1].isdigit():
            times, end = read[index + 1], index + 2
            if len(times) == 2 and times[0] in "234" and times[1] != "0" and ends_it(end):
                # "/j" read as a digit glued to the number of times (not "x 14" nor "x 20", which may be days).
                return [*readings[: index + 1], (times[0], readings[index + 1][1]), *lost, *readings[end:]]
        else:
            continue
        if int(times) in PERIODS_FOR_TIMES_A_DAY and ends_it(end):
            return [*readings[:end], *lost, *readings[end:]]
    return readings


# "par" or the slash before "jour", "par" perhaps misread ("3 fors Dar jour").
_PAR = re.compile(r"/|par|[bdq]ar|pa[st]")


def _mend_times(words: list[str], readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A short word misread between a number and "par jour" ("3 tots par jour", "2 tons / jour"), or after "à
    renouveler 3", is "fois": nothing else is written there, not even a plain word it looks more like ("2 fuis par
    jour", closer to "puis"); "par" misread there too ("3 fors Dar jour") is "par"."""
    read = [word for word, _ in readings]
    mended = list(readings)
    for index in range(1, len(read)):
        word = words[index]
        following = read[index + 1 : index + 3]
        day_misread = len(following) == 2 and _day_misread(words[index + 2], following[1])
        per_day = len(following) == 2 and (following[1] == "jour" or day_misread) and bool(_PAR.fullmatch(following[0]))
        renewed = index >= 2 and read[index - 2] in ("renouveler", "renouvelable")
        if not read[index - 1].isdigit() or not (per_day or renewed):
            continue
        if per_day and following[0] not in ("/", "par"):
            mended[index + 1] = ("par", MIN_MOMENT_LIKENESS)
        if per_day and day_misread:
            mended[index + 2] = ("jour", MIN_MOMENT_LIKENESS)
        # A plain word, or a number's word, that the misread word is only like ("2 tois par jour": "trois") is not
        # what is written there.
        like_a_plain_word = read[index] in PLAIN_WORDS or (word not in VOCABULARY and read[index].isdigit())
        # Nor is a length of time before "par jour" ("2 lois par jour", read as "2 mois"): a dose is taken so many times
        # a day, never for so many months a day.
        length_of_time = per_day and read[index] in DAYS_IN
        grammar_word = read[index] in VOCABULARY.values() and not like_a_plain_word and not length_of_time
        if grammar_word or not word.isalpha() or not 3 <= len(word) <= 5:
            continue
        mended[index] = ("fois", MIN_MOMENT_LIKENESS)
    return mended


def _day_misread(word: str, read: str) -> bool:
    """Whether a short word after "3 fois par" is "jour" misread ("3 tos par jme", "par ov", "par pous"): no other word
    of a few letters but a length of time is written there, and it is not like another ("mos" is "mois")."""
    return (
        word.isalpha()
        and 2 <= len(word) <= len("jour")
        and read not in DAYS_IN
        and all(difflib.SequenceMatcher(a=word, b=other).ratio() < MIN_OTHER_TIME_LIKENESS for other in DAYS_IN)
    )


def _mend_moments(words: list[str], readings: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A misread word where only a moment of the day can be: "soir" read closer to "soit" after an article ("le
    solt", "chaque sott"), which "soit" never follows, or another misread word there ("le salr"); a word after
    "matin et" ("matin et sod", "matin et sois") or before "et soir" ("mn et soir"); the next moment of a list
    ("matin mid sar"), or the one before ("matm mid soir")."""
    read = [word for word, _ in readings]
    mended = list(readings)
    for index in range(1, len(readings)):
        word, confidence = readings[index]
        if word == "soit" and read[index - 1] in ARTICLES_BEFORE_A_MOMENT:
            mended[index] = ("soir", confidence * MIN_SIMILARITY_SHORT)
        elif _beside_a_moment(read, index):
            mended[index] = _moment(words[index], readings[index])
            following = read[index + 2] if index + 2 < len(read) else None
            if mended[index] == readings[index] and read[index - 1] in UNITS and following in MOMENTS_IN_ORDER:
                # Between a dose and "et soir" only a moment earlier in the day is written, however misread
                # ("1 application priato et soir").
                earlier = MOMENTS_IN_ORDER[: MOMENTS_IN_ORDER.index(following)]
                mended[index] = _moment(
                    words[index], readings[index], among=earlier, likeness=MIN_MOMENT_LIKENESS_AFTER_A_DOSE
                )
        elif mended[index - 1][0] in NEXT_MOMENT:
            # Thin letters lost in a blur shorten it more ("matin md so"): its first letter and others in their order.
            mended[index] = _moment(
                words[index],
                readings[index],
                same_length=True,
                among=(NEXT_MOMENT[mended[index - 1][0]],),
                shortened=True,
            )
        elif read[index - 1] in ARTICLES_BEFORE_A_MOMENT - {"chaque"} or (
            index >= 2 and mended[index - 2][0] == "soir" and _AU_AFTER_SOIR.fullmatch(read[index - 1])
        ):
            # An article is followed by other words than moments: only one of a moment's length is taken for one
            # ("chaque" is followed by too many: "chaque œil", "chaque narine").
            mended[index] = _moment(words[index], readings[index], same_length=True)
    for index in range(len(readings) - 2, -1, -1):
        if mended[index][0] not in MOMENTS_WRITTEN and mended[index + 1][0] in PREVIOUS_MOMENT:
            mended[index] = _moment(
                words[index],
                mended[index],
                same_length=True,
                among=(PREVIOUS_MOMENT[mended[index + 1][0]],),
                shortened=True,
            )
    return mended


def _beside_a_moment(read: list[str], index: int) -> bool:
    """Whether the word is the other side of an "et" (even misread) from a moment: "matin et …", "… et soir"."""
    after = index >= 2 and read[index - 1] in AND_MISREAD and read[index - 2] in MOMENTS_WRITTEN
    return after or (index + 2 < len(read) and read[index + 1] in AND_MISREAD and read[index + 2] in MOMENTS_WRITTEN)


def _moment(
    written: str,
    reading: tuple[str, float],
    same_length: bool = False,
    among: tuple[str, ...] = MOMENTS_WRITTEN,
    shortened: bool = False,
    likeness: float = MIN_MOMENT_LIKENESS,
) -> tuple[str, float]:
    """The moment of the day (`among` them) a word misread where a moment must be is closest to; the reading as it
    was when it is some other word of the grammar or is not close to any moment. With `same_length`, the word must
    be about as long as the moment, or else, when it may be `shortened`, the moment's first letter and some of the
    others in their order."""
    word = reading[0]
    if not written.isalpha() or word in MOMENTS_WRITTEN or (word in VOCABULARY.values() and word != "soit"):
        return reading
    if written in NOT_MOMENTS:
        return reading
    close = difflib.get_close_matches(written, among, n=1, cutoff=likeness)
    if not close:
        return reading
    # A misread keeps a word's length within a letter: "le lendemain" is no morning.
    if same_length and abs(len(written) - len(close[0])) > 1 and not (shortened and _shortened(written, close[0])):
        return reading
    return close[0], difflib.SequenceMatcher(a=written, b=close[0]).ratio()


def _shortened(written: str, word: str) -> bool:
    """Whether `written` is `word` with letters lost: its first, then others in their order ("md" for "midi")."""
    rest = iter(word[1:])
    return len(written) >= 2 and written[0] == word[0] and all(letter in rest for letter in written[1:])


def _number(text: str) -> float:
    numerator, _, denominator = text.partition(" / ")
    return float(numerator) / float(denominator) if denominator else float(numerator)


# The readers: each returns (value, confidence) or None ----------------------------------------------------------


def _dose(tokens: _Tokens):
    match = DOSE.search(tokens.text)
    if match is None:
        return None
    return (_number(match.group(1)), UNITS[match.group(2)]), tokens.confidence(match)


def _schedule(tokens: _Tokens):
    match = SCHEDULE.search(tokens.text)
    if match is None:
        return None
    values = [_number(value) for value in match.groups() if value is not None]
    return values, tokens.confidence(match)


def _moments(tokens: _Tokens):
    named, certainties = set(), []
    for pattern, moment in MOMENT_WORDS:
        for match in pattern.finditer(tokens.text):
            named.add(moment)
            certainties.append(tokens.confidence(match))
    if not named:
        return None
    return [moment for moment in MOMENTS if moment in named], min(certainties)


def _times_a_day(tokens: _Tokens):
    for pattern in TIMES_A_DAY:
        for match in pattern.finditer(tokens.text):
            if not LIMIT_BEFORE.search(tokens.text[: match.start()]):
                return int(_number(match.group(1))), tokens.confidence(match)
    match = UNITS_A_DAY.search(tokens.text)
    if match and not LIMIT_BEFORE.search(tokens.text[: match.start()]):
        return 1, tokens.confidence(match)
    return None


def _duration(tokens: _Tokens):
    for pattern in DURATIONS:
        for match in pattern.finditer(tokens.text):
            days = round(_number(match.group(1)) * DAYS_IN[match.group(2)])
            if days <= MAX_DURATION_DAYS:
                return days, tokens.confidence(match)
    return None


def _as_needed(tokens: _Tokens):
    match = AS_NEEDED.search(tokens.text)
    if match:
        return True, tokens.confidence(match)
    match = DOSE_FOR_A_SYMPTOM.search(tokens.text)
    if match:
        return True, tokens.confidence(match) * SYMPTOM_ONLY_CONFIDENCE
    match = LIMIT_PER_DAY.search(tokens.text)
    if match and _moments(tokens) is None and _schedule(tokens) is None and _times_a_day(tokens) is None:
        return True, tokens.confidence(match) * LIMIT_ONLY_CONFIDENCE
    return None


def _renewals(tokens: _Tokens):
    for pattern in RENEWALS:
        match = pattern.search(tokens.text)
        if match:
            return int(_number(match.group(1))), tokens.confidence(match)
    match = RENEWABLE.search(tokens.text)
    return (1, tokens.confidence(match)) if match else None


def _instructions(tokens: _Tokens):
    found = [(match, wording) for pattern, wording in INSTRUCTIONS if (match := pattern.search(tokens.text))]
    if not found:
        return None
    found.sort(key=lambda item: item[0].start())
    return ", ".join(wording for _, wording in found), min(tokens.confidence(match) for match, _ in found)


_READERS = [
    ("dose", _dose),
    ("schedule", _schedule),
    ("moments", _moments),
    ("times_a_day", _times_a_day),
    ("duration_days", _duration),
    ("as_needed", _as_needed),
    ("renewals", _renewals),
    ("instructions", _instructions),
]

# How sure periods are when moments and a count of times a day disagree ("3 fois par jour matin et soir").
DISAGREEING_PERIODS_CONFIDENCE = 0.5


def _resolve_periods(tokens: _Tokens, fields: dict, confidence: dict) -> None:
    """Turns the schedule, named moments and count of times a day into periods (and a dose for "1-0-1").

    A schedule or named moments say when; a count alone follows the conventions. When taken only as needed, a
    count is a limit, not a routine: periods stay empty unless moments are named.
    """
    schedule = fields.pop("schedule", None)
    schedule_confidence = confidence.pop("schedule", None)
    moments = fields.pop("moments", None)
    moments_confidence = confidence.pop("moments", None)
    times_a_day = fields.pop("times_a_day", None)
    times_confidence = confidence.pop("times_a_day", None)
    if schedule is not None:
        fields["periods"] = [moment for moment, value in zip(MOMENTS, schedule, strict=False) if value > 0]
        confidence["periods"] = schedule_confidence
        _dose_from_schedule(schedule, schedule_confidence, fields, confidence)
    elif moments is not None:
        fields["periods"] = moments
        agrees = times_a_day is None or times_a_day == len(moments)
        confidence["periods"] = moments_confidence if agrees else DISAGREEING_PERIODS_CONFIDENCE
    elif times_a_day is not None and not fields.get("as_needed"):
        periods = PERIODS_FOR_TIMES_A_DAY.get(times_a_day)
        if periods is not None:
            fields["periods"] = periods
            confidence["periods"] = times_confidence
    elif fields.get("as_needed"):
        fields["periods"] = []
        confidence["periods"] = confidence["as_needed"]


def _dose_from_schedule(schedule: list[float], certainty: float, fields: dict, confidence: dict) -> None:
    """In "1/2-0-1/2" the number is the dose; the unit comes from the text, or the caller, when it is not there."""
    taken = {value for value in schedule if value > 0}
    if "dose" in fields or not taken:
        return
    # "1-0-2" gives two doses: the first one is kept and the reviewer sees it is unsure.
    fields["dose"] = (next(value for value in schedule if value > 0), "")
    confidence["dose"] = certainty if len(taken) == 1 else DISAGREEING_PERIODS_CONFIDENCE
