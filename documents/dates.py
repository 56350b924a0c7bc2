"""Dates as French documents write them, for the readers (prescriptions, lab reports)."""

import datetime

# Month names as read after folding (lower case, no accents): "février" is "fevrier".
FRENCH_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}


def valid_date(year: int, month: int, day: int) -> datetime.date | None:
    """The date, or None when no such day exists (a misread "31/02")."""
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
