import pytest
from django.utils import timezone

from tests.factories import PASSWORD, MedicationFactory, TreatmentFactory
from treatments.models import Intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_marks_todays_morning_dose_taken_on_a_phone(page, alice):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    MedicationFactory(treatment=treatment, name="AMOXICILLINE 1 g", morning=True, evening=True)
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "alice@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")

    page.goto(page.base_url + "/treatments/")
    page.locator(".plan-moment").first.locator("button[value=taken]").click()

    page.wait_for_selector(".plan-item--taken")
    assert Intake.objects.get().status == "taken"
    assert page.is_visible(".adherence__chart")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
