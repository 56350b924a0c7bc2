"""The installed app in Chromium: the manifest and its icons, the service worker, today's doses and the
emergency card without a network, a dose answered offline and sent once, and nothing left after sign-out."""

import json

import pytest
from django.utils import timezone

from audit.models import AccessEvent
from tests.browser.sign_in import log_in
from tests.factories import MedicationFactory, TreatmentFactory
from treatments.models import Intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Functions, not expressions: an expression is evaluated by eval(), which the Content-Security-Policy refuses.
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
WORKER_READY = "async () => { await navigator.serviceWorker.ready; }"
PAGES_KEPT = "async () => (await (await caches.open('relyfe-pages')).keys()).length"
CACHE_NAMES = "async () => await caches.keys()"
WAITING_ANSWERS = """async () => await new Promise((resolve, reject) => {
  const opening = indexedDB.open("relyfe", 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore("answers", { keyPath: "dose" });
  opening.onsuccess = () => {
    const reading = opening.result.transaction("answers").objectStore("answers").count();
    reading.onsuccess = () => { opening.result.close(); resolve(reading.result); };
    reading.onerror = () => reject(reading.error);
  };
})"""


def _kept_for_offline(page, path):
    """Opens the page with a connection, under the service worker's control, so that it keeps it."""
    page.goto(page.base_url + path)
    page.evaluate(WORKER_READY)
    # The first visit may have loaded while the worker was installing: this one goes through it.
    page.reload()
    page.wait_for_function(CONTROLLED)
    page.wait_for_function(f"async () => (await ({PAGES_KEPT})()) > 0")


def test_the_manifest_is_linked_valid_and_its_icons_load(page, alice):
    log_in(page, "alice@example.org")

    href = page.get_attribute("link[rel=manifest]", "href")
    response = page.request.get(page.base_url + href)
    manifest = json.loads(response.body())

    assert response.headers["content-type"] == "application/manifest+json"
    assert manifest["start_url"] == "/treatments/today/" and manifest["display"] == "standalone"
    for icon in manifest["icons"] + manifest["screenshots"]:
        image = page.request.get(page.base_url + icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png", icon["src"]
    touch_icon = page.request.get(page.base_url + page.get_attribute("link[rel=apple-touch-icon]", "href"))
    assert touch_icon.ok
    page.evaluate(WORKER_READY)
    page.reload()
    page.wait_for_function(CONTROLLED)
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == page.base_url + "/service-worker.js"


@pytest.mark.parametrize("email", ["alice@example.org", "bob@example.org"])
def test_chromium_finds_the_app_installable_for_a_patient_and_a_professional(page, alice, bob, email):
    """Chromium's own installability check (the one behind its install button and Lighthouse's audit), asked
    through its debugging protocol: the manifest parses without error and nothing stops the install."""
    log_in(page, email)
    page.evaluate(WORKER_READY)
    page.reload()
    page.wait_for_function(CONTROLLED)
    chromium = page.context.new_cdp_session(page)

    manifest = chromium.send("Page.getAppManifest")
    installability = chromium.send("Page.getInstallabilityErrors")["installabilityErrors"]

    assert manifest["errors"] == [] and manifest["url"].startswith(page.base_url + "/manifest.json")
    # Playwright's contexts are private windows, where Chromium never offers to install; nothing else may stop it.
    assert [error["errorId"] for error in installability if error["errorId"] != "in-incognito"] == []
    # The check finds a fault when there is one: the offline page, which links no manifest.
    page.goto(page.base_url + "/offline/")
    without = chromium.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert "no-manifest" in [error["errorId"] for error in without]


def test_todays_doses_open_offline_and_a_dose_answered_offline_is_sent_once(page, alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    log_in(page, "alice@example.org")
    _kept_for_offline(page, "/treatments/")

    page.context.set_offline(True)
    page.goto(page.base_url + "/treatments/today/")
    banner = page.locator("[data-offline-banner]")
    banner.wait_for()
    page.locator(".plan-moment").first.locator("button[value=taken]").click()
    page.wait_for_selector(".plan-item--pending [data-dose-pending]")

    assert "AMOXICILLINE 1 g" in page.content()
    assert page.get_attribute("html", "data-offline-copy")
    assert not Intake.objects.exists()  # nothing pretends to be saved
    assert page.evaluate(WAITING_ANSWERS) == 1

    page.context.set_offline(False)
    page.wait_for_selector(".plan-item--taken")
    page.reload()  # a second page load, which would send the answer again were it still kept
    page.wait_for_selector(".plan-item--taken")

    intake = Intake.objects.get()
    assert intake.status == "taken" and intake.moment == "morning"
    assert AccessEvent.objects.filter(object_id=intake.public_id).count() == 1
    assert page.evaluate(WAITING_ANSWERS) == 0
    assert not page.is_visible("[data-offline-banner]")


@pytest.mark.answers(404)
def test_an_answer_the_server_refuses_once_back_online_is_not_shown_as_saved(page, alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    medication = MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    log_in(page, "alice@example.org")
    _kept_for_offline(page, "/treatments/")

    page.context.set_offline(True)
    page.goto(page.base_url + "/treatments/today/")
    page.locator(".plan-moment").first.locator("button[value=taken]").click()
    page.wait_for_selector("[data-dose-pending]")
    # Meanwhile the doctor moved the dose to the evening only: there is no morning dose left to answer.
    type(medication).objects.filter(pk=medication.pk).update(morning=False)
    page.context.set_offline(False)
    page.wait_for_function("() => !document.documentElement.hasAttribute('data-offline-copy')")
    page.wait_for_selector(".plan-moment")

    assert not Intake.objects.exists()
    assert page.evaluate(WAITING_ANSWERS) == 0
    assert not page.is_visible("[data-dose-pending]")


def test_the_patients_emergency_card_opens_offline(page, alice):
    log_in(page, "alice@example.org")
    _kept_for_offline(page, "/sharing/emergency/")

    page.context.set_offline(True)
    page.goto(page.base_url + "/sharing/emergency/")

    page.wait_for_selector("[data-offline-banner]")
    assert page.get_attribute("html", "data-offline-copy")
    assert page.locator("main svg").count() > 0  # the Heart-Code


def test_a_page_that_is_not_kept_shows_the_offline_page(page, alice):
    log_in(page, "alice@example.org")
    _kept_for_offline(page, "/treatments/")

    page.context.set_offline(True)
    page.goto(page.base_url + "/records/")

    page.wait_for_selector("body[data-offline-page]")
    assert alice.first_name not in page.content()


def test_signing_out_leaves_no_cache_and_no_waiting_answer(page, alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    MedicationFactory(treatment=treatment, morning=True)
    log_in(page, "alice@example.org")
    _kept_for_offline(page, "/treatments/")
    assert page.evaluate(CACHE_NAMES)

    with page.expect_navigation():
        page.evaluate("() => document.querySelector('form[data-sign-out]').requestSubmit()")
    page.wait_for_selector("h1")

    assert page.evaluate(CACHE_NAMES) == []
    assert "relyfe" not in [database["name"] for database in page.evaluate("async () => await indexedDB.databases()")]
