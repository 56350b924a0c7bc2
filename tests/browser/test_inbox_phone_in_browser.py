"""The print inbox on a phone (390 x 844): the waiting documents are cards no wider than the screen, and a
proposed patient comes with the document's words that name them."""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from access.models import Permission, Scope
from demo.records import report_pdf
from printing import services as printing
from printing.proposals import print_job_propose
from sharing import services as sharing
from tests.browser.sign_in import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots to look at after a run: /tmp/shots/admin/ unless SCREENSHOTS_DIR says otherwise.
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", tempfile.gettempdir())) / "shots" / "admin"
PHONE_WIDTH = 390


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_inbox_fits_a_phone_and_shows_why_a_patient_is_proposed(page, alice, dave, bob):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for patient in (alice, dave):
        sharing.grant_give(actor=patient, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    alice.last_name = "Martin-Lefèvre-Beauregard"
    alice.save()
    alice.patient_profile.birth_date = datetime.date(1984, 3, 12)
    alice.patient_profile.save()
    line = "Mme MARTIN-LEFÈVRE-BEAUREGARD Alice née le 12/03/1984"
    # Printed from a document still named after dave: the document's own text says it is alice's.
    long_name = f"Microsoft Word - Ordonnance_renouvellement_traitement_de_fond_{dave.full_name}_2026.docx"
    proposed = printing.print_job_receive(
        actor=bob, name=long_name, data=report_pdf("Ordonnance", [line, "DOLIPRANE 1000 mg, 3 fois par jour"])
    )
    print_job_propose(job=proposed)
    unnamed = printing.print_job_receive(
        actor=bob, name=f"Ordonnance {dave.full_name}", data=report_pdf("Ordonnance", ["DOLIPRANE 1000 mg"])
    )
    print_job_propose(job=unnamed)
    log_in(page, "bob@example.org")

    page.goto(page.base_url + reverse("printing:inbox"))
    page.wait_for_selector(".print-job__evidence")
    page.screenshot(path=str(SHOTS / "inbox-phone.png"), full_page=True)

    evidence = page.inner_text(".print-job__evidence")
    assert "Nom et date de naissance trouvés page 1" in evidence and line in evidence
    assert page.locator(".print-job__proposal").count() == 1
    assert alice.full_name in page.inner_text(".print-job__proposal")
    assert dave.full_name not in page.inner_text(".print-job__proposal")
    assert page_width(page) <= PHONE_WIDTH

    # The job without evidence proposes no one; its job name only fills in the search, unticked.
    page.goto(page.base_url + reverse("printing:job", args=[unnamed.public_id]))
    page.wait_for_selector(f"#patient-results >> text={dave.full_name}")
    page.screenshot(path=str(SHOTS / "job-hint-phone.png"), full_page=True)
    assert page.input_value("#patient-search") == dave.full_name
    assert not page.is_checked(f"#patient-results input[value='{dave.public_id}']")
    assert page_width(page) <= PHONE_WIDTH

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + reverse("printing:inbox"))
    page.wait_for_selector(".print-job__evidence")
    page.screenshot(path=str(SHOTS / "inbox-desktop.png"), full_page=True)
    assert page_width(page) <= 1280
