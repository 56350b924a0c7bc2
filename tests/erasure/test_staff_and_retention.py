"""Staff erase an account on the patient's request from the administration; the access log keeps a year."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from access.models import AccessPath
from accounts.models import User
from audit import services as audit
from audit.models import AccessEvent, Action, ObjectType
from erasure import services
from erasure.models import AccountDeletion
from health_records.models import HealthRecord
from tests.factories import HealthRecordFactory

pytestmark = pytest.mark.usefixtures("tasks_run_at_once")


def test_staff_erase_an_account_from_the_administration_with_a_reason(
    client, staff, alice, django_capture_on_commit_callbacks
):
    HealthRecordFactory(patient=alice)
    client.force_login(staff)

    refused = client.post("/admin/erasure/accountdeletion/add/", {"user": str(alice.public_id), "reason": " "})
    assert refused.status_code == 200 and not AccountDeletion.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/erasure/accountdeletion/add/", {"user": str(alice.public_id), "reason": "Courrier du 3 mars"}
        )

    assert done.status_code == 302
    deletion = AccountDeletion.objects.get()
    assert (deletion.requested_by, deletion.reason) == (staff, "Courrier du 3 mars")
    assert deletion.erased_at is not None
    assert not HealthRecord.objects.filter(patient_id=alice.pk).exists()
    assert User.objects.get(pk=alice.pk).email is None


def test_only_staff_erase_someone_else(alice, bob):
    with pytest.raises(services.PermissionDenied):
        services.erase_patient(actor=bob, user=alice, reason="")
    with pytest.raises(services.PermissionDenied):
        services.account_erase_on_request(actor=bob, user=alice, reason="Courrier")


def test_the_patients_own_pending_deletion_cannot_be_cancelled_after_staff_erased(alice, staff):
    deletion = services.account_erase_on_request(actor=staff, user=alice, reason="Courrier du 3 mars")

    with pytest.raises(services.Http404):
        services.account_deletion_cancel(actor=alice, deletion=deletion)


def log(patient, actor, at):
    with time_machine.travel(at):
        audit.record(
            actor=actor,
            patient=patient,
            object_type=ObjectType.TIMELINE,
            object_id=None,
            action=Action.LIST,
            access=AccessPath.OWNER,
        )


def test_access_events_older_than_the_retention_are_purged(alice, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    now = timezone.now()
    log(alice, alice, now - datetime.timedelta(days=366))
    log(alice, alice, now - datetime.timedelta(days=400))
    log(alice, alice, now - datetime.timedelta(days=364))

    assert services.access_log_purge(now=now) == 2

    assert [event.at.date() for event in AccessEvent.objects.all()] == [(now - datetime.timedelta(days=364)).date()]


def test_the_access_log_stays_append_only_for_everyone_else(alice):
    log(alice, alice, timezone.now())

    with pytest.raises(Exception, match="cannot be deleted"):
        AccessEvent.objects.all().delete()
