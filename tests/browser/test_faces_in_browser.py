import pytest

from access.models import Permission, Scope
from faces import services
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.faces.conftest import FACES, photo, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_doctor_identifies_a_patient_with_the_phone_camera(page, alice, bob):
    sharing.grant_give(actor=alice, professional=verify(bob), scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    services.face_consent_give(actor=alice, patient=alice)
    services.face_enrol(actor=alice, patient=alice, image=photo("obama_1.jpg"))
    log_in(page, bob.email)

    page.goto(page.base_url + "/faces/identify/")
    camera = page.locator("input[type=file][capture=environment]")
    camera.set_input_files(str(FACES / "obama_4.jpg"))
    preview = page.locator("[data-photo-preview]")
    preview.wait_for(state="visible")
    assert preview.evaluate("image => image.naturalWidth") > 0
    page.click("button[type=submit].button--primary")

    page.wait_for_selector(".candidate")
    assert alice.full_name in page.inner_text(".candidate__who")
    page.click(f".candidate a[href='/patients/{alice.public_id}/records/']")
    page.wait_for_url(f"**/patients/{alice.public_id}/records/")
