"""Accessibility of the main pages, checked by axe-core (vendored in tests/browser/vendor) in the phone-sized
Chromium: no violation whose impact is serious or critical (contrast, names of buttons and fields, landmarks…)."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, MedicationFactory, TreatmentFactory
from treatments import services as treatments

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(page, path):
    """The serious and critical violations axe finds on the page at `path`, one line each."""
    page.goto(page.base_url + path)
    page.wait_for_selector("h1")
    return serious_violations_here(page, path)


def serious_violations_here(page, path):
    """The serious and critical violations axe finds on the page as it is now."""
    # The site's Content-Security-Policy refuses an added <script> (page.add_script_tag): axe is evaluated
    # through the browser's debugging protocol instead, which the policy does not govern.
    page.evaluate(AXE.read_text() + "\n;typeof axe")
    violations = page.evaluate('() => axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations)')
    return [
        f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in violations
        if violation["impact"] in SERIOUS
    ]


@pytest.fixture
def patient(alice):
    """Alice with a treatment, a record and an emergency page turned on."""
    treatments.reminder_settings_ensure(patient=alice)
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date.today() - datetime.timedelta(days=2))
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    alice.record = HealthRecordFactory(patient=alice, title="Bilan sanguin", clinical_date=datetime.date(2025, 5, 22))
    profile = sharing.emergency_profile_ensure(patient=alice)
    alice.emergency_profile = sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "blood_group": "O-", "allergies": "Pénicilline"},
        visible_sections=["blood_group", "allergies"],
    )
    return alice


def patients_pages(patient) -> list[str]:
    """The patient's main pages: home, today's doses, timeline, a record, the emergency page's settings."""
    return [
        "/",
        "/treatments/today/",
        f"/patients/{patient.public_id}/records/",
        reverse("health_records:detail", args=[patient.record.public_id]),
        "/sharing/emergency/",
    ]


def test_the_public_pages_and_the_patients_pages_have_no_serious_violation(page, patient):
    # Seen by a stranger first, the emergency page tells alice so: her notifications are not an empty list.
    emergency_page = reverse("sharing:emergency_page", args=[sharing.emergency_token_of(patient.emergency_profile)])
    found = serious_violations(page, emergency_page) + serious_violations(page, "/accounts/login/")
    log_in(page, patient.email)
    for path in (*patients_pages(patient), "/notifications/"):
        found += serious_violations(page, path)
    assert page.locator("main li.timeline-item").count() > 0  # the notification of the emergency page's visit
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("language", ["ar", "uk", "es", "pt", "en"])
def test_the_patients_pages_in_every_language_have_no_serious_violation(page, patient, language):
    """The same pages in each language of the site (French is above): translated names, labels and
    right-to-left layout keep the checks clean."""
    patient.language = language
    patient.save(update_fields=["language"])
    log_in(page, patient.email)  # signing in takes the patient's language
    found = []
    for path in patients_pages(patient):
        found += serious_violations(page, path)
        assert page.evaluate("document.documentElement.lang") == language, path
    assert found == [], "\n".join(found)


def test_a_professionals_home_has_no_serious_violation(page, bob, bob_sees_alice):
    profile = bob.professional_profile
    profile.verified, profile.verified_at = True, timezone.now()
    profile.save()
    log_in(page, bob.email)
    found = serious_violations(page, "/")
    assert found == [], "\n".join(found)


def test_the_check_finds_a_serious_violation_when_there_is_one(page, alice):
    """The check itself: a button without a name and grey text on white, added to the sign-in page, are found."""
    page.goto(page.base_url + "/accounts/login/")
    page.wait_for_selector("h1")
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.append(document.createElement("button"));
          const faint = document.createElement("p");
          faint.textContent = "Faint words";
          faint.style.cssText = "color: #ddd; background: #fff";
          main.append(faint);
        }"""
    )
    found = "\n".join(serious_violations_here(page, "/accounts/login/"))
    assert "button-name (critical)" in found
    assert "color-contrast (serious)" in found
