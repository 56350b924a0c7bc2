"""French dates and accent-blind search, on a phone, as a patient sees them."""

import datetime
import os
from urllib.parse import parse_qs, urlparse

import pytest

from access.models import AccessPath, Permission, Scope
from audit import services as audit
from audit.models import Action
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def query_of(url: str) -> dict:
    return parse_qs(urlparse(url).query)


@pytest.fixture
def records_of_may(alice):
    HealthRecordFactory(patient=alice, kind="allergy", title="Pénicilline", clinical_date=datetime.date(2025, 5, 22))
    HealthRecordFactory(patient=alice, title="Radiographie du genou", clinical_date=datetime.date(2025, 5, 2))


def test_a_may_record_reads_mai_on_the_french_timeline(page, alice, records_of_may):
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/records/")

    page.wait_for_selector("text=Pénicilline")
    timeline = page.inner_text("#timeline")
    assert "22 mai 2025" in timeline and "2 mai 2025" in timeline
    assert "Peut" not in page.content()
    screenshot(page, "timeline-mai")


def test_the_timeline_search_ignores_accents_and_the_address_keeps_it(page, alice, records_of_may):
    log_in(page, "alice@example.org")
    page.goto(page.base_url + "/records/")
    page.wait_for_selector("text=Radiographie du genou")

    page.fill("#id_q", "penicilline")
    page.wait_for_function("() => !document.querySelector('#timeline').innerText.includes('Radiographie')")

    assert "Pénicilline" in page.inner_text("#timeline")
    assert query_of(page.url)["q"] == ["penicilline"]
    screenshot(page, "timeline-search-penicilline")

    page.reload()
    page.wait_for_selector("text=Pénicilline")
    assert page.input_value("#id_q") == "penicilline"
    assert "Radiographie du genou" not in page.inner_text("#timeline")

    page.go_back()
    page.wait_for_selector("text=Radiographie du genou")
    page.go_forward()
    page.wait_for_function("() => !document.querySelector('#timeline').innerText.includes('Radiographie')")
    assert page.input_value("#id_q") == "penicilline"


def test_the_access_log_reads_as_french_sentences(page, alice, bob):
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.KINDS, kinds=["imaging"], permission=Permission.READ)
    audit.record(
        actor=bob,
        patient=alice,
        object_type="timeline",
        object_id=None,
        action=Action.LIST,
        access=AccessPath.GRANT,
    )
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/access-log/")

    row = page.inner_text("table tbody tr")
    assert "a parcouru la liste de vos dossiers" in row and "accès accordé par le patient" in row
    screenshot(page, "access-log")
    page.goto(page.base_url + "/sharing/care-team/")
    assert "(Imagerie)" in page.inner_text("main")
    screenshot(page, "care-team")
