"""The comparison in full screen on a phone, asking for the orientation that fits the pair; where it cannot
be locked (this headless Chromium, iOS), a hint asks to turn the phone when it is held the other way."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.sign_in import log_in
from tests.browser.test_compare_in_browser import BLUE, RED, open_comparison, photo
from tests.files import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_FULL_SCREEN = "() => document.fullscreenElement === document.querySelector('[data-compare]')"
TURN_NEEDED = "() => document.querySelector('[data-compare]').classList.contains('is-turn-needed')"
LANDSCAPE_HELD = "() => matchMedia('(orientation: landscape)').matches"


def _pair(patient, size):
    photo(patient, date(2026, 1, 10), "Genou J+2", jpeg_bytes(size=size, color=RED))
    return photo(patient, date(2026, 3, 1), "Genou J+60", jpeg_bytes(size=size, color=BLUE))


def test_two_wide_photos_go_full_screen_and_ask_for_landscape_on_an_upright_phone(page, alice):
    later = _pair(alice, (800, 600))
    log_in(page, "alice@example.org")
    open_comparison(page, later)

    page.click("[data-compare-fullscreen]")
    page.wait_for_function(IN_FULL_SCREEN)

    expect(page.locator("[data-compare-fullscreen]")).to_have_attribute("aria-pressed", "true")
    # Locked to landscape, or still upright and then told to turn.
    page.wait_for_function(f"() => ({LANDSCAPE_HELD})() || ({TURN_NEEDED})()")

    page.click("[data-compare-fullscreen]")
    page.wait_for_function(f"() => !({IN_FULL_SCREEN})()")
    expect(page.locator("[data-compare-fullscreen]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-compare]")).not_to_have_class(re.compile(r"\bis-turn-needed\b"))


def test_two_tall_photos_fit_an_upright_phone_without_a_hint(page, alice):
    later = _pair(alice, (600, 800))
    log_in(page, "alice@example.org")
    open_comparison(page, later)

    page.click("[data-compare-fullscreen]")
    page.wait_for_function(IN_FULL_SCREEN)
    page.wait_for_timeout(300)  # the orientation request settles

    assert not page.evaluate(LANDSCAPE_HELD)
    assert not page.evaluate(TURN_NEEDED)
    assert not page.is_visible(".compare__turn-hint")
