"""Every main page, for each role, on a phone (390 x 844) in French: it answers 200, nothing is wider than
the screen (no sideways scroll; no table, picture, drawing, code block or form past its right edge), its
buttons are high enough for a thumb, and the console shows no error (a Content-Security-Policy violation
shows there); on a desktop (1280 x 800) the menu stays on one line. Each test visits all the pages of one
role and lists every fault it met, so that one run shows them all. Screenshots of each page go to
$SHOTS_DIR/sweep (/tmp/shots/sweep by default), named <role>-<page>.png, to be looked at."""

import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from access.models import Grant
from accounts.models import Passkey
from accounts.services import professionals_verify
from demo.printing import create_bob_printer
from demo.records import create_alice_history, report_pdf
from demo.sharing import create_alice_sharing
from demo.treatments import create_alice_treatment
from health_records.models import HealthRecord, RecordFile
from health_records.tasks import make_record_file_thumbnail
from notifications.models import Event
from notifications.services import notify_translated
from printing.services import print_job_receive
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import ProfessionalFactory, StaffFactory, api_token_for
from treatments.models import Medication, PrescriptionReading, Treatment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(tempfile.gettempdir()) / "shots")) / "sweep"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PROPOSAL = {
    "prescriber": {"name": "Dr Bob Bernard"},
    "medications": [
        {"name": "DOLIPRANE 1000 mg", "dose": 1, "unit": "comprimé", "periods": ["morning"], "duration_days": 5},
        {"name": "AMOXICILLINE 1 g", "dose": 1, "unit": "comprimé", "periods": ["evening"], "duration_days": 7},
    ],
}

# What sticks out of a screen `width` wide, as "selector: left-right px"; hidden elements (no box) are left
# alone. The width is given: a phone's browser zooms out on a page too wide, and its window.innerWidth grows.
OVERFLOWS = """width => {
  const name = element => {
    let text = element.tagName.toLowerCase();
    if (element.id) return text + "#" + element.id;
    const classes = [...element.classList].slice(0, 2);
    if (classes.length) text += "." + classes.join(".");
    return text;
  };
  const path = element => [element.parentElement, element].filter(e => e && e !== document.body).map(name).join(" > ");
  const faults = [];
  if (document.documentElement.scrollWidth > width) {
    faults.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
  }
  for (const element of document.querySelectorAll("table, pre, img, svg, form")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      faults.push(`${path(element)}: ${Math.round(box.left)}-${Math.round(box.right)} px`);
    }
  }
  return faults;
}"""
# Buttons under a thumb (a form's, and every .button) are at least 40 px high.
SMALL_BUTTONS = """() => [...document.querySelectorAll("main .button, main button")]
  .map(button => [button, button.getBoundingClientRect()])
  .filter(([, box]) => box.height > 0 && box.height < 39.5)
  .map(([button, box]) => `${button.textContent.trim().slice(0, 30)} (${Math.round(box.height)} px)`)"""


class Sweep:
    """Visits pages and keeps every fault found, each with the page it was on."""

    def __init__(self, page, role):
        self.page = page
        self.role = role
        self.faults = []
        self.current = "?"
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.faults.append(f"{self.current}: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.faults.append(f"{self.current}: console error {message.text}")

    def visit(self, name, path):
        self.current = f"{self.role}-{name} ({path})"
        try:
            response = self.page.goto(self.page.base_url + path)
        except PlaywrightError as error:  # an error answer without a body does not load at all
            self.faults.append(f"{self.current}: {error.message.splitlines()[0]}")
            return
        self.check(name, response.status if response else None)

    def check(self, name, status=200):
        """Checks the page on screen (after a visit, or after a form sent from it)."""
        self.current = f"{self.role}-{name} ({self.page.url.removeprefix(self.page.base_url)})"
        if status != 200:
            self.faults.append(f"{self.current}: HTTP {status}")
        self.page.wait_for_load_state("networkidle")
        overflows = self.page.evaluate(OVERFLOWS, self.page.viewport_size["width"])
        self.faults += [f"{self.current}: {fault}" for fault in overflows]
        if self.page.viewport_size == PHONE:
            small = self.page.evaluate(SMALL_BUTTONS)
            self.faults += [f"{self.current}: a button too small for a thumb: {button}" for button in small]
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.role}-{name}.png"), full_page=True)

    def menu_stays_on_one_line(self):
        self.page.set_viewport_size(DESKTOP)
        self.visit("desktop-home", "/")
        # One line: the menu is no taller than its tallest item (badges make items a few pixels taller).
        menu, tallest = self.page.eval_on_selector(
            "#site-nav > ul",
            "menu => [menu.getBoundingClientRect().height, Math.max(...[...menu.children].map(i => i.offsetHeight))]",
        )
        if menu > tallest + 1:
            self.faults.append(f"{self.current}: the menu wraps at {DESKTOP['width']} px ({menu} px high)")
        self.page.set_viewport_size(PHONE)

    def assert_no_fault(self):
        assert self.faults == [], "\n".join(["", *self.faults])


def in_french(page):
    """Visitors get the browser's language (English here); the pages are looked at in French."""
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.base_url}])


@pytest.fixture
def cast(settings, live_server, page, alice, bob):
    """The demo's world, for alice (patient) and bob (her doctor), built through the services."""
    settings.SITE_URL = live_server.url
    in_french(page)
    today = timezone.localdate()
    emma = ProfessionalFactory(email="emma@example.org", first_name="Emma", last_name="Petit-Delacroix")
    professionals_verify(actor=StaffFactory(), profiles=[bob.professional_profile])
    create_alice_history(alice=alice, today=today)
    create_alice_sharing(alice=alice, bob=bob, emma=emma)
    create_alice_treatment(alice=alice, bob=bob, today=today)
    create_bob_printer(bob=bob)
    records = alice.health_records.active()
    newest_photo = records.filter(kind="photo").order_by("-clinical_date").first()
    # The worker has made the thumbnails, except for the photo added last: its thumbnail is on its way.
    for record_file in RecordFile.objects.filter(record__patient=alice).exclude(record=newest_photo):
        make_record_file_thumbnail(record_file.pk)
    _link, link_token, _passcode = sharing.share_link_create(
        actor=alice, records=records.filter(kind__in=["photo", "lab_result"]), label="Dr Jean-Baptiste Fontaine"
    )
    emergency = sharing.emergency_profile_ensure(patient=alice)
    access_request = sharing.access_request_create(
        profile=emergency,
        requester=None,
        fields={
            "name": "Nora Martin",
            "role": "other",
            "reason": "Je suis sa fille, elle est hospitalisée aux urgences de Lyon depuis ce matin.",
            "contact_email": "nora@example.org",
        },
    )
    # Her phone's app is signed in: the page of her sessions lists it (a User-Agent as long as real ones).
    api_token_for(alice, device="ReLyfe/2.3.1 (Android 15; Pixel 9 Pro XL; Build/AP4A.250105.002) okhttp/4.12.0")
    notify_translated(recipient=alice, event=Event.RECORD_ADDED, text="%(name)s", params={"name": bob.full_name})
    prescription = records.get(kind="prescription")
    reading = PrescriptionReading.objects.filter(record=prescription).first()
    PrescriptionReading.objects.filter(pk=reading.pk).update(
        status="ready", result={**PROPOSAL, "date": f"{today:%Y-%m-%d}"}
    )
    job = print_job_receive(
        actor=bob,
        name="Microsoft Word - Compte_rendu_consultation_cardiologie_Alice_Martin_2026.docx",
        data=report_pdf("Compte rendu", ["Mme Alice Martin", "Palpitations épisodiques."]),
    )
    return {
        "alice": alice,
        "bob": bob,
        "photo": newest_photo,
        "commented": records.get(title__startswith="Cicatrice genou gauche — J+60"),
        "treatment": Treatment.objects.get(patient=alice, title="Angine"),
        "medication": Medication.objects.filter(treatment__patient=alice).first(),
        "grant": Grant.objects.active().get(patient=alice, professional=bob),
        "reading": reading,
        "access_request": access_request,
        "link_token": link_token,
        "emergency_token": sharing.emergency_token_of(emergency),
        "job": job,
    }


def test_every_page_of_a_patient_fits_a_phone(page, cast):
    alice, photo, treatment = cast["alice"], cast["photo"], cast["treatment"]
    log_in(page, alice.email)
    # Added once signed in: with a second factor, the password alone would stop at the second step.
    passkey = Passkey.objects.create(
        user=alice, name="Téléphone d’Alice", credential_id=b"alice", public_key=b"key", aaguid="0" * 36
    )
    sweep = Sweep(page, "patient")
    pages = {
        "home": "/",
        "timeline": reverse("health_records:mine"),
        "record": reverse("health_records:detail", args=[cast["commented"].public_id]),
        "new-record": reverse("health_records:create", args=[alice.public_id]),
        "gallery": reverse("health_records:gallery", args=[alice.public_id]),
        "compare": reverse("health_records:compare", args=[photo.public_id]),
        "treatments": reverse("treatments:mine"),
        "today": reverse("treatments:today"),
        "treatment": reverse("treatments:detail", args=[treatment.public_id]),
        "reminder-settings": reverse("treatments:settings"),
        "reading-review": reverse("treatments:reading_review", args=[cast["reading"].public_id]),
        "care-team": reverse("sharing:care_team"),
        "grant-form": reverse("sharing:grant_new"),
        "requests": reverse("sharing:requests"),
        "request": reverse("sharing:request", args=[cast["access_request"].public_id]),
        "emergency": reverse("sharing:emergency"),
        "access-log": reverse("audit:access_log"),
        "notifications": reverse("notifications:list"),
        "preferences": reverse("notifications:preferences"),
        "profile": reverse("accounts:profile"),
        "sessions": reverse("accounts:sessions"),
        "directory": reverse("accounts:directory"),
        "faces": reverse("faces:mine"),
        "grant-edit": reverse("sharing:grant_edit", args=[cast["grant"].public_id]),
        "grant-revoke": reverse("sharing:grant_revoke", args=[cast["grant"].public_id]),
        "record-edit": reverse("health_records:edit", args=[cast["commented"].public_id]),
        "medication-edit": reverse("treatments:medication_edit", args=[cast["medication"].public_id]),
        "password-change": reverse("accounts:password_change"),
        "security": reverse("accounts:security"),
        "export": reverse("portability:export"),
        "import": reverse("portability:import_upload"),
        "delete-account": reverse("erasure:delete"),
        "passkeys": reverse("accounts:passkeys"),
        "passkey-remove": reverse("accounts:passkey_remove", args=[passkey.public_id]),
        # Last: the test goes on to make a link on this page.
        "links": reverse("sharing:links"),
    }
    for name, path in pages.items():
        sweep.visit(name, path)
    page.check("input[name=records] >> nth=0")
    page.click("main form button.button--primary")
    page.wait_for_selector("[data-copy-link]")
    sweep.check("link-created")
    sweep.menu_stays_on_one_line()
    sweep.assert_no_fault()
    # The photo's help says once how to take it (its label said it too).
    page.goto(page.base_url + reverse("faces:mine"))
    assert page.inner_text(".face-photo .help >> nth=0").count("bien éclairé") == 1


def test_every_page_of_a_professional_fits_a_phone(page, cast):
    alice, bob = cast["alice"], cast["bob"]
    log_in(page, bob.email)
    sweep = Sweep(page, "professional")
    pages = {
        "home": "/",
        "my-patients": reverse("sharing:my_patients"),
        "timeline": reverse("health_records:timeline", args=[alice.public_id]),
        "record": reverse("health_records:detail", args=[cast["commented"].public_id]),
        "gallery": reverse("health_records:gallery", args=[alice.public_id]),
        "treatments": reverse("treatments:patient", args=[alice.public_id]),
        "treatment": reverse("treatments:detail", args=[cast["treatment"].public_id]),
        "new-record": reverse("health_records:create", args=[alice.public_id]),
        "new-treatment": reverse("treatments:create", args=[alice.public_id]),
        "propose": reverse("sharing:propose", args=[alice.public_id]),
        "enrol-face": reverse("faces:enrol_patient", args=[alice.public_id]),
        "quick-account": reverse("faces:quick_account"),
        "inbox": reverse("printing:inbox"),
        "job": reverse("printing:job", args=[cast["job"].public_id]),
        "printer": reverse("printing:printer"),
        "identify": reverse("faces:identify"),
        "scan": reverse("sharing:scan"),
        "directory": reverse("accounts:directory"),
        "notifications": reverse("notifications:list"),
        "profile": reverse("accounts:profile"),
    }
    for name, path in pages.items():
        sweep.visit(name, path)
    sweep.menu_stays_on_one_line()
    sweep.assert_no_fault()
    # The patient seen a moment ago was seen "il y a 9 secondes", not "0 minute" (a duration, not a when).
    page.goto(page.base_url + "/")
    assert " il y a " in page.inner_text("[aria-labelledby=recent-title]")
    assert "0 minute" not in page.inner_text("main")


def test_every_public_page_fits_a_phone(page, cast):
    sweep = Sweep(page, "visitor")
    emergency = cast["emergency_token"]
    pages = {
        "home": "/",
        "login": reverse("accounts:login"),
        "sign-up": reverse("accounts:sign_up"),
        "sign-up-patient": reverse("accounts:sign_up_patient"),
        "sign-up-professional": reverse("accounts:sign_up_professional"),
        "password-reset": reverse("accounts:password_reset"),
        "password-reset-code": reverse("accounts:password_reset_phone"),
        "emergency-page": reverse("sharing:emergency_page", args=[emergency]),
        "emergency-request": reverse("sharing:emergency_request", args=[emergency]),
        "request-status": sharing.access_request_status_path(cast["access_request"]),
    }
    for name, path in pages.items():
        sweep.visit(name, path)

    sweep.visit("link-start", reverse("sharing:link_open", args=[cast["link_token"]]))
    page.fill("input[name=name]", "Dr Jean-Baptiste Fontaine")
    page.click("main button[type=submit]")
    page.wait_for_selector("main a[href^='/s/records/']")
    sweep.check("link-records")
    photo = HealthRecord.objects.get(pk=cast["photo"].pk)
    sweep.visit("link-record", reverse("sharing:link_record", args=[photo.public_id]))
    sweep.menu_stays_on_one_line()
    sweep.assert_no_fault()


def test_the_sweep_sees_a_table_wider_than_the_phone(page, cast):
    """The check itself: a page made too wide on purpose is reported, with the table that sticks out."""
    sweep = Sweep(page, "visitor")
    sweep.visit("login", reverse("accounts:login"))
    wide_table = "table => { table.className = 'wide'; table.style.width = '600px'; table.insertRow().insertCell(); }"
    page.eval_on_selector("main", f"main => ({wide_table})(main.appendChild(document.createElement('table')))")
    faults = page.evaluate(OVERFLOWS, PHONE["width"])
    assert any("table.wide" in fault for fault in faults), faults
    assert any("scrolls sideways" in fault for fault in faults), faults
