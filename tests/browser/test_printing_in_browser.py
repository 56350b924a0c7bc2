import pytest
import segno
from django.urls import reverse

from access.models import Permission, Scope
from health_records.models import HealthRecord
from printing import services as printing
from relyfe.web import absolute_url
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_doctor_files_a_printed_prescription_by_a_photo_of_the_patients_heart_code(
    page, alice, bob, settings, tmp_path
):
    # The Heart-Code points to this server, as it does in production.
    settings.SITE_URL = page.base_url
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    url = absolute_url(reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)]))
    photo, elsewhere = tmp_path / "heart-code.png", tmp_path / "elsewhere.png"
    segno.make(url, error="m").save(photo, scale=8, border=4)
    segno.make("https://evil.example/e/abc/", error="m").save(elsewhere, scale=8, border=4)
    job = printing.print_job_receive(actor=bob, name="Ordonnance", data=pdf_bytes())
    log_in(page, "bob@example.org")

    page.goto(page.base_url + reverse("printing:job", args=[job.public_id]))
    page.wait_for_selector("[data-scanner-fill]:not([hidden])")
    page.set_input_files("#scanner-photo", str(elsewhere))
    page.wait_for_selector("[data-scanner-status]:not(:empty)")
    assert page.inner_text("#heartcode-result") == ""
    page.set_input_files("#scanner-photo", str(photo))

    page.wait_for_selector(f"#heartcode-result >> text={alice.full_name}")
    assert page.input_value("#heartcode-result input[name=emergency_token]") == url
    # The camera's page is not opened: the code only chose the patient.
    assert page.url.endswith(reverse("printing:job", args=[job.public_id]))
    page.click("form[data-assign-form] button[type=submit]")

    page.wait_for_url("**/records/*/")
    record = HealthRecord.objects.get(patient=alice, author=bob)
    assert record.kind == "prescription"
    assert page.url.endswith(reverse("health_records:detail", args=[record.public_id]))
