"""Each language's catalogue (French, and every other language of settings.LANGUAGES but English) is complete,
really translated and compiled, for the server (django.po) and the pages' scripts (djangojs.po); dates read in
French."""

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

# The languages translated from the English of the sources.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]


def catalogue(language: str, domain: str = "django") -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


# Words that are written the same in French. Each one is allowed only because it is right as it is.
SAME_IN_FRENCH = {
    # How long to wait (relyfe.abuse.wait_text).
    "%(count)d minute",
    # A high lab value's flag: "H" (haut) on French reports too.
    "H",
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
    "Page %(number)s",
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
    # Only placeholders: the words come from the two messages put together.
    "%(action)s %(object)s",
}

PLACEHOLDER = re.compile(r"%\(\w+\)[-+0 #]*\d*(?:\.\d+)?[sdfr]|%[sd]|\{\w*\}")
# Names of products and operating systems, the same in every language.
PRODUCTS = {"Linux (CUPS)", "macOS"}
# The French health insurance's name for a long-term condition (affection de longue durée): on a French
# prescription's heading, it is the word the patient will see on the paper, in any language.
FRENCH_TERMS = {"ALD"}
# A length on a photo's drawings, in millimetres or pixels (the %% forms are in a template's JavaScript), where the
# language writes the units in Latin letters.
UNITS = {"%(length)s mm", "%(length)s px", "%%(length)s mm", "%%(length)s px", "%(ms)s ms"}
# Per language, the messages right as they are in English.
SAME_AS_ENGLISH = {
    "fr": SAME_IN_FRENCH | PRODUCTS | UNITS | FRENCH_TERMS,
    "uk": PRODUCTS | FRENCH_TERMS,
    "ar": PRODUCTS | FRENCH_TERMS,
    "es": PRODUCTS | UNITS | FRENCH_TERMS,
    # The same words in Portuguese.
    "pt": PRODUCTS | UNITS | FRENCH_TERMS | {"e-mail", "E-mail: %(email)s", "Menu", "Dose"},
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


def entries_of(language: str, domain: str = "django") -> list[dict]:
    return [
        entry for entry in parse_catalogue(catalogue(language, domain).read_text(encoding="utf-8")) if entry["msgid"]
    ]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return entries_of("fr")


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language, domain):
    untranslated = [entry["msgid"] for entry in entries_of(language, domain) if not all(translations_of(entry))]
    assert untranslated == []


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_is_left_fuzzy(language, domain):
    # gettext ignores a fuzzy entry: the page would show the English.
    assert [entry["msgid"] for entry in entries_of(language, domain) if "fuzzy" in entry["flags"]] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_copies_the_english(language):
    copied = [
        entry["msgid"]
        for domain in DOMAINS
        for entry in entries_of(language, domain)
        if entry["msgid"] not in SAME_AS_ENGLISH.get(language, set())
        and re.search(r"[^\W\d_]", PLACEHOLDER.sub("", entry["msgid"]))  # words to translate, not placeholders only
        and any(text in (entry["msgid"], entry.get("msgid_plural")) for text in translations_of(entry))
    ]
    assert copied == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_same_as_english_lists_hold_only_words_still_in_the_catalogue(language):
    known = {entry["msgid"] for domain in DOMAINS for entry in entries_of(language, domain)}
    assert SAME_AS_ENGLISH.get(language, set()) - known == set()


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language, domain):
    source = catalogue(language, domain)
    with source.with_suffix(".mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    expected = {}
    for entry in entries_of(language, domain):
        msgid = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            forms = sorted(key for key in entry if key.startswith("msgstr["))
            expected.update({(msgid, index): entry[form] for index, form in enumerate(forms)})
        else:
            expected[msgid] = entry["msgstr"]
    compiled_entries = {key: value for key, value in translations._catalog.items() if key != ""}
    assert compiled_entries == expected, f"run msgfmt -o {source.with_suffix('.mo')} {source}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_are_djangos_own(language):
    """Django's catalogue and ours choose the plural form by the same rule, so that "%(count)s dose" reads right
    next to Django's own plurals, and a language with 3, 4 or 6 forms has them all."""
    django_po = Path(importlib.util.find_spec("django").origin).parent / f"conf/locale/{language}/LC_MESSAGES/django.po"
    rule = re.compile(r'"Plural-Forms: (nplurals=\d+);')
    for domain in DOMAINS:
        ours = rule.search(catalogue(language, domain).read_text(encoding="utf-8"))
        assert ours and ours[1] == rule.search(django_po.read_text(encoding="utf-8"))[1], (language, domain)


def test_every_string_marked_for_translation_is_in_every_catalogue(tmp_path):
    """makemessages runs on a copy of the sources, so the repository's catalogues are never touched."""
    if shutil.which("xgettext") is None:
        skip_or_fail("makemessages needs gettext: apt-get install gettext")
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    heavy = shutil.ignore_patterns(".*", "var", "locale", "node_modules", "__pycache__", "data", "*.mo")

    def ignored(directory, names):
        # The data folders hold no message, but labs reads its analyte table when it is imported.
        return heavy(directory, names) - ({"data"} if Path(directory).name == "labs" else set())

    shutil.copytree(root, copy, ignore=ignored, symlinks=True)
    (copy / "locale").mkdir()
    # djangojs holds the messages of a package's scripts (accounts/passkey_urls.py): ours take theirs from the pages.
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "--ignore=var", "--ignore=.venv"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = parse_catalogue((copy / "locale/fr/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    assert len(extracted) > 1000, "the extraction found almost nothing: is the copy complete?"
    missing = {}
    for language in TRANSLATED:
        known = {key_of(entry) for entry in entries_of(language)}
        absent = sorted(key_of(entry) for entry in extracted if entry["msgid"] and key_of(entry) not in known)
        if absent:
            missing[language] = absent
    assert missing == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_contradicts_djangos_own(language):
    """Our catalogue comes first: a msgid Django translates too ("May", the month) must read the same, or
    carry a context. Otherwise every date filter and form of Django says our word ("22 Peut 2025")."""
    django_locale = Path(importlib.util.find_spec("django").origin).parent / f"conf/locale/{language}/LC_MESSAGES"
    with (django_locale / "django.mo").open("rb") as compiled:
        djangos = gettext.GNUTranslations(compiled)._catalog
    plain = [entry for entry in entries_of(language) if "msgctxt" not in entry and "msgstr" in entry]
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
