"""Every view that serves a stored file sends it sandboxed: were an upload HTML or a scripted PDF in
disguise, the browser runs nothing of it and it reaches nothing of the site."""

import pytest
from django.urls import reverse

from health_records.models import RecordFile
from printing.services import DatabaseJobStore, printer_ensure
from sharing import services as sharing
from tests.documents.hostile import HTML, one_page_pdf
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


def assert_sandboxed(response, *, inline: bool):
    assert response.status_code == 200
    policy = [directive.strip() for directive in response["Content-Security-Policy"].split(";")]
    assert policy[0] == "sandbox"
    assert "default-src 'none'" in policy
    assert ("frame-ancestors 'self'" if inline else "frame-ancestors 'none'") in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")


@pytest.fixture
def record_file(alice) -> RecordFile:
    return RecordFileFactory(record=HealthRecordFactory(patient=alice), original_name='bilan"; x=".pdf')


@pytest.mark.parametrize(("view", "inline"), [("file_inline", True), ("file_download", False)])
def test_a_record_file_is_served_sandboxed(client, alice, record_file, view, inline):
    client.force_login(alice)

    response = client.get(reverse(f"health_records:{view}", args=[record_file.public_id]))

    assert_sandboxed(response, inline=inline)
    # The uploader's name cannot break out of the header's quoted string: its quotes are escaped.
    assert response["Content-Disposition"].endswith('; filename="bilan\\"; x=\\".pdf"')


def test_a_record_file_from_the_api_is_served_sandboxed(client, alice, record_file):
    client.force_login(alice)

    response = client.get(reverse("api:file-download", args=[record_file.public_id]))

    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("view", "inline"), [("sharing:link_file_view", True), ("sharing:link_file_download", False)])
def test_a_file_seen_through_a_share_link_is_served_sandboxed(client, alice, record_file, view, inline):
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[record_file.record])
    client.get(reverse("sharing:link_open", args=[token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "radiologue"})

    response = client.get(reverse(view, args=[record_file.public_id]))

    assert_sandboxed(response, inline=inline)


def test_a_printed_document_is_served_sandboxed_and_without_the_html_it_was_sent_with(client, bob):
    printer, _secret = printer_ensure(owner=bob)
    store = DatabaseJobStore(printer)
    number = store.create_job(job_name="Ordonnance", user_name="secretariat", document_format="application/pdf")
    store.add_document(number, data=one_page_pdf() + HTML, document_format="application/pdf", last=True)
    job = printer.jobs.get(number=number)
    client.force_login(bob)

    response = client.get(reverse("printing:job_document", args=[job.public_id, job.documents.get().public_id]))

    assert_sandboxed(response, inline=True)
    assert b"<script" not in b"".join(response.streaming_content)
