import pytest
from django.urls import reverse

from tests.factories import PASSWORD, HealthRecordFactory, RecordFileFactory
from treatments.models import Medication, PrescriptionReading, patient_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE = {"dose": 1, "unit": "comprimé", "periods": ["morning"], "duration_days": 30, "confidence": 0.95}


def test_a_two_zone_prescription_is_reviewed_by_zone_on_a_phone(page, alice):
    record = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance bizone")
    medications = [
        {**LINE, "name": "METFORMINE 850 mg", "zone": "ald", "source_line": "METFORMINE 850 mg : 1 cp le matin"},
        {**LINE, "name": "PARACÉTAMOL 1 g", "zone": "other", "source_line": "Paracétamol 1 g cp : 1 cp le matin"},
    ]
    reading = PrescriptionReading.objects.create(
        record=record,
        record_file=RecordFileFactory(record=record),
        status="ready",
        result={"date": None, "prescriber": {}, "medications": medications},
    )
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "alice@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")

    page.goto(page.base_url + reverse("treatments:reading_review", args=[reading.public_id]))

    # Alice reads French: the zones as the paper names them.
    assert page.locator("h2.review-zone").all_inner_texts() == ["Affection de longue durée (ALD)", "Autres affections"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The reviewer moves the paracetamol to the ALD zone, then confirms.
    page.select_option("select[name=lines-1-zone]", "ald")
    # A prescription without a date starts today, and the date field shows it (type="date" needs ISO).
    assert page.input_value("input[name=start_date]") == patient_today(alice).isoformat()
    page.click("button[type=submit].button--primary.button--block")
    page.wait_for_selector(".badge--zone")
    assert page.locator(".badge--zone").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert set(Medication.objects.values_list("zone", flat=True)) == {"ald"}
