"""The review of a lab report on a phone (390 x 844, the system's Chromium): each row is a card, nothing is wider
than the screen, the values are corrected and confirmed, and the record shows them with their flag in letters."""

import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from labs.models import Observation
from tests.browser.sign_in import log_in
from tests.browser.test_pages_fit_a_phone import OVERFLOWS, SMALL_BUTTONS
from tests.factories import LabReadingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(tempfile.gettempdir()) / "shots"))


def test_a_patient_reviews_and_confirms_a_lab_report_on_a_phone(live_server, page, alice):
    reading = LabReadingFactory(record__patient=alice)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.base_url}])
    log_in(page, "alice@example.org")

    page.goto(page.base_url + reverse("labs:reading_review", args=[reading.public_id]))

    assert page.evaluate(OVERFLOWS, 390) == []
    assert page.evaluate(SMALL_BUTTONS) == []
    rows = page.locator("tr.lab-review__row")
    assert rows.count() == 3  # two proposed values and a blank row
    assert page.eval_on_selector("tr.lab-review__row", "row => getComputedStyle(row).display") == "block"
    doubtful = rows.nth(1)
    assert "à vérifier" in doubtful.inner_text() or "to check" in doubtful.inner_text()
    assert "Glycémie a jeun 1,O5 g/l 0,70-1,10" in doubtful.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab-review-phone.png"), full_page=True)

    page.fill("input[name=rows-1-value]", "1,15")
    page.fill("input[name=rows-2-label]", "Ferritine")
    page.fill("input[name=rows-2-value]", "45")
    page.fill("input[name=rows-2-unit]", "µg/L")
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")

    assert page.url.endswith(reverse("health_records:detail", args=[reading.record.public_id]))
    assert Observation.objects.count() == 3
    results = page.locator(".record__observations")
    assert "HbA1c" in results.inner_text() and "H ↑" in results.inner_text()
    assert page.evaluate(OVERFLOWS, 390) == []
    page.screenshot(path=str(SHOTS / "lab-results-phone.png"), full_page=True)
