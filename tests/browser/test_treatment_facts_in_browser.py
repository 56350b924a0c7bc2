"""Treatment facts on a phone, in French: a prescription confirmed after its dates reads "Terminé", the
review offers to start today, and the home shows today's doses with one tap to answer them."""

import datetime
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, MedicationFactory, RecordFileFactory, TreatmentFactory
from treatments.models import Intake, PrescriptionReading, Treatment
from treatments.selectors import patient_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", Path(tempfile.gettempdir()) / "shots" / "facts"))
PROPOSAL = {
    "date": "2026-03-12",
    "prescriber": {"name": "Dr Bob Bernard"},
    "medications": [
        {"name": "DOLIPRANE 1000 mg", "dose": 1, "unit": "comprimé", "periods": ["morning"], "duration_days": 5},
        {"name": "AMOXICILLINE 1 g", "dose": 1, "unit": "comprimé", "periods": ["evening"], "duration_days": 7},
    ],
}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def reading(alice):
    record = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance angine")
    return PrescriptionReading.objects.create(
        record=record, record_file=RecordFileFactory(record=record), status="ready", result=PROPOSAL
    )


def test_the_review_warns_of_a_past_date_and_start_today_sets_the_date(page, alice, reading):
    log_in(page, "alice@example.org")

    page.goto(f"{page.base_url}/readings/{reading.public_id}/review/")

    warning = page.locator("[data-start-today-warning]")
    assert "Cette ordonnance date du 12 mars 2026 : son traitement commencerait dans le passé." in warning.inner_text()
    assert "le traitement sera enregistré comme terminé" in warning.inner_text()
    shot(page, "review-past-prescription")
    page.get_by_role("button", name="Commencer aujourd’hui").click()
    assert page.input_value("#id_start_date") == patient_today(alice).isoformat()
    assert page.is_visible("[data-start-today-done]") and not page.is_visible("[data-past-note]")
    shot(page, "review-started-today")
    assert fits_the_screen(page)


def test_a_past_dated_prescription_once_confirmed_reads_finished(page, alice, reading):
    log_in(page, "alice@example.org")
    page.goto(f"{page.base_url}/readings/{reading.public_id}/review/")

    page.get_by_role("button", name="Confirmer et créer le traitement").click()

    page.wait_for_selector(".badge--status-finished")
    assert page.inner_text(".badge--status-finished") == "Terminé"
    assert "Le traitement est enregistré comme terminé" in page.inner_text(".messages")
    assert "du 12 mars 2026 au 18 mars 2026" in page.inner_text("main")
    shot(page, "finished-treatment-detail")
    assert Treatment.objects.get().effective_status == "finished"
    page.goto(f"{page.base_url}/treatments/")
    past = page.locator("h2", has_text="Traitements passés")
    assert past.is_visible()
    assert "Aucun traitement en cours." in page.inner_text("main")
    shot(page, "treatments-with-past")
    assert fits_the_screen(page)


def test_the_home_shows_todays_doses_and_one_tap_marks_one_taken(page, alice):
    today = patient_today(alice)
    treatment = TreatmentFactory(patient=alice, title="Angine", start_date=today - datetime.timedelta(days=2))
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)

    log_in(page, "alice@example.org")

    assert page.locator("#treatments-title").inner_text() == "Mes traitements"
    assert page.get_by_role("link", name="Angine").is_visible()
    assert page.locator(".plan-item").count() == 2
    assert "Aucun traitement en cours" not in page.inner_text("main")
    shot(page, "home-todays-doses")
    page.locator(".plan-moment").first.get_by_role("button", name="Pris").click()

    page.wait_for_selector(".plan-item--taken")
    assert page.url.rstrip("/") == page.base_url.rstrip("/")
    assert Intake.objects.get().status == "taken"
    assert page.locator(".plan-item--taken .badge").inner_text() == "prise"
    shot(page, "home-dose-taken")
    assert fits_the_screen(page)


def test_the_chart_tells_taken_skipped_and_not_tracked_apart_and_the_emergency_page_lists_treatments(page, alice):
    from sharing import services as sharing
    from treatments import schedule, services

    today = patient_today(alice)
    start = today - datetime.timedelta(days=4)
    treatment = TreatmentFactory(patient=alice, title="Angine", start_date=start)
    medication = MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", strength="1 g", morning=True)
    # Entered in ReLyfe two days after it began: the first two days are not tracked.
    medication.created_at = schedule.due_instant(start + datetime.timedelta(days=2), datetime.time(0), schedule.UTC)
    medication.save()
    for offset, answer in ((2, "taken"), (3, "skipped")):
        day = start + datetime.timedelta(days=offset)
        slot = schedule.slots_of(medication, day, schedule.moment_times(None), ZoneInfo(alice.time_zone))[0]
        services.intake_answer(
            actor=alice, medication=medication, local_date=day, moment="morning", due_at=slot.due_at, answer=answer
        )
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"enabled": True, "show_current_treatments": True}, visible_sections=[]
    )
    log_in(page, "alice@example.org")

    page.goto(f"{page.base_url}/treatments/{treatment.public_id}/")

    caption = page.inner_text(".adherence figcaption")
    assert "50\u00a0% des doses demandées ont été prises (1 sur 2)" in caption
    assert "1 sautée · 0 sans réponse" in caption
    assert "Suivi depuis le" in caption
    assert page.inner_text(".adherence__legend").split() == ["prises", "sautées", "sans", "réponse", "non", "suivies"]
    shot(page, "treatment-chart-legend")
    assert fits_the_screen(page)
    page.goto(f"{page.base_url}/e/{sharing.emergency_token_of(profile)}/")
    assert "AMOXICILLINE 1 g" in page.inner_text(".emergency__facts")
    shot(page, "emergency-current-treatments")
    page.goto(f"{page.base_url}{reverse('sharing:emergency')}")
    assert page.is_checked("#id_show_current_treatments")
    shot(page, "emergency-edit-current-treatments")
    assert fits_the_screen(page)
