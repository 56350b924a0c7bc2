"""Every language on a phone: the patient's main pages fit the screen and nothing on them overlaps; Arabic reads
right to left (the layout mirrored, the numbers of a date and a dose still left to right within it)."""

import datetime
import os

import pytest
from django.conf import settings

from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, MedicationFactory, TreatmentFactory
from treatments import services as treatments

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# The boxes of what a person taps or reads first (the header's links, the headings, the buttons and fields), and
# whether any two overlap.
OVERLAPS = """() => {
  // An element's box as it is seen: cut by every ancestor that clips its overflow (a list that scrolls).
  function seenBox(element) {
    const box = element.getBoundingClientRect();
    let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflow === "visible") continue;
      const clip = parent.getBoundingClientRect();
      [left, top] = [Math.max(left, clip.left), Math.max(top, clip.top)];
      [right, bottom] = [Math.min(right, clip.right), Math.min(bottom, clip.bottom)];
    }
    return { left, top, right, bottom };
  }
  const boxes = [...document.querySelectorAll(
    "header a, header button, header select, main h1, main h2, main a, main button, main select, main input"
  )]
    .filter((element) => getComputedStyle(element).visibility !== "hidden")
    .map((element) => [element, seenBox(element)])
    .filter(([, box]) => box.right - box.left > 0 && box.bottom - box.top > 0);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, boxA] = boxes[i];
      const [b, boxB] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const width = Math.min(boxA.right, boxB.right) - Math.max(boxA.left, boxB.left);
      const height = Math.min(boxA.bottom, boxB.bottom) - Math.max(boxA.top, boxB.top);
      if (width > 2 && height > 2) overlaps.push([a.outerHTML.slice(0, 80), b.outerHTML.slice(0, 80)]);
    }
  }
  return overlaps;
}"""


@pytest.fixture
def patient(alice):
    treatments.reminder_settings_ensure(patient=alice)
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date.today() - datetime.timedelta(days=2))
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    HealthRecordFactory(patient=alice, title="Bilan sanguin", clinical_date=datetime.date(2025, 5, 22))
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "blood_group": "O-", "allergies": "Pénicilline"},
        visible_sections=["blood_group", "allergies"],
    )
    return alice


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_fit_a_phone_in_every_language(page, patient, language):
    patient.language = language
    patient.save(update_fields=["language"])
    log_in(page, patient.email)  # the sign-in sets the language cookie to hers
    for path in ("/", "/treatments/today/", f"/patients/{patient.public_id}/records/", "/sharing/emergency/"):
        page.goto(page.base_url + path)
        if SCREENSHOTS:
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{language}-{name[:40]}.png"), full_page=True)

        assert page.evaluate("document.documentElement.lang") == language, path
        direction = page.evaluate("getComputedStyle(document.body).direction")
        assert direction == ("rtl" if language == "ar" else "ltr"), path
        # Nothing wider than the screen, and nothing drawn over anything else.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        assert page.evaluate(OVERLAPS) == [], path


def test_arabic_mirrors_the_layout(page, patient):
    patient.language = "ar"
    patient.save(update_fields=["language"])
    log_in(page, patient.email)
    page.goto(page.base_url + "/treatments/today/")

    # The site's name, first in the header, sits at the right of the screen; the menu at the left.
    brand = page.locator("header a").first.bounding_box()
    assert brand["x"] + brand["width"] > page.viewport_size["width"] / 2
    assert page.evaluate("document.documentElement.dir") == "rtl"
