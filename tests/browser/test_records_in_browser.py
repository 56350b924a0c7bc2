import pytest

from health_records.models import HealthRecord
from tests.browser.sign_in import log_in
from tests.files import jpeg_bytes, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_uploads_two_files_from_a_phone_and_sees_them_on_the_record(page, alice, tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes(size=(600, 400)))
    (tmp_path / "bilan.pdf").write_bytes(pdf_bytes())
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/records/")
    page.click("text=Ajouter un dossier")
    page.select_option("select[name=kind]", "lab_result")
    page.fill("input[name=title]", "Bilan de contrôle")
    page.fill("input[name=clinical_date]", "2026-05-04")
    page.set_input_files("input[name=files]", [str(tmp_path / "photo.jpg"), str(tmp_path / "bilan.pdf")])
    assert page.is_visible("text=photo.jpg")  # the chosen files are listed before sending
    page.click("text=Ajouter le dossier")

    page.wait_for_selector("h1:has-text('Bilan de contrôle')")
    record = HealthRecord.objects.get()
    assert page.url.endswith(f"/records/{record.public_id}/")
    # The page may be shown before its image has arrived (a loaded machine): wait for it, then read it.
    page.wait_for_function(
        "() => { const image = document.querySelector('img.file__image'); return image && image.complete; }"
    )
    image_width = page.eval_on_selector("img.file__image", "image => image.naturalWidth")
    assert image_width == 600
    assert page.is_visible("iframe.file__pdf")


@pytest.mark.answers(400)
def test_a_refused_file_is_explained_in_the_form_without_leaving_the_page(page, alice, tmp_path):
    (tmp_path / "virus.pdf").write_bytes(b"MZ" + b"\x00" * 100)
    log_in(page, "alice@example.org")

    page.goto(page.base_url + f"/patients/{alice.public_id}/records/new/")
    page.select_option("select[name=kind]", "other")
    page.fill("input[name=title]", "Essai")
    page.fill("input[name=clinical_date]", "2026-05-04")
    page.set_input_files("input[name=files]", str(tmp_path / "virus.pdf"))
    page.click("text=Ajouter le dossier")

    page.wait_for_selector("p.error:has-text('virus.pdf')")
    assert not HealthRecord.objects.exists()


def test_the_timeline_filters_as_the_patient_types(page, alice):
    from tests.factories import HealthRecordFactory

    HealthRecordFactory(patient=alice, title="Vaccin grippe")
    HealthRecordFactory(patient=alice, title="IRM genou")
    log_in(page, "alice@example.org")

    page.goto(page.base_url + "/records/")
    page.fill("input[name=q]", "genou")

    page.wait_for_selector("#timeline >> text=Vaccin grippe", state="detached")
    assert page.is_visible("text=IRM genou")
    assert "q=genou" in page.url
