"""Staff read lab readings and observations in the administration, read only, and each record shown is logged."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from labs.models import Observation
from tests.factories import LabReadingFactory, ObservationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading(alice):
    reading = LabReadingFactory(record__patient=alice)
    ObservationFactory(record=reading.record, reading=reading)
    return reading


def test_staff_list_readings_and_observations_and_each_record_shown_is_logged(client, staff, alice, reading):
    client.force_login(staff)

    readings = client.get(reverse("admin:labs_labreading_changelist"))
    observations = client.get(reverse("admin:labs_observation_changelist"))
    page = client.get(reverse("admin:labs_observation_change", args=[Observation.objects.get().pk]))

    assert readings.status_code == observations.status_code == page.status_code == 200
    assert "HbA1c" in observations.content.decode()
    events = AccessEvent.objects.filter(actor=staff, patient=alice)
    assert sorted(events.values_list("action", flat=True)) == ["list", "list", "view"]
    assert set(events.values_list("object_id", flat=True)) == {reading.record.public_id}
    assert set(events.values_list("access_path", flat=True)) == {"staff"}


def test_staff_cannot_add_change_or_delete_them(client, staff, reading):
    client.force_login(staff)
    observation = Observation.objects.get()

    assert client.get(reverse("admin:labs_observation_add")).status_code == 403
    assert client.post(reverse("admin:labs_observation_delete", args=[observation.pk])).status_code == 403
    assert client.post(reverse("admin:labs_labreading_delete", args=[reading.pk])).status_code == 403
    client.post(reverse("admin:labs_observation_change", args=[observation.pk]), {"value": "9"})
    observation.refresh_from_db()
    assert str(observation.value) == "6.8000"


def test_a_patient_does_not_reach_the_administration(client, alice, reading):
    client.force_login(alice)

    response = client.get(reverse("admin:labs_observation_changelist"))

    assert response.status_code == 302 and "/admin/login/" in response.url
