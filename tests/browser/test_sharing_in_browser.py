import pytest

from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_gives_bob_access_by_searching_his_name(page, alice, bob):
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/sharing/care-team/add/")
    page.fill("#professional-search", bob.last_name)
    page.check(f"input[name=professional][value='{bob.public_id}']")
    page.check("input[name=permission][value=comment]")
    page.click("button[type=submit].button--primary")

    page.wait_for_selector(f"h2:has-text('{bob.full_name}')")
    assert page.is_visible("text=Lecture et commentaires") or page.is_visible("text=Read and comment")


def test_a_doctor_opens_a_share_link_on_a_phone_and_sees_the_document(page, alice):
    record = HealthRecordFactory(patient=alice, title="Radio du thorax")
    RecordFileFactory(record=record)
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[record])

    page.goto(page.base_url + f"/s/{token}/")
    page.fill("input[name=name]", "Dr Durand")
    page.click("main button[type=submit]")
    page.click("text=Radio du thorax")

    page.wait_for_selector("img.file__image")
    assert page.eval_on_selector("img.file__image", "image => image.complete && image.naturalWidth") > 0
    assert token not in page.url


def test_the_emergency_page_reads_on_a_phone_and_the_scan_page_loads_its_scanner(page, alice, bob):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"enabled": True, "blood_group": "O-"}, visible_sections=["blood_group"]
    )

    page.goto(page.base_url + f"/e/{sharing.emergency_token_of(profile)}/")
    assert page.is_visible(".emergency__fact--key >> text=O-")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    log_in(page, "bob@example.org")
    page.goto(page.base_url + "/scan/")
    assert page.is_visible("text=Lire le code depuis une photo") or page.is_visible("[data-qr-scanner]")
