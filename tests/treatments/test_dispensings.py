"""Dispensings: the patient records "I got it at the pharmacy" on the treatment page or through the API; the
units come from the pack size (entered: the BDPM extract has no presentations), the page shows the stock
and the renewals, and nobody without access reaches any of it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from tests.factories import MedicationFactory, TreatmentFactory
from treatments import supply_services
from treatments.models import Dispensing, patient_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def medication(alice):
    today = patient_today(alice)
    treatment = TreatmentFactory(patient=alice, start_date=today)
    return MedicationFactory(
        treatment=treatment, name="LEVOTHYROX 50", morning=True, evening=True, pack_size=28, renewals=2, supply_days=28
    )


def test_the_patient_records_a_dispensing_and_the_page_shows_the_stock(client, alice, medication):
    client.force_login(alice)
    today = patient_today(alice)

    response = client.post(
        reverse("treatments:dispensing_new", args=[medication.public_id]),
        {"dispensed_on": today.isoformat(), "boxes": "2"},
    )

    assert response.url == reverse("treatments:detail", args=[medication.treatment.public_id])
    dispensing = Dispensing.objects.get()
    assert (dispensing.boxes, dispensing.units, dispensing.is_renewal) == (2, 56, False)
    assert AccessEvent.objects.filter(object_type="dispensing", action="create", actor=alice).exists()
    page = client.get(response.url).content.decode()
    assert "≈ 56 comprimés" in page
    assert "2 renouvellements restants sur 2" in page


def test_units_are_entered_when_the_pack_size_is_unknown(alice, medication):
    medication.pack_size = None
    medication.save()

    dispensing = supply_services.dispensing_record(
        actor=alice, medication=medication, dispensed_on=patient_today(alice), units=Decimal(30)
    )

    assert dispensing.units == 30


def test_a_renewal_beyond_those_allowed_is_refused(alice, medication):
    medication.renewals = 0
    medication.save()

    with pytest.raises(ValidationError):
        supply_services.dispensing_record(
            actor=alice, medication=medication, dispensed_on=patient_today(alice), is_renewal=True
        )


def test_a_dispensing_in_the_future_is_refused(alice, medication):
    with pytest.raises(ValidationError):
        supply_services.dispensing_record(
            actor=alice, medication=medication, dispensed_on=patient_today(alice) + datetime.timedelta(days=2)
        )


def test_strangers_reach_no_dispensing(client, alice, medication, charlie, dave):
    with pytest.raises(PermissionDenied):
        supply_services.dispensing_record(actor=dave, medication=medication, dispensed_on=patient_today(alice))
    for stranger in (charlie, dave):
        client.force_login(stranger)
        response = client.post(
            reverse("treatments:dispensing_new", args=[medication.public_id]),
            {"dispensed_on": patient_today(alice).isoformat(), "boxes": "1"},
        )
        assert response.status_code == 404
        api = APIClient()
        api.force_authenticate(stranger)
        assert api.get(reverse("api:medication-dispensings", args=[medication.public_id])).status_code == 404
    assert not Dispensing.objects.exists()


def test_a_reading_professional_sees_the_dispensings_but_records_none(alice, bob, medication):
    from tests.factories import GrantFactory

    GrantFactory(patient=alice, professional=bob)
    supply_services.dispensing_record(actor=alice, medication=medication, dispensed_on=patient_today(alice))
    api = APIClient()
    api.force_authenticate(bob)
    url = reverse("api:medication-dispensings", args=[medication.public_id])

    assert len(api.get(url).json()) == 1
    assert api.post(url, {"dispensed_on": patient_today(alice).isoformat()}).status_code == 404


def test_the_api_records_and_lists_dispensings(alice, medication):
    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("api:medication-dispensings", args=[medication.public_id])

    created = api.post(url, {"dispensed_on": patient_today(alice).isoformat(), "boxes": 1}, format="json")
    listed = api.get(url)

    assert created.status_code == 201
    assert created.json()["units"] == "28.00"
    assert [row["public_id"] for row in listed.json()] == [created.json()["public_id"]]
    future = (patient_today(alice) + datetime.timedelta(days=3)).isoformat()
    assert api.post(url, {"dispensed_on": future}, format="json").status_code == 400


def test_the_medication_form_and_api_carry_renewals_and_pack_size(client, alice, medication):
    api = APIClient()
    api.force_authenticate(alice)

    response = api.patch(
        reverse("api:medication", args=[medication.public_id]),
        {"renewals": 3, "supply_days": 90, "pack_size": 90},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["renewals"], response.json()["supply_days"], response.json()["pack_size"]) == (3, 90, 90)
    client.force_login(alice)
    page = client.get(reverse("treatments:medication_edit", args=[medication.public_id])).content.decode()
    assert 'name="pack_size"' in page and 'name="renewals"' in page
