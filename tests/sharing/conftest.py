import pytest

from access.models import Permission, Scope
from sharing import services as sharing
from tests.factories import HealthRecordFactory, RecordFileFactory


@pytest.fixture
def alice_records(alice):
    """Three of alice's records: a lab result with a file, an imaging report, a private note."""
    lab = HealthRecordFactory(patient=alice, kind="lab_result", title="Bilan sanguin")
    RecordFileFactory(record=lab, original_name="bilan.jpg")
    imaging = HealthRecordFactory(patient=alice, kind="imaging", title="IRM genou")
    note = HealthRecordFactory(patient=alice, kind="note", title="Note très privée")
    return {"lab": lab, "imaging": imaging, "note": note}


@pytest.fixture
def grant_to_bob(alice, bob):
    def give(scope=Scope.ALL, permission=Permission.READ, **options):
        return sharing.grant_give(actor=alice, professional=bob, scope=scope, permission=permission, **options)

    return give
