"""E-prescriptions end to end: a prescription with the QR code of its identifier is uploaded, the reading task
(the worker's own body) reads the identifier with the medications, the record, the review and the treatment
show it, and the same prescription sent again for the same patient is named on the review and not confirmed
into a second treatment; another patient's copy is theirs."""

import html

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from access.models import Permission, Scope
from documents.uploads import check_upload
from health_records import services as records
from tests.eprescriptions import IDENTIFIER, phone_photo, prescription_pdf
from tests.factories import GrantFactory, ProfessionalFactory
from treatments import readings
from treatments.models import PrescriptionReading, Treatment
from treatments.tasks import read_prescription

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def upload_prescription(patient, content, django_capture_on_commit_callbacks, *, name="ordonnance.pdf"):
    with django_capture_on_commit_callbacks(execute=False):
        record = records.health_record_create(
            actor=patient,
            patient=patient,
            kind="prescription",
            title=f"Ordonnance {name}",
            clinical_date="2026-09-01",
            uploads=[check_upload(SimpleUploadedFile(name, content))],
        )
    reading = PrescriptionReading.objects.get(record=record)
    read_prescription(reading.pk)  # the task's own body, as a worker runs it
    reading.refresh_from_db()
    return reading


def review(client, reading):
    return client.get(reverse("treatments:reading_review", args=[reading.public_id]))


def confirm(client, reading):
    """Confirms the review as ReLyfe proposed it."""
    lines = readings.proposal_lines(reading)
    data = {
        "title": "Rhume",
        "start_date": "2026-09-01",
        "prescriber_name": "Dr Anaïs Richard",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
    }
    for number, line in enumerate(lines):
        for name in ("name", "dose", "dose_unit", "duration_days", "renewals", "instructions"):
            if line[name] is not None:
                data[f"lines-{number}-{name}"] = line[name]
        for moment in ("morning", "noon", "evening", "bedtime", "as_needed"):
            if line[moment]:
                data[f"lines-{number}-{moment}"] = "on"
    return client.post(reverse("treatments:reading_review", args=[reading.public_id]), data)


def test_the_identifier_is_read_shown_and_kept_on_the_treatment(alice, django_capture_on_commit_callbacks):
    reading = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    assert reading.status == "ready", reading.error
    assert reading.eprescription_id == IDENTIFIER
    assert reading.result["medications"]
    client = signed_in(alice)

    record_page = client.get(reverse("health_records:detail", args=[reading.record.public_id])).content.decode()
    assert "E-prescription" in record_page and f"<code>{IDENTIFIER}</code>" in record_page
    page = review(client, reading).content.decode()
    assert f"<code>{IDENTIFIER}</code>" in page
    assert "same prescription" not in page

    response = confirm(client, reading)

    treatment = Treatment.objects.get()
    assert response.status_code == 302 and response.url == reverse("treatments:detail", args=[treatment.public_id])
    assert treatment.eprescription_id == IDENTIFIER
    treatment_page = client.get(response.url).content.decode()
    assert "E-prescription" in treatment_page and f"<code>{IDENTIFIER}</code>" in treatment_page
    record_page = client.get(reverse("health_records:detail", args=[reading.record.public_id])).content.decode()
    assert f"<code>{IDENTIFIER}</code>" in record_page  # under the record's treatment now


def test_a_photo_of_the_prescription_gives_its_identifier_to_the_reading(alice, django_capture_on_commit_callbacks):
    reading = upload_prescription(
        alice, phone_photo(prescription_pdf()), django_capture_on_commit_callbacks, name="photo.jpg"
    )

    assert reading.eprescription_id == IDENTIFIER


def test_a_prescription_without_a_code_has_no_identifier(alice, django_capture_on_commit_callbacks):
    reading = upload_prescription(alice, prescription_pdf(qr_text=None), django_capture_on_commit_callbacks)

    assert reading.status == "ready" and reading.eprescription_id == ""
    assert "E-prescription" not in review(signed_in(alice), reading).content.decode()


def test_the_same_prescription_sent_again_is_not_confirmed_twice(alice, django_capture_on_commit_callbacks):
    first = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    client = signed_in(alice)
    confirm(client, first)
    treatment = Treatment.objects.get()
    again = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)

    page = review(client, again).content.decode()
    assert "This same prescription was already sent and confirmed as a treatment on" in page
    assert reverse("treatments:detail", args=[treatment.public_id]) in page

    response = confirm(client, again)

    assert response.status_code == 200
    assert "This e-prescription was already confirmed on" in response.content.decode()
    assert "“Rhume”: it is not created twice" in html.unescape(response.content.decode())
    assert Treatment.objects.count() == 1
    again.refresh_from_db()
    assert again.status == "ready"


def test_the_api_names_the_copy_and_refuses_to_confirm_it_again(alice, django_capture_on_commit_callbacks):
    first = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    confirm(signed_in(alice), first)
    treatment = Treatment.objects.get()
    again = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    api = APIClient()
    api.force_authenticate(alice)

    shown = api.get(reverse("api:reading", args=[again.public_id])).json()
    response = api.post(
        reverse("api:reading-confirm", args=[again.public_id]),
        {
            "title": "Rhume",
            "start_date": "2026-09-01",
            "medications": [{"name": "DOLIPRANE 1000 mg", "dose": "1", "periods": ["morning"]}],
        },
        format="json",
    )

    assert shown["eprescription_id"] == IDENTIFIER
    assert shown["same_eprescription"] == [
        {
            "confirmed": True,
            "date": shown["same_eprescription"][0]["date"],
            "treatment": str(treatment.public_id),
            "record": None,
        }
    ]
    assert shown["same_eprescription"][0]["date"]
    assert response.status_code == 400
    assert response.json()["code"] == "eprescription_confirmed"
    assert response.json()["treatment"] == str(treatment.public_id)
    assert Treatment.objects.count() == 1
    treatment_api = api.get(reverse("api:treatment", args=[treatment.public_id])).json()
    assert treatment_api["eprescription_id"] == IDENTIFIER


def test_two_copies_not_confirmed_yet_name_each_other_and_either_may_be_confirmed_once(
    alice, django_capture_on_commit_callbacks
):
    first = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    second = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    client = signed_in(alice)

    page = review(client, second).content.decode()
    assert "This same prescription was also sent on" in page
    assert reverse("health_records:detail", args=[first.record.public_id]) in page

    assert confirm(client, second).status_code == 302
    assert confirm(client, first).status_code == 200
    assert Treatment.objects.count() == 1


def test_another_patients_copy_of_the_same_identifier_is_theirs(alice, dave, django_capture_on_commit_callbacks):
    confirm(signed_in(alice), upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks))
    daves = upload_prescription(dave, prescription_pdf(), django_capture_on_commit_callbacks)
    client = signed_in(dave)

    assert "same prescription" not in review(client, daves).content.decode()
    assert confirm(client, daves).status_code == 302
    assert Treatment.objects.filter(patient=dave, eprescription_id=IDENTIFIER).count() == 1


def test_a_professional_who_may_not_see_the_earlier_treatment_is_told_without_a_link_or_date(
    alice, django_capture_on_commit_callbacks
):
    confirm(signed_in(alice), upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks))
    treatment = Treatment.objects.get()
    again = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)
    rob = ProfessionalFactory()
    GrantFactory(
        patient=alice, professional=rob, scope=Scope.RECORDS, records=[again.record], permission=Permission.CONTRIBUTE
    )
    client = signed_in(rob)

    page = review(client, again).content.decode()
    response = confirm(client, again)

    assert "This same prescription is already a treatment in this patient's file" in page
    assert str(treatment.public_id) not in page
    assert "already confirmed on" not in page
    assert "This e-prescription is already a treatment in this patient's file" in html.unescape(
        response.content.decode()
    )
    assert str(treatment.public_id) not in response.content.decode()
    assert Treatment.objects.count() == 1


def test_a_failure_while_looking_for_the_code_does_not_cost_the_reading_its_medications(
    alice, django_capture_on_commit_callbacks, monkeypatch
):
    from documents import eprescription

    def broken(content, content_type):
        raise RuntimeError("decoder crashed")

    monkeypatch.setattr(eprescription, "identifier_in", broken)

    reading = upload_prescription(alice, prescription_pdf(), django_capture_on_commit_callbacks)

    assert reading.status == "ready" and reading.result["medications"]
    assert reading.eprescription_id == ""


def test_the_pages_of_one_upload_that_each_carry_the_code_are_not_copies_of_one_another(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        record = records.health_record_create(
            actor=alice,
            patient=alice,
            kind="prescription",
            title="Ordonnance en deux pages",
            clinical_date="2026-09-01",
            uploads=[
                check_upload(SimpleUploadedFile("page1.pdf", prescription_pdf())),
                check_upload(SimpleUploadedFile("page2.pdf", prescription_pdf())),
            ],
        )
    pages = list(PrescriptionReading.objects.filter(record=record).order_by("pk"))
    for page in pages:
        read_prescription(page.pk)
        page.refresh_from_db()
        assert page.eprescription_id == IDENTIFIER
    client = signed_in(alice)

    assert "same prescription" not in review(client, pages[1]).content.decode()
    assert confirm(client, pages[0]).status_code == 302
    assert confirm(client, pages[1]).status_code == 302
    assert Treatment.objects.filter(prescription=record).count() == 2
