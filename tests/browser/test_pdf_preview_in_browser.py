"""A PDF on a record, share-link or printed-job page is drawn by Chromium's own PDF viewer in its frame,
although the file is served with `Content-Security-Policy: sandbox`: Chromium refuses its viewer in a frame
its *parent* sandboxes (`<iframe sandbox>`, "This page has been blocked by Chrome"), not in a document whose
own response carries the sandbox (measured with Chromium 156, Playwright's --headless, the same browser as
the windowed one). The control test proves the signal tells the two apart."""

import time

import pytest
from django.core.files.base import ContentFile

from printing.services import DatabaseJobStore, printer_ensure
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import as_stored, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in PDF viewer

# The viewer's page count ("/ 2" in its toolbar; 0 until then) is set once it has parsed the document.
PAGE_COUNT = """viewer => {
    if (!location.href.startsWith(viewer)) return null;
    const find = (root) => {
        const found = root.querySelector('#pagelength');
        if (found) return found;
        for (const element of root.querySelectorAll('*')) {
            const inside = element.shadowRoot && find(element.shadowRoot);
            if (inside) return inside;
        }
        return null;
    };
    const length = find(document);
    return length ? length.textContent.trim() : null;
}"""


def a_two_page_pdf(record):
    return RecordFileFactory(
        record=record,
        original_name="compte-rendu.pdf",
        content_type="application/pdf",
        extension=".pdf",
        file=ContentFile(as_stored(pdf_bytes(pages=2)), name="upload"),
    )


def pages_shown_in(iframe, seconds=45.0) -> str | None:
    """The page count Chromium's PDF viewer shows inside this <iframe>, or None if no viewer drew it. The
    first PDF a fresh browser opens starts the viewer's extension, which took over 15 s on a cold, loaded CI
    machine: the wait returns as soon as the count is drawn, so a long limit costs nothing when it works."""
    document = iframe.content_frame()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # Playwright may still name the viewer's out-of-process frame about:blank: ask the frame itself.
        for frame in document.child_frames:
            try:
                count = frame.evaluate(PAGE_COUNT, PDF_VIEWER)
            except Exception:  # the frame is being replaced while the viewer starts
                count = None
            if count and count != "0":
                return count
        if document.url.startswith("chrome-error://"):
            return None
        time.sleep(0.1)
    return None


def served_with(page, path):
    return page.expect_response(lambda response: response.url.endswith(path))


def test_a_pdf_on_the_record_page_is_drawn_by_chromiums_viewer(page, alice):
    record = HealthRecordFactory(patient=alice, title="Compte rendu opératoire")
    pdf = a_two_page_pdf(record)
    log_in(page, "alice@example.org")

    with served_with(page, f"/files/{pdf.public_id}/view/") as served:
        page.goto(page.base_url + f"/records/{record.public_id}/")

    # Response.headers leaves security headers out: all_headers() has what the browser received.
    assert served.value.all_headers()["content-security-policy"].startswith("sandbox;")
    assert pages_shown_in(page.locator("iframe.file__pdf").element_handle()) == "2"


def test_a_pdf_seen_through_a_share_link_is_drawn_by_chromiums_viewer(page, alice):
    record = HealthRecordFactory(patient=alice, title="Compte rendu opératoire")
    a_two_page_pdf(record)
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[record])

    page.goto(page.base_url + f"/s/{token}/")
    page.fill("input[name=name]", "Dr Durand")
    page.click("main button[type=submit]")
    with served_with(page, "/view/"):
        page.click("text=Compte rendu opératoire")

    assert pages_shown_in(page.locator("iframe.file__pdf").element_handle()) == "2"


def test_control_the_same_pdf_in_a_frame_its_parent_sandboxes_is_blocked_by_chromium(page, alice):
    """What "blocked by Chrome" looks like to the test above: an error page and no viewer."""
    record = HealthRecordFactory(patient=alice, title="Compte rendu opératoire")
    a_two_page_pdf(record)
    log_in(page, "alice@example.org")
    page.goto(page.base_url + f"/records/{record.public_id}/")
    assert pages_shown_in(page.locator("iframe.file__pdf").element_handle()) == "2"

    page.eval_on_selector(
        "iframe.file__pdf",
        """original => {
            const sandboxed = document.createElement('iframe');
            sandboxed.id = 'sandboxed-by-its-parent';
            sandboxed.setAttribute('sandbox', '');
            sandboxed.src = original.src;
            original.after(sandboxed);
        }""",
    )

    sandboxed = page.locator("#sandboxed-by-its-parent").element_handle()
    assert pages_shown_in(sandboxed, seconds=5) is None
    assert sandboxed.content_frame().url.startswith("chrome-error://")


def test_a_printed_pdf_on_the_job_page_is_drawn_by_chromiums_viewer(page, bob):
    printer, _secret = printer_ensure(owner=bob)
    store = DatabaseJobStore(printer)
    number = store.create_job(job_name="Ordonnance", user_name="secretariat", document_format="application/pdf")
    store.add_document(number, data=pdf_bytes(pages=2), document_format="application/pdf", last=True)
    log_in(page, bob.email)

    page.goto(page.base_url + f"/printing/jobs/{printer.jobs.get(number=number).public_id}/")

    assert pages_shown_in(page.locator("iframe.file__pdf").element_handle()) == "2"
