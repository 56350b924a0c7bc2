"""Sharing on a phone (390 by 844): the visitor's request from end to end, confirm and undo, tables that fit,
the link's Copy and Share buttons, and the menu on a desktop. Screenshots go to
$SHOTS_DIR/sharing (/tmp/shots/sharing by default), to be looked at."""

import os
import tempfile
from pathlib import Path

import pytest

from access.models import Permission, Scope
from access.policy import Action, decide
from audit import services as audit
from notifications.services import notify_translated
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", tempfile.gettempdir() + "/shots")) / "sharing"
PHONE_WIDTH = 390


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_out(page):
    page.context.clear_cookies()
    in_french(page)


def in_french(page):
    """Visitors get the browser's language (English here); the pages are looked at in French."""
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.base_url}])


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    for box in page.eval_on_selector_all("table", "tables => tables.map(t => t.getBoundingClientRect().toJSON())"):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


@pytest.fixture(autouse=True)
def site_url(settings, live_server, page):
    """Links in pages and messages point to the test server; the pages are in French."""
    settings.SITE_URL = live_server.url
    in_french(page)


@pytest.fixture
def emergency_token(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    HealthRecordFactory(patient=alice, kind="imaging", title="IRM genou")
    return sharing.emergency_token_of(profile)


def test_a_visitor_asks_for_access_and_finds_the_link_on_their_status_page(page, alice, emergency_token):
    page.goto(page.base_url + f"/e/{emergency_token}/request/")
    assert page.locator("input[name=role]:checked").count() == 0
    shot(page, "01-request-form")
    page.fill("input[name=name]", "Nora Martin")
    page.check("input[name=role][value=other]")
    page.fill("textarea[name=reason]", "Je suis sa fille, elle est hospitalisée.")
    page.fill("input[name=contact_email]", "nora@example.org")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-request-status=pending]")
    status_url = page.url
    assert "/r/" in status_url
    assert_fits_the_phone(page)
    shot(page, "02-request-pending")

    log_in(page, "alice@example.org")
    page.goto(page.base_url + "/sharing/requests/")
    page.click("text=Nora Martin")
    page.click("button[value=approve]")
    page.wait_for_selector("[data-copy-link]")
    assert_fits_the_phone(page)
    shot(page, "03-request-approved-patient-side")
    log_out(page)

    page.goto(status_url)
    page.wait_for_selector("[data-request-status=approved]")
    assert_fits_the_phone(page)
    shot(page, "04-request-approved-visitor-side")
    page.click("[data-request-link]")
    page.wait_for_selector("input[name=name]")  # the share link asks the visitor's name, then shows the documents
    page.fill("input[name=name]", "Nora Martin")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=IRM genou")


def test_withdrawing_an_access_asks_first_and_can_be_undone(page, alice, bob):
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.READ)
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/sharing/care-team/")
    assert_fits_the_phone(page)
    shot(page, "05-care-team")
    page.click(".danger-zone a")
    page.wait_for_selector("[data-confirm-revoke]")
    shot(page, "06-confirm-withdrawal")
    assert decide(bob, Action.VIEW, alice)
    page.click("[data-confirm-revoke]")
    page.wait_for_selector("[data-undo] button")
    assert not decide(bob, Action.VIEW, alice)
    shot(page, "07-withdrawn-with-undo")
    page.click("[data-undo] button")
    page.wait_for_selector(".message--success")
    shot(page, "08-undone")
    assert decide(bob, Action.VIEW, alice)

    page.click(".danger-zone a")
    page.click("[data-confirm-revoke]")
    page.wait_for_selector("[data-undo] button")
    page.wait_for_selector("[data-undo] button", state="detached", timeout=15_000)  # the window has passed
    assert not decide(bob, Action.VIEW, alice)


def test_no_page_of_sharing_is_wider_than_a_phone(page, alice, bob, emergency_token):
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.KINDS, kinds=["imaging"], permission=Permission.READ)
    record = HealthRecordFactory(patient=alice, title="Compte rendu de consultation très détaillé")
    for label in ("Dr Jean-Baptiste Fontaine-Delacroix, cardiologue", "Hôpital"):
        sharing.share_link_create(actor=alice, records=[record], label=label, with_passcode=True)
    notify_translated(recipient=alice, event="record_added", text="%(name)s", params={"name": "Dr Bob"})
    seen = {"object_type": "health_record", "object_id": record.public_id, "action": "view", "access": "grant"}
    audit.record(actor=bob, patient=alice, **seen)
    log_in(page, "alice@example.org")

    pages = {
        "09-links": "/sharing/links/",
        "10-requests": "/sharing/requests/",
        "11-faces": "/faces/",
        "12-access-log": "/access-log/",
        "13-preferences": "/notifications/preferences/",
        "14-emergency": "/sharing/emergency/",
    }
    with_tables = {"09-links", "12-access-log", "13-preferences"}
    for name, path in pages.items():
        page.goto(page.base_url + path)
        page.wait_for_selector("h1")
        assert (page.locator("table").count() > 0) == (name in with_tables)
        assert_fits_the_phone(page)
        shot(page, name)
    page.goto(page.base_url + "/sharing/care-team/add/")
    page.check("input[name=scope][value=records]")  # unfolds the list of records
    assert page.is_visible("[data-picker=records] input[name=records]")
    page.check("[data-picker=records] input[name=records]")
    assert page.inner_text("[data-picker=records] [data-picker-count]") == "1 choisi"
    assert_fits_the_phone(page)
    shot(page, "15-grant-form-pickers")
    page.goto(page.base_url + "/sharing/links/")
    tabs = page.eval_on_selector_all(".tabs a", "tabs => tabs.map(t => t.getBoundingClientRect().toJSON())")
    assert len(tabs) == 6 and all(tab["x"] >= 0 and tab["x"] + tab["width"] <= PHONE_WIDTH for tab in tabs)


def test_a_new_link_has_copy_and_share_buttons(page, alice):
    HealthRecordFactory(patient=alice, title="Bilan sanguin")
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/sharing/links/")
    page.check("input[name=records]")
    page.click("main form button.button--primary")
    page.wait_for_selector("[data-copy-link]")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("[data-copy]")
    page.wait_for_selector("[data-copy-status]:not(:empty)")

    can_share = page.evaluate("typeof navigator.share === 'function'")
    assert page.is_visible("[data-share]") == can_share
    assert_fits_the_phone(page)
    shot(page, "16-link-created")


def test_the_menu_opens_on_a_phone_and_stays_on_one_line_on_a_desktop(page, alice, bob):
    log_in(page, "alice@example.org")
    page.goto(page.base_url + "/sharing/care-team/")
    assert not page.is_visible("#site-nav")
    page.click(".nav-toggle")
    assert page.is_visible("#site-nav a[href='/access-log/']")
    assert page.is_visible("#site-nav button:has-text('Se déconnecter')")
    shot(page, "17-phone-menu")

    for who in ("alice", "bob"):
        log_out(page)
        log_in(page, f"{who}@example.org")
        for width in (1024, 1280, 1440):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(page.base_url + "/")
            items = "items => items.map(i => i.getBoundingClientRect().top)"
            tops = page.eval_on_selector_all("#site-nav > ul > li", items)
            # On one line: a wrapped item would sit a whole line lower (a badge may shift one by a fraction of a
            # pixel).
            assert len(tops) > 5 and max(tops) - min(tops) < 1, f"the menu wraps at {width} px"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(page, f"18-desktop-{who}-{width}")
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
