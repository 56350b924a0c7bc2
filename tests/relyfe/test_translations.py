"""The French catalogue is complete, really translated and compiled; dates read in French."""

import datetime
import gettext
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from tests.conftest import skip_or_fail
from tests.factories import HealthRecordFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")

# Words that are written the same in French. Each one is allowed only because it is right as it is.
SAME_IN_FRENCH = {
    # A length on a photo's drawings, in millimetres or pixels (the %% forms are in a template's JavaScript).
    "%(length)s mm",
    "%(length)s px",
    "%%(length)s mm",
    "%%(length)s px",
    # How long to wait (relyfe.abuse.wait_text).
    "%(count)d minute",
    # The same noun in both languages.
    "Actions",
    "actions",
    "Administration",
    "Allergies",
    "allergies",
    "Contact",
    "Date",
    "Dates",
    "date",
    "Documents",
    "export",
    "exports",
    "Exports",
    "description",
    "Discussion",
    "Dose",
    "Menu",
    "message",
    "Note",
    "notification",
    "Notifications",
    "notifications",
    "Pages",
    "%(count)s page",
    "Patient",
    "patient",
    "Photo",
    "Photos",
    "Profession",
    "profession",
    "Vaccination",
    # Classes of drugs an allergy names, and the substance it names.
    "Macrolides",
    "Fluoroquinolones",
    "macrolides",
    "fluoroquinolones",
    "Latex",
    "substance",
    # Names of products and operating systems.
    "Linux (CUPS)",
    "macOS",
    # Only placeholders: the words come from the two messages put together.
    "%(action)s %(object)s",
}

FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def parse_catalogue(text: str) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n] and flags, obsolete ones
    left out. Small on purpose: the catalogue is plain gettext, and the tests must not need another library."""
    entries = []
    for block in text.split("\n\n"):
        entry, field = {"flags": set()}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field] += _unquote(line)
            else:
                field, _, quoted = line.partition(" ")
                entry[field] = _unquote(quoted)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", lambda match: {"n": "\n", "t": "\t"}.get(match[1], match[1]), quoted[1:-1])


def translations_of(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def key_of(entry: dict) -> tuple[str, str]:
    return entry.get("msgctxt", ""), entry["msgid"]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return [entry for entry in parse_catalogue(CATALOGUE.read_text(encoding="utf-8")) if entry["msgid"]]


def test_every_french_message_is_translated(entries):
    untranslated = [entry["msgid"] for entry in entries if not all(translations_of(entry))]
    assert untranslated == []


def test_no_french_message_is_left_fuzzy(entries):
    # gettext ignores a fuzzy entry: the page would show the English.
    assert [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]] == []


def test_no_french_message_copies_the_english(entries):
    copied = [
        entry["msgid"]
        for entry in entries
        if entry["msgid"] not in SAME_IN_FRENCH
        and any(text in (entry["msgid"], entry.get("msgid_plural")) for text in translations_of(entry))
    ]
    assert copied == []


def test_the_same_in_french_list_holds_only_words_still_in_the_catalogue(entries):
    assert SAME_IN_FRENCH - {entry["msgid"] for entry in entries} == set()


def test_the_compiled_catalogue_matches_the_french_one(entries):
    with COMPILED.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in entries:
        msgid = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            expected.update({(msgid, index): entry[f"msgstr[{index}]"] for index in range(2)})
        else:
            expected[msgid] = entry["msgstr"]
    compiled_entries = {key: value for key, value in catalog.items() if key != ""}
    assert compiled_entries == expected, "run msgfmt -o locale/fr/LC_MESSAGES/django.mo on the .po"


def test_every_string_marked_for_translation_is_in_the_catalogue(entries, tmp_path):
    """makemessages runs on a copy of the sources, so the repository's catalogue is never touched."""
    if shutil.which("xgettext") is None:
        skip_or_fail("makemessages needs gettext: apt-get install gettext")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(".*", "var", "locale", "node_modules", "__pycache__", "data", "*.mo"),
        symlinks=True,
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "--ignore=var", "--ignore=.venv"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = parse_catalogue((copy / "locale/fr/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    assert len(extracted) > 1000, "the extraction found almost nothing: is the copy complete?"
    known = {key_of(entry) for entry in entries}
    missing = sorted(key_of(entry) for entry in extracted if entry["msgid"] and key_of(entry) not in known)
    assert missing == []


def test_no_french_message_contradicts_djangos_own(entries):
    """Our catalogue comes first: a msgid Django translates too ("May", the month) must read the same, or
    carry a context. Otherwise every date filter and form of Django says our word ("22 Peut 2025")."""
    django_locale = Path(importlib.util.find_spec("django").origin).parent / "conf/locale/fr/LC_MESSAGES/django.mo"
    with django_locale.open("rb") as compiled:
        djangos = gettext.GNUTranslations(compiled)._catalog
    plain = [entry for entry in entries if "msgctxt" not in entry and "msgstr" in entry]
    contradicting = [
        entry["msgid"] for entry in plain if djangos.get(entry["msgid"], entry["msgstr"]) != entry["msgstr"]
    ]
    assert contradicting == []


def test_all_twelve_months_read_in_french():
    template = Template('{{ day|date:"j F Y" }}|{{ day|date:"N" }}')
    with translation.override("fr"):
        rendered = [template.render(Context({"day": datetime.date(2025, month, 22)})) for month in range(1, 13)]
    assert [text.split("|")[0] for text in rendered] == [f"22 {month} 2025" for month in FRENCH_MONTHS]
    assert rendered[4] == "22 mai 2025|mai"


def test_a_record_of_may_reads_mai_on_the_french_timeline(client, alice):
    HealthRecordFactory(patient=alice, title="Bilan sanguin", clinical_date=datetime.date(2025, 5, 22))
    client.force_login(alice)

    page = client.get("/records/", HTTP_ACCEPT_LANGUAGE="fr", follow=True).content.decode()

    assert "22 mai 2025" in page
    assert "Peut" not in page
