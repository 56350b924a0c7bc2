"""Every language of settings.LANGUAGES, page by page: the main pages of a patient and the public emergency pages
read in that language, with nothing left in English, in the right direction; the emergency page follows the
visitor's browser, not the patient's language."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from sharing import services as sharing
from tests.factories import HealthRecordFactory, MedicationFactory, TreatmentFactory
from tests.relyfe.test_translations import SAME_AS_ENGLISH, TRANSLATED, entries_of
from treatments import services as treatments

pytestmark = pytest.mark.django_db

# A patient's main pages, by URL name (and the patient's public id where the URL takes it).
PATIENT_PAGES = [
    ("home", False),
    ("health_records:timeline", True),
    ("treatments:today", False),
    ("treatments:settings", False),
    ("sharing:emergency", False),
    ("sharing:requests", False),
    ("notifications:list", False),
    ("accounts:profile", False),
    ("accounts:security", False),
]
# Attributes a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}


class ReadText(HTMLParser):
    """The texts of a page a person reads: its text nodes and the attributes above, without scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (name == "value" and dict(attrs).get("type") == "submit")):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def english_left(html: str, language: str) -> list[str]:
    """The texts of the page that are an English message of the catalogue whose translation differs: a string
    the page shows untranslated (not activated, translated at import time, stored in English…)."""
    english = set()
    translated = set()
    for domain in ("django",):
        for entry in entries_of(language, domain):
            if "%" in entry["msgid"] or "{" in entry["msgid"] or entry["msgid"] in SAME_AS_ENGLISH.get(language, set()):
                continue
            forms = [value for key, value in entry.items() if key.startswith("msgstr")]
            translated.update(forms)
            if entry["msgid"] not in forms and len(entry["msgid"]) > 3:
                english.add(" ".join(entry["msgid"].split()))
    parser = ReadText()
    parser.feed(html)
    texts = {" ".join(text.split()) for text in parser.texts}
    # A word the language writes as English does is its own translation; the language menu names each language
    # in itself.
    names = {translation.get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}
    return sorted(text for text in texts if text in english and text not in translated and text not in names)


@pytest.fixture
def patient(alice):
    treatments.reminder_settings_ensure(patient=alice)
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date.today() - datetime.timedelta(days=3))
    MedicationFactory(treatment=treatment, morning=True, evening=True)
    HealthRecordFactory(patient=alice, title="Bilan sanguin")
    return alice


@pytest.fixture
def emergency_url(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    profile = sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "blood_group": "O-", "allergies": "Pénicilline", "conditions": "Asthme"},
        visible_sections=["blood_group", "allergies", "conditions"],
    )
    return reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])


def direction_of(html: str) -> str:
    return re.search(r'<html lang="([^"]+)" dir="(rtl|ltr)"', html)[2]


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_patients_main_pages_read_in_the_language_with_nothing_left_in_english(client, patient, language):
    patient.language = language
    patient.save(update_fields=["language"])
    client.force_login(patient)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for name, takes_patient in PATIENT_PAGES:
        url = reverse(name, args=[patient.public_id] if takes_patient else [])
        response = client.get(url, follow=True)
        html = response.content.decode()

        assert response.status_code == 200, url
        assert f'<html lang="{language}"' in html, url
        assert direction_of(html) == ("rtl" if language == "ar" else "ltr"), url
        assert english_left(html, language) == [], url


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_emergency_page_and_its_access_request_follow_the_visitors_browser(client, alice, emergency_url, language):
    alice.language = next((code for code in TRANSLATED if code != language), "en")  # she reads another language
    alice.save(update_fields=["language"])
    for url in (emergency_url, emergency_url + "request/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")
        html = response.content.decode()

        assert response.status_code == 200, url
        assert f'<html lang="{language}"' in html, url
        assert english_left(html, language) == [], url


def test_arabic_pages_are_right_to_left_and_others_left_to_right(client, emergency_url):
    for language in TRANSLATED:
        html = client.get(emergency_url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert direction_of(html) == ("rtl" if language == "ar" else "ltr"), language


@pytest.mark.parametrize(("language", "isolated"), [("ar", True), ("fr", False), ("uk", False)])
def test_a_phone_number_reads_left_to_right_in_a_right_to_left_page(client, alice, language, isolated):
    """A number laid out from the right ("+33 6 12 34 56 78") comes out with its groups in the wrong order: in
    Arabic the number is a left-to-right isolate (LRI … PDI); its groups stay on one line in every language."""
    alice.phone, alice.language = "+33612345678", language
    alice.save(update_fields=["phone", "language"])
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as signing in sets it

    html = client.get(reverse("home")).content.decode()

    number = alice.phone_display.replace(" ", "\N{NO-BREAK SPACE}")
    assert number in html  # the banner asks to confirm it
    assert (f"\N{LEFT-TO-RIGHT ISOLATE}{number}\N{POP DIRECTIONAL ISOLATE}" in html) is isolated
