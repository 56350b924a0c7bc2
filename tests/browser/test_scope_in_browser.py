"""A professional whose grant covers chosen kinds of records opens the patient's file on a phone: they see
those records and nothing of the treatments, which answer 404."""

import pytest
from django.urls import reverse

from access.models import Permission, Scope
from sharing import services as sharing
from tests.browser.sign_in import log_in
from tests.factories import HealthRecordFactory, MedicationFactory, ProfessionalFactory, TreatmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kind_scoped_professional_sees_the_imaging_and_no_treatment_on_a_phone(page, alice):
    HealthRecordFactory(patient=alice, kind="imaging", title="IRM du genou")
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance angine")
    treatment = TreatmentFactory(patient=alice, prescription=prescription, title="Angine")
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g")
    kate = ProfessionalFactory(email="kate@example.org", first_name="Kate")
    sharing.grant_give(
        actor=alice, professional=kate, scope=Scope.KINDS, kinds=["imaging", "photo"], permission=Permission.READ
    )
    log_in(page, "kate@example.org")

    page.goto(page.base_url + reverse("sharing:my_patients"))
    page.click(f"a[href='{reverse('health_records:timeline', args=[alice.public_id])}']")
    page.wait_for_selector("text=IRM du genou")
    file_page = page.content()
    links = page.eval_on_selector_all("a[href]", "anchors => anchors.map(anchor => anchor.getAttribute('href'))")
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Through the browser's own session; typing the URL would log the 404 as a console error, which the
    # page fixture counts as a failure.
    treatments_page = page.request.get(page.base_url + reverse("treatments:patient", args=[alice.public_id]))
    treatment_page = page.request.get(page.base_url + reverse("treatments:detail", args=[treatment.public_id]))
    from_the_api = page.request.get(page.base_url + reverse("api:patient-treatments", args=[alice.public_id]))

    assert "Ordonnance angine" not in file_page and "AMOXICILLINE" not in file_page
    assert not [href for href in links if "treatments" in href]
    assert fits
    assert (treatments_page.status, treatment_page.status, from_the_api.status) == (404, 404, 404)
    assert "AMOXICILLINE" not in treatments_page.text() + treatment_page.text() + from_the_api.text()
