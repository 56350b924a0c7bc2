"""The report-wide facts: the laboratory that made the analyses and the day the sample was taken.

The sample date is the one introduced as the sampling's ("Prélevé le", "Date de prélèvement", "Prélèvement du"),
never the date the report was printed or received, nor the patient's birth date: without such a date, none is
proposed.
"""

import datetime
import re

from documents.dates import FRENCH_MONTHS, valid_date
from documents.text import Line
from labs.analytes import fold

NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2}) ?[/.-] ?(\d{1,2}) ?[/.-] ?(\d{4}|\d{2})(?![\d/])")
WRITTEN_DATE = re.compile(rf"\b(\d{{1,2}})(?:er)? ({'|'.join(FRENCH_MONTHS)}) (\d{{4}})\b")
# What introduces the sampling's date, folded.
_SAMPLED = re.compile(
    r"\bprelev\w*|\bprelevement\w*|\bdate (?:de |du )?recueil|\brecueilli\w* le|\bdate de l'?echantillon"
)
# What introduces another date: the one after it on the same line is not the sample's.
_OTHER_DATE = re.compile(
    r"\b(?:edit\w*|imprim\w*|recu\w*|reception|enregistr\w*|valid\w*|ne|nee|naissance|ddn|"
    r"compte rendu|dossier|demande|transmis\w*|signe\w*)\b"
)
# A line naming the laboratory, folded.
_LABORATORY = re.compile(
    r"\b(?:laboratoire|lbm|labo|biologie medicale|centre de biologie|biogroup|cerballiance|synlab|eurofins|"
    r"inovie|unilabs|bioclinic|biomnis|cerba|lxbio|bioaxiome|biopath|oriade|novabio|chu|centre hospitalier|"
    r"hopital|clinique)\b"
)
_NOT_THE_NAME = re.compile(r"\b(?:cofrac|accredit\w*|biologiste|page|valide|edite|norme|iso|www|site)\b")
# Where a laboratory's name stops when the patient's block or an address shares its line.
_NAME_END = re.compile(
    r"\s+(?:-|\u2013|—|\||,)\s+|\s+(?=(?:m\.|mme|mlle|mr|monsieur|madame|patient|patiente|dossier|n°|tel|tél|"
    r"telephone|téléphone|fax|prelev|prélev|edit|édit|\d{5}\b|\d+,? (?:rue|avenue|bd|boulevard|place|"
    r"allée|chemin|route|impasse|quai|cours)\b))",
    re.IGNORECASE,
)
TOP_LINES = 15


def dates_in(text: str) -> list[tuple[int, datetime.date]]:
    """Every date in the text with where it starts (positions are those of the folded text, which keeps
    the text's length for these characters)."""
    folded = fold(text)
    found = []
    for match in NUMERIC_DATE.finditer(folded):
        day, month, year = (int(part) for part in match.groups())
        date = valid_date(year + 2000 if year < 100 else year, month, day)
        if date is not None:
            found.append((match.start(), date))
    for match in WRITTEN_DATE.finditer(folded):
        date = valid_date(int(match.group(3)), FRENCH_MONTHS[match.group(2)], int(match.group(1)))
        if date is not None:
            found.append((match.start(), date))
    return sorted(found, key=lambda found: found[0])


def sample_date(lines: list[Line]) -> dict:
    """{"value", "confidence", "line"}: the first date introduced as the sampling's."""
    for index, line in enumerate(lines):
        folded = fold(line.text)
        for keyword in _SAMPLED.finditer(folded):
            after = folded[keyword.end() :]
            dates = dates_in(after)
            other = _OTHER_DATE.search(after)
            dates = [(start, date) for start, date in dates if other is None or start < other.start()]
            if dates and dates[0][0] <= 40:
                return _field(dates[0][1].isoformat(), line)
            if not after.strip(" :") and index + 1 < len(lines):
                # The label alone, its value on the next line (a header printed as a table).
                following = dates_in(lines[index + 1].text)
                if following and following[0][0] <= 3:
                    return _field(following[0][1].isoformat(), lines[index + 1], 0.8)
    return {"value": None, "confidence": 0.0, "line": ""}


def laboratory(lines: list[Line]) -> dict:
    """{"value", "confidence", "line"}: the laboratory's name as printed at the top of the first page."""
    for line in lines[:TOP_LINES]:
        folded = fold(line.text)
        match = _LABORATORY.search(folded)
        if match is None or _NOT_THE_NAME.search(folded) or match.start() > 40:
            continue
        name = _NAME_END.split(line.text[match.start() :].strip(), maxsplit=1)[0].strip(" :-")
        if len(name) >= 5:
            return _field(name, line, 0.9)
    return {"value": None, "confidence": 0.0, "line": ""}


def _field(value: str, line: Line, certainty: float = 1.0) -> dict:
    return {"value": value, "confidence": round(min(1.0, line.confidence) * certainty, 2), "line": line.text}
