"""A patient's last viewed records on their phone, in Chromium: only when they switched it on on this device,
at most the last ten, listed on the offline page, encrypted at rest, deleted when switched off and at sign-out;
never a professional's view of someone else's file."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.sign_in import log_in
from tests.factories import GrantFactory, HealthRecordFactory, MedicationFactory, RecordFileFactory, TreatmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Functions, not expressions: an expression is evaluated by eval(), which the Content-Security-Policy refuses.
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
WORKER_READY = "async () => { await navigator.serviceWorker.ready; }"
CACHE_NAMES = "async () => await caches.keys()"
DATABASES = "async () => (await indexedDB.databases()).map((database) => database.name)"
# The worker answers its questions in the order they come, after the records it was keeping meanwhile.
ASK_WORKER = """async (question) => {
  const registration = await navigator.serviceWorker.ready;
  return await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    registration.active.postMessage(question, [channel.port2]);
  });
}"""
KEPT_RECORDS = """async () => {
  if (!(await caches.has("relyfe-records"))) { return []; }
  const requests = await (await caches.open("relyfe-records")).keys();
  return requests.map((request) => new URL(request.url).pathname);
}"""
# Every entry of a cache as stored: its bytes read one by one as characters, and its IV.
STORED = """async (name) => {
  const cache = await caches.open(name);
  const entries = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const bytes = new Uint8Array(await response.arrayBuffer());
    let text = "";
    for (const byte of bytes) { text += String.fromCharCode(byte); }
    entries.push({ url: request.url, iv: response.headers.get("ReLyfe-IV"), text: text });
  }
  return entries;
}"""


def _record_path(record):
    return reverse("health_records:detail", args=[record.public_id])


def _under_the_worker(page, path):
    page.goto(page.base_url + path)
    page.evaluate(WORKER_READY)
    page.reload()
    page.wait_for_function(CONTROLLED)


def _switch_keep_records(page, *, on):
    _under_the_worker(page, reverse("accounts:profile"))
    switch = page.locator("[data-keep-records-switch]")
    switch.wait_for()  # shown once the worker answered
    assert switch.is_checked() != on
    switch.set_checked(on)
    page.wait_for_function("() => document.querySelector('[data-keep-records-status]').textContent !== ''")
    assert switch.is_checked() == on


def _viewed(page, record):
    page.goto(page.base_url + _record_path(record))
    page.wait_for_selector("h1")
    return page.evaluate(ASK_WORKER, {"type": "records-state"})["answer"]["count"]


def test_a_viewed_record_is_not_kept_unless_the_patient_switched_it_on(page, alice):
    record = HealthRecordFactory(patient=alice, title="IRM du genou gauche")
    log_in(page, "alice@example.org")
    _under_the_worker(page, reverse("accounts:profile"))
    assert not page.locator("[data-keep-records-switch]").is_checked()  # off by default

    assert _viewed(page, record) == 0
    page.context.set_offline(True)
    page.goto(page.base_url + _record_path(record))

    page.wait_for_selector("body[data-offline-page]")
    assert "IRM du genou gauche" not in page.content()
    assert not page.is_visible("[data-kept-records]")
    assert page.evaluate(KEPT_RECORDS) == []
    assert "relyfe-offline" not in page.evaluate(DATABASES)  # asking the worker made nothing on the device


def test_the_last_viewed_records_open_offline_and_are_listed_on_the_offline_page(page, alice):
    knee = HealthRecordFactory(patient=alice, title="IRM du genou gauche", description="Pas de lésion méniscale.")
    blood = HealthRecordFactory(patient=alice, title="Bilan sanguin de mars")
    log_in(page, "alice@example.org")
    _switch_keep_records(page, on=True)
    _viewed(page, knee)
    assert _viewed(page, blood) == 2

    page.context.set_offline(True)
    page.goto(page.base_url + _record_path(knee))

    assert page.text_content("h1") == "IRM du genou gauche"
    assert "Pas de lésion méniscale." in page.text_content(".record__description")
    assert page.get_attribute("html", "data-offline-copy")
    page.wait_for_selector("[data-offline-banner]:not([hidden])")
    assert re.search(r"\d\d:\d\d", page.text_content("[data-offline-banner]"))  # the time the copy was saved

    # A page that is not kept shows the offline page, which lists the records that are.
    page.goto(page.base_url + reverse("health_records:timeline", args=[alice.public_id]))
    page.wait_for_selector("body[data-offline-page]")
    page.wait_for_selector("[data-kept-records]:not([hidden])")
    links = page.locator("[data-kept-records-list] a")
    assert links.count() == 2
    assert "Bilan sanguin de mars" in links.nth(0).text_content()  # the last viewed first
    assert "IRM du genou gauche" in links.nth(1).text_content()
    with page.expect_navigation():
        links.nth(0).click()
    assert page.text_content("h1") == "Bilan sanguin de mars"


def test_a_kept_record_holds_no_file_and_says_so_offline(page, alice):
    record = HealthRecordFactory(patient=alice, title="Photo de la cicatrice")
    RecordFileFactory(record=record, original_name="cicatrice.jpg")
    log_in(page, "alice@example.org")
    _switch_keep_records(page, on=True)
    assert _viewed(page, record) == 1
    assert page.locator("img.file__image").count() == 1

    page.context.set_offline(True)
    page.goto(page.base_url + _record_path(record))

    assert page.text_content("h1") == "Photo de la cicatrice"
    assert "cicatrice.jpg" in page.text_content(".file__name")  # the file's name, as shown
    page.wait_for_selector(".file__not-kept")
    assert page.locator("img.file__image").count() == 0  # no broken image, and no request for it


def test_kept_pages_are_encrypted_on_the_device(page, alice):
    record = HealthRecordFactory(patient=alice, title="IRM du genou gauche", description="Pas de lésion méniscale.")
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True)
    log_in(page, "alice@example.org")
    _switch_keep_records(page, on=True)
    _under_the_worker(page, reverse("treatments:patient", args=[alice.public_id]))
    page.wait_for_function("async () => (await caches.has('relyfe-pages'))")
    page.wait_for_function("async () => (await (await caches.open('relyfe-pages')).keys()).length === 2")
    _viewed(page, record)

    entries = page.evaluate(STORED, "relyfe-records") + page.evaluate(STORED, "relyfe-pages")

    assert len(entries) == 3
    for entry in entries:
        assert len(entry["iv"]) == 16  # 96 bits, in base64
        for plain in ("<html", "IRM du genou", "AMOXICILLINE", "Alice"):
            assert plain not in entry["text"], entry["url"]
    assert len({entry["iv"] for entry in entries}) == 2  # one per page saved: the doses are kept under two addresses


def test_the_eleventh_record_drops_the_first_and_switching_off_deletes_them_all(page, alice):
    records = [HealthRecordFactory(patient=alice, title=f"Examen {number}") for number in range(11)]
    log_in(page, "alice@example.org")
    _switch_keep_records(page, on=True)

    counts = [_viewed(page, record) for record in records]

    assert counts == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    assert sorted(page.evaluate(KEPT_RECORDS)) == sorted(_record_path(record) for record in records[1:])

    _switch_keep_records(page, on=False)

    assert page.evaluate(KEPT_RECORDS) == []
    page.context.set_offline(True)
    page.goto(page.base_url + _record_path(records[10]))
    page.wait_for_selector("body[data-offline-page]")
    assert not page.is_visible("[data-kept-records]")
    assert "Examen 10" not in page.content()


def test_signing_out_deletes_the_kept_records_and_their_key(page, alice):
    record = HealthRecordFactory(patient=alice, title="IRM du genou gauche")
    log_in(page, "alice@example.org")
    _switch_keep_records(page, on=True)
    assert _viewed(page, record) == 1
    assert "relyfe-offline" in page.evaluate(DATABASES)

    with page.expect_navigation():
        page.evaluate("() => document.querySelector('form[data-sign-out]').requestSubmit()")
    page.wait_for_selector("h1")

    assert page.evaluate(CACHE_NAMES) == []
    assert "relyfe-offline" not in page.evaluate(DATABASES)  # the key with it: no copy left could be read


def test_a_professional_viewing_a_patients_record_never_keeps_it(page, alice, bob):
    GrantFactory(patient=alice, professional=bob)
    record = HealthRecordFactory(patient=alice, title="IRM du genou gauche")
    log_in(page, "bob@example.org")
    _under_the_worker(page, reverse("health_records:timeline", args=[alice.public_id]))
    # Even on a device where someone switched keeping on.
    assert page.evaluate(ASK_WORKER, {"type": "keep-records", "on": True})["answer"]["on"] is True

    assert _viewed(page, record) == 0
    assert page.locator("[data-keep-records]").count() == 0
    assert page.evaluate(KEPT_RECORDS) == []
