"""The lab results pages on a phone: nothing wider than the screen, the chart scaled to it, and no serious
accessibility violation (axe-core)."""

import pytest
from django.urls import reverse

from tests.browser.sign_in import log_in
from tests.browser.test_accessibility_in_browser import serious_violations
from tests.labs.conftest import lab_file  # noqa: F401  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lab_results_pages_fit_a_phone_and_have_no_serious_violation(page, alice, lab_file):  # noqa: F811
    log_in(page, alice.email)
    found = []
    for path in (
        reverse("labs:trends", args=[alice.public_id]),
        reverse("labs:analyte", args=[alice.public_id, "4548-4"]),
        reverse("labs:analyte", args=[alice.public_id, "2160-0"]),
    ):
        found += serious_violations(page, path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    chart = page.locator("svg.lab-chart__svg").bounding_box()
    assert 0 < chart["width"] <= page.viewport_size["width"]
    assert page.locator("svg.lab-chart__svg g.lab-chart__point").count() == 2
    assert found == [], "\n".join(found)
