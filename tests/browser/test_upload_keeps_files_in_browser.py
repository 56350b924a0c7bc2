import os
import tempfile
from pathlib import Path

import pytest

from health_records.models import HealthRecord, StagedUpload
from tests.browser.test_records_in_browser import log_in
from tests.files import jpeg_bytes, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots to look at after a run: /tmp/shots/uploads/ unless SCREENSHOTS_DIR says otherwise.
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", tempfile.gettempdir())) / "shots" / "uploads"


def open_new_record_form(page, patient):
    page.goto(page.base_url + f"/patients/{patient.public_id}/records/new/")
    page.select_option("select[name=kind]", "prescription")


def test_a_form_error_keeps_the_chosen_file_and_the_fixed_form_files_it(page, alice, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "ordonnance.pdf").write_bytes(pdf_bytes())
    log_in(page, "alice@example.org")
    open_new_record_form(page, alice)
    page.set_input_files("input[name=files]", str(tmp_path / "ordonnance.pdf"))

    page.click("text=Ajouter le dossier")  # no title, no date: marked at once, nothing sent
    assert page.locator("[data-required-note]").count() == 2
    assert page.is_visible("text=Veuillez remplir ce champ.")
    assert not StagedUpload.objects.exists()

    page.fill("input[name=title]", "Ordonnance du Dr Martin")
    page.fill("input[name=clinical_date]", "2099-01-01")
    page.click("text=Ajouter le dossier")
    page.wait_for_selector("p.error:has-text('La date ne peut pas être dans le futur.')")
    kept = page.locator(".upload-kept")
    assert "Fichier conservé de votre envoi précédent" in kept.inner_text()
    assert "ordonnance.pdf" in kept.inner_text()
    assert page.input_value("input[name=title]") == "Ordonnance du Dr Martin"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    kept.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "kept-after-error.png"), full_page=True)

    page.fill("input[name=clinical_date]", "2026-03-02")
    page.click("text=Ajouter le dossier")

    page.wait_for_selector("h1:has-text('Ordonnance du Dr Martin')")
    record = HealthRecord.objects.get()
    assert [record_file.original_name for record_file in record.files.all()] == ["ordonnance.pdf"]
    assert page.is_visible("iframe.file__pdf")
    page.screenshot(path=str(SHOTS / "record-with-kept-file.png"), full_page=True)
    assert not StagedUpload.objects.exists()


def test_a_kept_file_removed_before_sending_again_is_not_filed(page, alice, tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes(size=(600, 400)))
    (tmp_path / "bilan.pdf").write_bytes(pdf_bytes())
    log_in(page, "alice@example.org")
    open_new_record_form(page, alice)
    page.fill("input[name=title]", "Ordonnance")
    page.fill("input[name=clinical_date]", "2099-01-01")
    page.set_input_files("input[name=files]", [str(tmp_path / "photo.jpg"), str(tmp_path / "bilan.pdf")])
    page.click("text=Ajouter le dossier")
    page.wait_for_selector(".upload-kept__item:has-text('photo.jpg')")

    page.click(".upload-kept__item:has-text('photo.jpg') >> text=Retirer")
    page.fill("input[name=clinical_date]", "2026-03-02")
    page.click("text=Ajouter le dossier")

    page.wait_for_selector("h1:has-text('Ordonnance')")
    assert [record_file.original_name for record_file in HealthRecord.objects.get().files.all()] == ["bilan.pdf"]


@pytest.mark.answers(400)
def test_adding_files_keeps_the_good_one_when_another_is_refused(page, alice, tmp_path):
    from tests.factories import HealthRecordFactory

    SHOTS.mkdir(parents=True, exist_ok=True)
    record = HealthRecordFactory(patient=alice, author=alice, kind="lab_result", title="Bilan")
    (tmp_path / "page1.jpg").write_bytes(jpeg_bytes(size=(600, 400)))
    (tmp_path / "virus.pdf").write_bytes(b"MZ" + b"\x00" * 100)
    log_in(page, "alice@example.org")
    page.goto(page.base_url + f"/records/{record.public_id}/")
    page.set_input_files(
        "form.add-files input[name=files][multiple]:not([capture])",
        [
            str(tmp_path / "page1.jpg"),
            str(tmp_path / "virus.pdf"),
        ],
    )
    page.click("form.add-files button[type=submit]")

    page.wait_for_selector("text=virus.pdf")
    assert "page1.jpg" in page.locator("form.add-files .upload-kept").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("form.add-files").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "add-files-kept.png"))
    page.click("form.add-files button[type=submit]")

    page.wait_for_selector(".file__name:has-text('page1.jpg')")
    assert [record_file.original_name for record_file in record.files.all()] == ["page1.jpg"]
