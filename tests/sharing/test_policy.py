"""The access policy's rule for records and treatments, table by table: every path in, every scope of a
grant, every action. Treatments belong to the prescription kind (see sharing/policy.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from access import policy
from access.models import Permission, Scope
from access.policy import Action, Channel, LinkVisitor, decide
from sharing import services as sharing
from tests.factories import HealthRecordFactory, PatientFactory, ProfessionalFactory, StaffFactory, TreatmentFactory
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

TREATMENTS = {
    "from_prescription",
    "from_other_prescription",
    "without_prescription",
    "created_by_bob",
    "prescribed_by_bob",
    "from_bobs_prescription",
}
BOBS_OWN = {"created_by_bob", "prescribed_by_bob", "from_bobs_prescription"}
RECORDS = {"prescription", "other_prescription", "imaging", "photo", "bobs_prescription"}

# (scope, its options, the records it covers, the treatments it covers)
SCOPES = {
    "whole file": (Scope.ALL, {}, RECORDS, TREATMENTS),
    "kinds with prescription": (
        Scope.KINDS,
        {"kinds": ["prescription"]},
        {"prescription", "other_prescription", "bobs_prescription"},
        TREATMENTS,
    ),
    "kinds imaging and photo": (
        Scope.KINDS,
        {"kinds": ["imaging", "photo"]},
        {"imaging", "photo", "bobs_prescription"},
        BOBS_OWN,
    ),
    "records with a prescription": (
        Scope.RECORDS,
        {"records": ["prescription", "imaging"]},
        {"prescription", "imaging", "bobs_prescription"},
        {"from_prescription"} | BOBS_OWN,
    ),
    "records without a prescription": (
        Scope.RECORDS,
        {"records": ["imaging"]},
        {"imaging", "bobs_prescription"},
        BOBS_OWN,
    ),
}
# The new treatments each scope may create, by the prescription they come from ("none": without one).
NEW_TREATMENTS = {
    "whole file": {"prescription", "other_prescription", "bobs_prescription", "none"},
    "kinds with prescription": {"prescription", "other_prescription", "bobs_prescription", "none"},
    "kinds imaging and photo": {"bobs_prescription"},
    "records with a prescription": {"prescription", "bobs_prescription"},
    "records without a prescription": {"bobs_prescription"},
}
ACTIONS = [Action.VIEW, Action.DOWNLOAD, Action.COMMENT, Action.CREATE, Action.UPDATE]


@pytest.fixture
def file(alice, bob):
    """Alice's file: records of several kinds (one added by bob) and treatments from each of them."""
    records = {
        "prescription": HealthRecordFactory(patient=alice, kind="prescription"),
        "other_prescription": HealthRecordFactory(patient=alice, kind="prescription"),
        "imaging": HealthRecordFactory(patient=alice, kind="imaging"),
        "photo": HealthRecordFactory(patient=alice, kind="photo"),
        "bobs_prescription": HealthRecordFactory(patient=alice, author=bob, kind="prescription"),
    }
    treatments = {
        "from_prescription": TreatmentFactory(patient=alice, prescription=records["prescription"]),
        "from_other_prescription": TreatmentFactory(patient=alice, prescription=records["other_prescription"]),
        "without_prescription": TreatmentFactory(patient=alice),
        "created_by_bob": TreatmentFactory(patient=alice, created_by=bob),
        "prescribed_by_bob": TreatmentFactory(patient=alice, prescriber=bob),
        "from_bobs_prescription": TreatmentFactory(patient=alice, prescription=records["bobs_prescription"]),
    }
    return {"records": records, "treatments": treatments}


def give(alice, bob, file, scope_name, permission=Permission.CONTRIBUTE):
    scope, options, _records, _treatments = SCOPES[scope_name]
    if "records" in options:
        options = {"records": [file["records"][key] for key in options["records"]]}
    return sharing.grant_give(actor=alice, professional=bob, scope=scope, permission=permission, **options)


def covered_treatments(actor, action, alice, file) -> set[str]:
    return {key for key, treatment in file["treatments"].items() if decide(actor, action, alice, treatment=treatment)}


def covered_records(actor, action, alice, file) -> set[str]:
    return {key for key, record in file["records"].items() if decide(actor, action, alice, record=record)}


@pytest.mark.parametrize("scope_name", sorted(SCOPES))
def test_a_grant_covers_exactly_the_records_and_treatments_of_its_scope(alice, bob, file, scope_name):
    give(alice, bob, file, scope_name)
    _scope, _options, records, treatments = SCOPES[scope_name]

    access = decide(bob, Action.VIEW, alice)

    assert covered_records(bob, Action.VIEW, alice, file) == records
    assert covered_treatments(bob, Action.VIEW, alice, file) == treatments
    listed = policy.treatments_in_scope(access, Treatment.objects.filter(patient=alice))
    assert {key for key, treatment in file["treatments"].items() if treatment in listed} == treatments
    assert access.whole_file == (scope_name == "whole file")


@pytest.mark.parametrize("permission", Permission.values)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("scope_name", sorted(SCOPES))
def test_an_action_on_a_treatment_needs_the_permission_and_the_scope(alice, bob, file, scope_name, action, permission):
    give(alice, bob, file, scope_name, permission)
    allowed = action in policy.GRANT_ACTIONS[permission]

    assert covered_treatments(bob, action, alice, file) == (SCOPES[scope_name][3] if allowed else set())


@pytest.mark.parametrize("scope_name", sorted(SCOPES))
def test_a_new_treatment_is_judged_by_the_prescription_it_comes_from(alice, bob, file, scope_name):
    give(alice, bob, file, scope_name)
    prescriptions = {"prescription", "other_prescription", "bobs_prescription"}

    may_create = {
        key
        for key in prescriptions | {"none"}
        if decide(
            bob,
            Action.CREATE,
            alice,
            treatment=Treatment(patient=alice, prescription=file["records"].get(key)),
        )
    }

    assert may_create == NEW_TREATMENTS[scope_name]


@pytest.mark.parametrize("scope_name", sorted(SCOPES))
def test_a_covered_prescription_shows_only_covered_treatments(alice, bob, file, scope_name):
    """The prescription's page lists its treatments: the two rules must agree."""
    give(alice, bob, file, scope_name)

    for record in file["records"].values():
        if decide(bob, Action.VIEW, alice, record=record):
            assert all(decide(bob, Action.VIEW, alice, treatment=treatment) for treatment in record.treatments.all())


@pytest.mark.parametrize("scope_name", sorted(SCOPES))
def test_a_professional_changes_only_the_records_they_added_within_the_scope(alice, bob, file, scope_name):
    give(alice, bob, file, scope_name)

    assert covered_records(bob, Action.UPDATE, alice, file) == {"bobs_prescription"}


@pytest.mark.parametrize(
    ("scope_name", "enrols_faces"),
    [(name, name == "whole file") for name in sorted(SCOPES)],
)
def test_data_no_record_carries_belongs_to_the_whole_file(alice, bob, file, scope_name, enrols_faces):
    give(alice, bob, file, scope_name)

    assert bool(decide(bob, Action.ENROL_FACE, alice)) is enrols_faces


def test_the_owner_reaches_everything_and_staff_read_it_only_in_the_administration(alice, file):
    staff = StaffFactory()

    for action in ACTIONS:
        assert covered_treatments(alice, action, alice, file) == TREATMENTS
    assert decide(alice, Action.VIEW, alice).whole_file
    admin_reads = {
        key
        for key, t in file["treatments"].items()
        if decide(staff, Action.VIEW, alice, channel=Channel.ADMIN, treatment=t)
    }
    assert admin_reads == TREATMENTS
    assert covered_treatments(staff, Action.VIEW, alice, file) == set()
    assert not decide(
        staff, Action.UPDATE, alice, channel=Channel.ADMIN, treatment=file["treatments"]["from_prescription"]
    )


def test_nobody_else_reaches_a_treatment(alice, file):
    charlie, dave = ProfessionalFactory(), PatientFactory()

    for stranger in (charlie, dave, AnonymousUser(), None):
        assert covered_treatments(stranger, Action.VIEW, alice, file) == set()


def test_a_treatment_of_another_patient_is_never_covered(alice, bob, dave, file):
    give(alice, bob, file, "whole file")

    assert not decide(bob, Action.VIEW, alice, treatment=TreatmentFactory(patient=dave))


def test_a_revoked_grant_covers_nothing(alice, bob, file):
    grant = give(alice, bob, file, "whole file")
    sharing.grant_revoke(actor=alice, grant=grant)

    assert covered_treatments(bob, Action.VIEW, alice, file) == set()


def test_a_share_link_covers_the_treatments_of_its_prescriptions_read_only(alice, file):
    link, _token, _passcode = sharing.share_link_create(
        actor=alice, records=[file["records"]["prescription"], file["records"]["imaging"]]
    )
    visitor = LinkVisitor(link=link, name="Dr Durand")

    access = decide(visitor, Action.VIEW, alice)

    assert covered_records(visitor, Action.VIEW, alice, file) == {"prescription", "imaging"}
    assert covered_treatments(visitor, Action.VIEW, alice, file) == {"from_prescription"}
    assert set(policy.treatments_in_scope(access, Treatment.objects.filter(patient=alice))) == {
        file["treatments"]["from_prescription"]
    }
    assert covered_treatments(visitor, Action.UPDATE, alice, file) == set()
    assert not access.whole_file


def test_break_glass_opens_the_whole_file_read_only(alice, bob, file):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"enabled": True, "break_glass_enabled": True}, visible_sections=[]
    )
    bob.professional_profile.verified, bob.professional_profile.verified_at = True, timezone.now()
    bob.professional_profile.save()
    sharing.break_glass_open(actor=bob, profile=profile, reason="Inconsciente aux urgences")

    access = decide(bob, Action.VIEW, alice)

    assert access.path == "emergency" and access.whole_file
    assert covered_treatments(bob, Action.VIEW, alice, file) == TREATMENTS
    assert covered_treatments(bob, Action.UPDATE, alice, file) == set()


@pytest.mark.parametrize(
    ("scope_name", "proposed", "allowed"),
    [
        ("whole file", (Scope.ALL, []), True),
        ("whole file", (Scope.KINDS, ["lab_result"]), True),
        ("kinds imaging and photo", (Scope.KINDS, ["imaging"]), True),
        ("kinds imaging and photo", (Scope.KINDS, ["imaging", "photo"]), True),
        ("kinds imaging and photo", (Scope.KINDS, ["imaging", "prescription"]), False),
        ("kinds imaging and photo", (Scope.ALL, []), False),
        ("records with a prescription", (Scope.KINDS, ["prescription"]), False),
        ("records with a prescription", (Scope.ALL, []), False),
    ],
)
def test_a_colleague_is_proposed_for_at_most_what_the_proposer_sees(alice, bob, file, scope_name, proposed, allowed):
    give(alice, bob, file, scope_name)
    scope, kinds = proposed

    assert policy.may_propose(decide(bob, Action.VIEW, alice), scope=scope, kinds=kinds) is allowed
