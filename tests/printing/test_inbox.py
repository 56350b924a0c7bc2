import datetime
import re
import time
import zoneinfo

import pytest
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from access.models import Permission, Scope
from demo.records import report_pdf
from health_records.models import HealthRecord
from notifications.models import Notification
from printing import selectors
from printing.proposals import print_job_propose
from printing.services import print_job_set_proposal, printer_authenticate, printer_ensure
from sharing import services as sharing
from tests.factories import GrantFactory, PatientFactory
from treatments.models import PrescriptionReading

pytestmark = pytest.mark.django_db


def inbox_page(client) -> str:
    return client.get(reverse("printing:inbox")).content.decode()


def assign(client, job, **data):
    return client.post(reverse("printing:job_assign", args=[job.public_id]), data)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def heart_code_url(patient) -> str:
    profile = sharing.emergency_profile_ensure(patient=patient)
    sharing.emergency_profile_update(actor=patient, profile=profile, fields={"enabled": True}, visible_sections=[])
    return "http://testserver" + reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])


# --- The inbox --------------------------------------------------------------------------------------


def test_the_inbox_lists_a_printed_document_with_its_name_and_time(client, english, bob, printed_pdf):
    client.force_login(bob)

    page = inbox_page(client)

    printed_at = timezone.localtime(printed_pdf.created_at, zoneinfo.ZoneInfo(bob.time_zone))
    assert "Ordonnance Alice" in page
    assert printed_at.strftime("%H:%M") in page
    assert "printed by secretariat" in page
    assert reverse("printing:job", args=[printed_pdf.public_id]) in page


def test_the_inbox_refreshes_itself_until_the_session_would_have_ended(client, bob, printed_pdf, settings):
    client.force_login(bob)
    htmx = {"HTTP_HX_REQUEST": "true"}

    fresh = client.get(reverse("printing:inbox"), {"opened": int(time.time())}, **htmx).content.decode()
    idle = int(time.time()) - settings.SESSION_COOKIE_AGE - 1
    stale = client.get(reverse("printing:inbox"), {"opened": idle}, **htmx).content.decode()

    assert "<html" not in fresh and "Ordonnance Alice" in fresh
    assert 'hx-trigger="every 10s"' in fresh
    assert 'hx-trigger="every 10s"' not in stale and "Ordonnance Alice" in stale


def test_an_empty_inbox_explains_how_to_set_up_the_printer(client, english, bob):
    client.force_login(bob)

    page = inbox_page(client)

    assert "No printed document is waiting" in page
    assert reverse("printing:printer") in page


def test_the_navigation_count_is_the_number_of_waiting_documents(bob, charlie, alice, print_to):
    print_to(bob)
    print_to(bob)
    print_to(charlie)
    request = RequestFactory().get("/")

    counts = []
    for user in (bob, charlie, alice):
        request.user = user
        count = selectors.print_inbox(request).get("print_inbox_count")  # asked when the menu is drawn
        counts.append(count() if count else None)

    assert counts == [2, 1, None]


# --- Who may see a job --------------------------------------------------------------------------------

JOB_ROUTES = [
    ("get", "printing:job"),
    ("get", "printing:job_document"),
    ("post", "printing:job_assign"),
    ("post", "printing:job_dismiss"),
]


def job_url(name, job):
    if name == "printing:job_document":
        return reverse(name, args=[job.public_id, job.documents.get().public_id])
    return reverse(name, args=[job.public_id])


@pytest.mark.parametrize(("method", "name"), JOB_ROUTES)
@pytest.mark.parametrize("who", ["charlie", "alice"])
def test_nobody_but_the_printers_owner_reaches_a_job(
    client, request, alice, bob_sees_alice, printed_pdf, method, name, who
):
    client.force_login(request.getfixturevalue(who))

    response = getattr(client, method)(job_url(name, printed_pdf), {"patient": str(alice.public_id)})

    assert response.status_code == 404
    printed_pdf.refresh_from_db()
    assert printed_pdf.assigned_at is None and printed_pdf.dismissed_at is None


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "printing:printer"),
        ("post", "printing:printer_rotate"),
        ("get", "printing:inbox"),
        ("get", "printing:patient_search"),
    ],
)
def test_a_patient_has_no_printer_nor_inbox(client, alice, method, name):
    client.force_login(alice)

    assert getattr(client, method)(reverse(name), {"q": "Alice"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, printed_pdf):
    response = client.get(reverse("printing:job", args=[printed_pdf.public_id]))

    assert response.status_code == 302 and "/login/" in response.url


# --- The document -------------------------------------------------------------------------------------


def test_the_document_is_streamed_inline_and_kept_out_of_caches(client, bob, printed_pdf):
    client.force_login(bob)

    response = client.get(job_url("printing:job_document", printed_pdf))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == printed_pdf.documents.get().file.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # The job page shows it in a frame: same origin only.
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_the_job_page_shows_a_pdf_in_a_frame_and_a_jpeg_as_an_image(client, bob, printed_pdf, printed_jpeg):
    client.force_login(bob)

    pdf_page = client.get(reverse("printing:job", args=[printed_pdf.public_id])).content.decode()
    jpeg_page = client.get(reverse("printing:job", args=[printed_jpeg.public_id])).content.decode()

    assert f'<iframe class="file__pdf" src="{job_url("printing:job_document", printed_pdf)}"' in pdf_page
    assert f'<img class="file__image" src="{job_url("printing:job_document", printed_jpeg)}"' in jpeg_page


@pytest.mark.parametrize(
    ("job_name", "title"),
    [
        ("Ordonnance Alice", "Ordonnance Alice"),
        ("Ordonnance Dupont 2026-03-01.pdf", "Ordonnance Dupont 2026-03-01"),
        ("Microsoft Word - Ordonnance.docx", "Ordonnance"),
    ],
)
def test_the_job_page_offers_the_job_name_as_the_title(client, bob, print_to, job_name, title):
    job = print_to(bob, name=job_name)
    client.force_login(bob)

    response = client.get(reverse("printing:job", args=[job.public_id]))

    assert response.context["form"]["title"].value() == title


# --- Assigning ----------------------------------------------------------------------------------------


def test_assigning_files_a_prescription_written_by_the_professional_which_is_read_and_told(
    client, alice, bob, bob_sees_alice, printed_pdf, tasks_queued, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    stored = printed_pdf.documents.get().file.name
    printed_content = default_storage.open(stored).read()

    with django_capture_on_commit_callbacks(execute=True):
        response = assign(client, printed_pdf, patient=str(alice.public_id), title="")

    record = HealthRecord.objects.get(patient=alice)
    assert response.status_code == 302
    assert response.url == reverse("health_records:detail", args=[record.public_id])
    assert (record.kind, record.author, record.title) == ("prescription", bob, "Ordonnance Alice")
    record_file = record.files.get()
    assert record_file.content_type == "application/pdf"
    assert record_file.file.open("rb").read() == printed_content
    printed_pdf.refresh_from_db()
    assert printed_pdf.record == record and printed_pdf.assigned_at is not None
    assert selectors.inbox_jobs(user=bob) == []
    assert Notification.objects.filter(recipient=alice, event="record_added").exists()
    assert PrescriptionReading.objects.filter(record=record).exists()
    assert "treatments.tasks.prescription_read" in tasks_queued
    # The printed copy is gone: the record's file is the only one.
    assert not default_storage.exists(stored) and not printed_pdf.documents.exists()
    assert client.get(response.url).status_code == 200


def test_the_professional_chooses_the_title(client, alice, bob, bob_sees_alice, printed_pdf):
    client.force_login(bob)

    assign(client, printed_pdf, patient=str(alice.public_id), title="Antibiotiques angine")

    assert HealthRecord.objects.get(patient=alice).title == "Antibiotiques angine"


@pytest.mark.parametrize("grant", [None, Permission.READ, Permission.COMMENT])
def test_assigning_to_a_patient_whose_file_the_professional_may_not_add_to_is_refused(
    client, english, alice, bob, printed_pdf, grant
):
    if grant:
        sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=grant)
    client.force_login(bob)

    response = assign(client, printed_pdf, patient=str(alice.public_id))

    assert response.url == reverse("printing:job", args=[printed_pdf.public_id])
    assert messages_of(response) == ["You may not add documents to this patient's file."]
    assert not HealthRecord.objects.exists()
    assert selectors.inbox_jobs(user=bob) == [printed_pdf]


def test_assigning_without_a_patient_asks_for_one(client, english, bob, printed_pdf):
    client.force_login(bob)

    response = assign(client, printed_pdf, title="x")

    assert messages_of(response) == ["Choose the patient this document is for."]
    assert selectors.inbox_jobs(user=bob) == [printed_pdf]


def test_a_document_is_assigned_once(client, english, alice, bob, bob_sees_alice, printed_pdf):
    client.force_login(bob)
    assign(client, printed_pdf, patient=str(alice.public_id))

    again = assign(client, printed_pdf, patient=str(alice.public_id))

    assert again.url == reverse("printing:job", args=[printed_pdf.public_id])
    assert messages_of(again)[-1] == "This document is no longer in your inbox."
    assert HealthRecord.objects.count() == 1


def test_after_assigning_the_history_links_the_record(client, alice, bob, bob_sees_alice, printed_pdf):
    client.force_login(bob)
    assign(client, printed_pdf, patient=str(alice.public_id))
    record = HealthRecord.objects.get()

    page = inbox_page(client)
    job_page = client.get(reverse("printing:job", args=[printed_pdf.public_id])).content.decode()

    assert reverse("health_records:detail", args=[record.public_id]) in page
    assert reverse("health_records:detail", args=[record.public_id]) in job_page
    assert "<form" not in job_page.split('id="job-title"')[1]


# --- By Heart-Code --------------------------------------------------------------------------------------


def test_scanning_the_heart_code_shows_the_patient_then_files_the_document(
    client, english, alice, bob, bob_sees_alice, printed_pdf
):
    client.force_login(bob)
    url = heart_code_url(alice)

    shown = client.get(reverse("printing:patient_search"), {"emergency_token": url}).content.decode()
    response = assign(client, printed_pdf, emergency_token=url)

    assert f"Heart-Code of {alice.full_name}" in shown
    assert 'name="emergency_token"' in shown
    record = HealthRecord.objects.get()
    assert (record.patient, record.author) == (alice, bob)
    assert response.url == reverse("health_records:detail", args=[record.public_id])


def test_the_heart_code_wins_over_a_patient_ticked_before_scanning(client, alice, bob, bob_sees_alice, printed_pdf):
    other = PatientFactory()
    sharing.grant_give(actor=other, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    client.force_login(bob)

    assign(client, printed_pdf, patient=str(other.public_id), emergency_token=heart_code_url(alice))

    assert HealthRecord.objects.get().patient == alice


def test_a_heart_code_of_a_patient_the_professional_may_not_add_to_is_refused(client, english, dave, bob, printed_pdf):
    client.force_login(bob)
    url = heart_code_url(dave)

    shown = client.get(reverse("printing:patient_search"), {"emergency_token": url}).content.decode()
    response = assign(client, printed_pdf, emergency_token=url)

    assert "You may not add documents to this patient's file." in shown
    assert dave.full_name not in shown and 'name="emergency_token"' not in shown
    assert messages_of(response) == ["You may not add documents to this patient's file."]
    assert not HealthRecord.objects.exists()


def test_a_code_that_is_no_heart_code_is_refused(client, english, bob, printed_pdf):
    client.force_login(bob)

    response = assign(client, printed_pdf, emergency_token="https://example.org/e/not-a-token/")

    assert messages_of(response) == ["This code is not a ReLyfe Heart-Code, or its patient turned it off."]
    assert not HealthRecord.objects.exists()


# --- Choosing among the patients ----------------------------------------------------------------------


def test_the_search_finds_only_patients_whose_file_the_professional_may_add_to(
    client, bob, alice, dave, bob_sees_alice
):
    for patient in (alice, dave):
        patient.last_name = "Martin"
        patient.save()
    stranger = PatientFactory(last_name="Martin")
    GrantFactory(patient=dave, professional=bob, permission=Permission.READ)
    client.force_login(bob)

    found = client.get(reverse("printing:patient_search"), {"q": "mart"}).content.decode()
    by_email = client.get(reverse("printing:patient_search"), {"q": "alice@example"}).content.decode()

    assert str(alice.public_id) in found
    assert str(dave.public_id) not in found and str(stranger.public_id) not in found
    assert str(alice.public_id) in by_email


def test_patients_filed_for_lately_are_offered_first(client, alice, bob, bob_sees_alice, print_to):
    first, second = print_to(bob, name="Premier"), print_to(bob, name="Second")
    client.force_login(bob)
    assign(client, first, patient=str(alice.public_id))

    response = client.get(reverse("printing:job", args=[second.public_id]))

    assert response.context["recent_patients"] == [alice]
    assert f'value="{alice.public_id}"' in response.content.decode()


def test_the_proposed_patient_is_shown_with_the_evidence_and_preselected(
    client, english, alice, bob, bob_sees_alice, printed_pdf
):
    line = f"Mme {alice.last_name.upper()} Alice née le 12/03/1984"
    evidence = {"page": 1, "lines": [line]}
    print_job_set_proposal(job=printed_pdf, patient=alice, reason="name_and_birth_date", evidence=evidence)
    client.force_login(bob)

    inbox = inbox_page(client)
    job_page = client.get(reverse("printing:job", args=[printed_pdf.public_id])).content.decode()

    assert f"Assign to {alice.full_name}" in inbox
    shown = f"Name and birth date found on page 1: “{line}”"
    assert shown in inbox and shown in job_page
    assert f'value="{alice.public_id}" checked' in job_page


def test_the_evidence_reads_in_french(client, alice, bob, bob_sees_alice, printed_pdf):
    evidence = {"page": 2, "lines": [f"ReLyfe : {alice.public_id}"]}
    print_job_set_proposal(job=printed_pdf, patient=alice, reason="relyfe_id", evidence=evidence)
    client.force_login(bob)

    quoted = f"Identifiant ReLyfe trouvé page 2\u00a0: «\u00a0ReLyfe : {alice.public_id}\u00a0»"
    assert quoted in inbox_page(client)


def test_a_proposal_made_from_the_job_name_alone_is_not_shown(client, alice, bob, bob_sees_alice, printed_pdf):
    """Proposals an older version stored from the job name alone carry no evidence from the document."""
    print_job_set_proposal(job=printed_pdf, patient=alice, reason="job_name")
    client.force_login(bob)

    response = client.get(reverse("printing:job", args=[printed_pdf.public_id]))

    assert f"Assign to {alice.full_name}" not in inbox_page(client)
    assert response.context["job"].proposal is None and response.context["form"]["patient"].value() is None


def test_the_document_wins_over_the_job_name_in_the_inbox(client, english, alice, dave, bob, print_to):
    """Printed from a document still named after alice, the prescription is dave's: dave is proposed with
    the line that names him, and alice only if the professional looks for her."""
    for patient in (alice, dave):
        sharing.grant_give(actor=patient, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    dave.patient_profile.birth_date = datetime.date(1990, 7, 1)
    dave.patient_profile.save()
    line = f"M. {dave.last_name.upper()} Dave, né le 01/07/1990"
    job = print_to(bob, name=f"Ordonnance {alice.full_name}", data=report_pdf("Ordonnance", [line, "DOLIPRANE 1 g"]))
    print_job_propose(job=job)
    client.force_login(bob)

    inbox = inbox_page(client)
    job_page = client.get(reverse("printing:job", args=[job.public_id]))

    assert f"Assign to {dave.full_name}" in inbox
    assert f"Name and birth date found on page 1: “{line}”" in inbox
    assert alice.full_name not in inbox.replace(f"Ordonnance {alice.full_name}", "")
    assert job_page.context["search_hint"] == ""
    assert str(job_page.context["form"]["patient"].value()) == str(dave.public_id)


def test_a_job_name_alone_only_fills_in_the_patient_search(client, english, alice, bob, bob_sees_alice, print_to):
    job = print_to(bob, name=f"Ordonnance {alice.full_name}.pdf")
    print_job_propose(job=job)
    client.force_login(bob)

    response = client.get(reverse("printing:job", args=[job.public_id]))

    page = response.content.decode()
    assert response.context["job"].proposal is None and response.context["form"]["patient"].value() is None
    assert f'value="{alice.full_name}"' in page and 'hx-trigger="load, ' in page
    assert "not from its content: check the document before you choose" in page
    assert f'value="{alice.public_id}" checked' not in page


def test_a_document_naming_someone_out_of_reach_proposes_and_reveals_no_one(client, english, dave, bob, print_to):
    dave.patient_profile.birth_date = datetime.date(1990, 7, 1)
    dave.patient_profile.save()
    text = [f"M. {dave.last_name.upper()} Dave, né le 01/07/1990", f"ReLyfe : {dave.public_id}"]
    job = print_to(bob, name=f"Ordonnance {dave.full_name}", data=report_pdf("Ordonnance", text))
    print_job_propose(job=job)
    client.force_login(bob)

    response = client.get(reverse("printing:job", args=[job.public_id]))

    page = response.content.decode()
    assert response.context["search_hint"] == "" and response.context["form"]["patient"].value() is None
    assert str(dave.public_id) not in page and "Proposed by ReLyfe" not in page
    assert "Assign to" not in inbox_page(client)


def test_the_one_click_assignment_files_it_for_the_proposed_patient(client, alice, bob, bob_sees_alice, printed_pdf):
    print_job_set_proposal(job=printed_pdf, patient=alice, reason="relyfe_id")
    client.force_login(bob)
    button = inbox_page(client).split(f'action="{reverse("printing:job_assign", args=[printed_pdf.public_id])}"')[1]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', button.split("</form>")[0]))

    response = assign(client, printed_pdf, **fields)

    record = HealthRecord.objects.get(patient=alice)
    assert fields["patient"] == str(alice.public_id)
    assert response.url == reverse("health_records:detail", args=[record.public_id])
    assert record.title == "Ordonnance Alice"


def test_no_proposal_is_shown_for_a_patient_the_professional_lost_access_to(
    client, alice, bob, bob_sees_alice, printed_pdf
):
    print_job_set_proposal(job=printed_pdf, patient=alice, reason="relyfe_id")
    sharing.grant_revoke(actor=alice, grant=bob_sees_alice)
    client.force_login(bob)

    inbox = inbox_page(client)
    response = client.get(reverse("printing:job", args=[printed_pdf.public_id]))

    assert alice.full_name not in inbox
    assert alice.full_name not in response.content.decode()
    assert response.context["form"]["patient"].value() is None


# --- Dismissing ---------------------------------------------------------------------------------------


def test_dismissing_takes_the_document_out_of_the_inbox_and_deletes_it(
    client, english, bob, printed_pdf, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    stored = printed_pdf.documents.get().file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("printing:job_dismiss", args=[printed_pdf.public_id]))

    assert response.url == reverse("printing:inbox")
    assert selectors.inbox_jobs(user=bob) == []
    assert not default_storage.exists(stored) and not printed_pdf.documents.exists()
    assert "dismissed on" in inbox_page(client)


def test_an_assigned_document_cannot_be_dismissed(client, english, alice, bob, bob_sees_alice, printed_pdf):
    client.force_login(bob)
    assign(client, printed_pdf, patient=str(alice.public_id))

    response = client.post(reverse("printing:job_dismiss", args=[printed_pdf.public_id]))

    assert messages_of(response)[-1] == "This document is no longer in your inbox."
    printed_pdf.refresh_from_db()
    assert printed_pdf.dismissed_at is None


# --- The printer ----------------------------------------------------------------------------------------


def test_the_printer_page_makes_the_printer_and_shows_its_address_and_secret_once(client, english, bob):
    client.force_login(bob)

    first = client.get(reverse("printing:printer"))
    second = client.get(reverse("printing:printer"))

    printer = bob.printers.get()
    secret = first.context["secret"]
    assert printer_authenticate(slug=printer.slug, secret=secret) == printer
    page = first.content.decode()
    # Not DEBUG: the printer is reached over TLS, on the web port (IPP's own port is 631).
    assert f"ipps://testserver:443/ipp/print/{printer.slug}" in page
    assert f"https://testserver/ipp/print/{printer.slug}" in page
    assert secret in page and bob.email in page
    assert second.context["secret"] is None and secret not in second.content.decode()


def test_in_development_the_printer_is_plain_ipp_on_the_servers_port(client, bob, settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    client.force_login(bob)

    page = client.get(reverse("printing:printer"), HTTP_HOST="127.0.0.1:8000").content.decode()

    slug = bob.printers.get().slug
    assert f"ipp://127.0.0.1:8000/ipp/print/{slug}" in page
    assert "lpadmin -p ReLyfe -E -v 'ipp://bob%40example.org:" in page


def test_a_new_secret_is_shown_once_and_the_old_one_stops_working(client, english, bob):
    printer, old_secret = printer_ensure(owner=bob)
    client.force_login(bob)

    response = client.post(reverse("printing:printer_rotate"))

    new_secret = response.context["secret"]
    assert new_secret != old_secret and new_secret in response.content.decode()
    assert "Computers set up with the old secret no longer print to ReLyfe" in response.content.decode()
    assert printer_authenticate(slug=printer.slug, secret=old_secret) is None
    assert printer_authenticate(slug=printer.slug, secret=new_secret) == printer
    assert new_secret not in client.get(reverse("printing:printer")).content.decode()


# --- The administration ------------------------------------------------------------------------------


def test_the_administration_shows_jobs_without_their_names_and_printers_without_their_secret(
    client, staff, bob, printed_pdf
):
    client.force_login(staff)
    printer = printed_pdf.printer

    jobs = client.get(reverse("admin:printing_printjob_changelist")).content.decode()
    job = client.get(reverse("admin:printing_printjob_change", args=[printed_pdf.pk])).content.decode()
    printers = client.get(reverse("admin:printing_printer_change", args=[printer.pk])).content.decode()

    assert printer.slug in jobs
    assert "Ordonnance Alice" not in jobs and "Ordonnance Alice" not in job
    assert printer.secret_hash not in printers
    assert client.get(reverse("admin:printing_printjob_add")).status_code == 403
