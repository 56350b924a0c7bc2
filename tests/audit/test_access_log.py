from uuid import uuid4

import pytest
from django.db import connection
from django.urls import reverse

from audit import services as audit
from audit.models import AccessEvent, AppendOnlyError
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


def test_each_page_view_and_download_writes_one_event(client, alice):
    record_file = RecordFileFactory(record=HealthRecordFactory(patient=alice))
    client.force_login(alice)

    client.get(reverse("health_records:timeline", args=[alice.public_id]), REMOTE_ADDR="198.51.100.4")
    client.get(reverse("health_records:detail", args=[record_file.record.public_id]), HTTP_USER_AGENT="Firefox")
    client.get(reverse("health_records:file_download", args=[record_file.public_id]))

    events = list(AccessEvent.objects.order_by("at", "id"))
    assert [(event.action, event.object_type) for event in events] == [
        ("list", "timeline"),
        ("view", "health_record"),
        ("download", "record_file"),
    ]
    assert {event.access_path for event in events} == {"owner"}
    assert events[0].ip_address == "198.51.100.4"
    assert events[1].user_agent == "Firefox"
    assert events[1].object_id == record_file.record.public_id
    assert events[2].object_id == record_file.public_id


OWN_VIEW = {"action": "view", "access": "owner"}


def event_for(alice):
    return audit.record(
        actor=alice, patient=alice, object_type="timeline", object_id=None, action="list", access="owner"
    )


def test_an_access_event_cannot_be_changed_or_deleted_through_the_orm(alice):
    event = event_for(alice)
    event.actor_label = "someone else"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    assert AccessEvent.objects.get().actor_label == alice.full_name


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_an_access_event_even_in_raw_sql(alice):
    from django.db import DatabaseError, transaction

    event = event_for(alice)

    for statement in ["UPDATE audit_accessevent SET actor_label = 'x'", "DELETE FROM audit_accessevent"]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessEvent.objects.get(pk=event.pk).actor_label == alice.full_name


@pytest.mark.postgres
def test_only_the_erasure_and_the_retention_change_the_log_and_the_window_closes_behind_them(alice, dave):
    from django.db import DatabaseError, transaction

    kept, erased = (
        audit.record(actor=who, patient=who, object_type="health_record", object_id=uuid4(), **OWN_VIEW)
        for who in (alice, dave)
    )

    with transaction.atomic():
        audit.access_events_pseudonymise(user=dave, actor_label="Compte effacé")
        # Later in the same transaction, an ordinary change is refused again.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_accessevent SET actor_label = 'x'")

    assert AccessEvent.objects.get(pk=kept.pk).object_id == kept.object_id
    assert AccessEvent.objects.get(pk=erased.pk).object_id != erased.object_id


def test_the_access_log_cannot_be_changed_in_the_admin(client, staff, alice):
    event = event_for(alice)
    client.force_login(staff)

    change = client.post(reverse("admin:audit_accessevent_change", args=[event.pk]), {"actor_label": "x"})
    delete = client.post(reverse("admin:audit_accessevent_delete", args=[event.pk]), {"post": "yes"})

    assert change.status_code == 403
    assert delete.status_code == 403
    assert client.get(reverse("admin:audit_accessevent_add")).status_code == 403
    assert AccessEvent.objects.get().actor_label == alice.full_name


def test_the_patient_sees_who_accessed_their_data_and_filters_it(client, alice, bob, charlie):
    for actor in (bob, charlie):
        audit.record(
            actor=actor, patient=alice, object_type="health_record", object_id=None, action="view", access="grant"
        )
    event_for(alice)
    client.force_login(alice)
    url = reverse("audit:access_log")

    everyone = client.get(url).context["page"].object_list
    only_bob = client.get(url, {"actor": str(bob.public_id)}).context["page"].object_list
    with_own = client.get(url, {"include_own": "on"}).context["page"].object_list

    assert {event.actor for event in everyone} == {bob, charlie}
    assert [event.actor for event in only_bob] == [bob]
    assert alice in {event.actor for event in with_own}
    assert "Bob" in client.get(url).content.decode()


def test_the_access_log_page_is_the_patients_own(client, bob):
    client.force_login(bob)

    assert client.get(reverse("audit:access_log")).status_code == 404


def test_logs_never_carry_health_data(client, alice, caplog):
    record = HealthRecordFactory(patient=alice, title="Séropositivité confidentielle")
    client.force_login(alice)

    with caplog.at_level("DEBUG"):
        client.get(reverse("health_records:detail", args=[record.public_id]))
        client.get(reverse("health_records:detail", args=["00000000-0000-0000-0000-000000000000"]))

    assert "Séropositivité" not in caplog.text
