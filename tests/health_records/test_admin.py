import pytest
from django.urls import reverse

from audit.models import AccessEvent
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


def test_staff_read_a_record_in_the_admin_and_it_is_audited(client, staff, alice):
    record_file = RecordFileFactory(record=HealthRecordFactory(patient=alice, title="Bilan"))
    client.force_login(staff)

    listing = client.get(reverse("admin:health_records_healthrecord_changelist"))
    page = client.get(reverse("admin:health_records_healthrecord_change", args=[record_file.record.pk]))
    download = client.get(reverse("admin:health_records_recordfile_download", args=[record_file.public_id]))

    assert listing.status_code == page.status_code == download.status_code == 200
    events = AccessEvent.objects.filter(actor=staff, patient=alice)
    assert sorted(events.values_list("action", flat=True)) == ["download", "list", "view"]
    assert set(events.values_list("access_path", flat=True)) == {"staff"}


def test_staff_cannot_add_change_or_delete_records_in_the_admin(client, staff, alice):
    record = HealthRecordFactory(patient=alice, title="Bilan")
    client.force_login(staff)

    client.post(reverse("admin:health_records_healthrecord_change", args=[record.pk]), {"title": "Changé"})

    assert client.get(reverse("admin:health_records_healthrecord_add")).status_code == 403
    assert client.post(reverse("admin:health_records_healthrecord_delete", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.title == "Bilan"
