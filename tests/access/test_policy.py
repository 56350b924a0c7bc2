"""The access policy, table by table.

First the whole cast: every path in (owner, staff in the administration and in the app, grants of each
scope and permission, break-glass, expired and revoked grants, share links with and without comments,
expired and revoked links, an anonymous visitor, an inactive professional, another patient, a professional
without a grant, caregivers of each right, pending, revoked or inactive, a guardian, and professionals who are
also the patient's caregiver) against every action, on the patient, on records in and out of scope, archived or added by
the professional, and on treatments of a chosen prescription, of another one, or prescribed by the
professional. Each row states what the actor may do and by which path. On the same cast, `Access.can` and
`patients_for` must answer as `decide` does.

Then the finer rules of scopes for records and treatments (treatments belong to the prescription kind, see
access/policy.py), and what a professional may propose to a colleague."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from access import policy
from access.models import (
    PATIENT_ROLE,
    PRESCRIPTION_KIND,
    AccessPath,
    Caregiver,
    Grant,
    GrantOrigin,
    Permission,
    Scope,
)
from access.policy import Action, Channel, LinkVisitor, decide, patients_for
from accounts.models import Role
from health_records.models import RecordKind
from sharing import services as sharing
from tests.factories import HealthRecordFactory, PatientFactory, ProfessionalFactory, StaffFactory, TreatmentFactory
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

# --- The whole cast -------------------------------------------------------------------------------

# What an actor may be asked about: the patient's file as such (no record), records, treatments.
TARGETS = [
    "file",
    "record in scope",
    "record out of scope",
    "archived record",
    "record by the professional",
    "treatment of the chosen prescription",
    "treatment of another prescription",
    "treatment prescribed by the professional",
]
RECORD_TARGETS = {target for target in TARGETS if target.startswith(("record", "archived"))}
EVERYTHING = set(TARGETS)
# What each scope of a grant covers (an archived record is nobody's but the owner's and staff's).
KINDS_SCOPE = {"file", "record in scope", "record by the professional", "treatment prescribed by the professional"}
RECORDS_SCOPE = KINDS_SCOPE | {"treatment of the chosen prescription"}
WHOLE_FILE = EVERYTHING - {"archived record"}
# A link shares the record in scope, the (later archived) record and the chosen prescription.
ON_THE_LINK = {"file", "record in scope", "treatment of the chosen prescription"}

READ = {Action.VIEW, Action.DOWNLOAD}
COMMENT = READ | {Action.COMMENT}
CONTRIBUTE = COMMENT | {Action.CREATE, Action.UPDATE, Action.ENROL_FACE}


@dataclass(frozen=True)
class Row:
    """An actor, and what the policy lets them do: `actions` on `targets`, by `path`. A professional
    changes (UPDATE) only the records they added: `updates` are the record targets UPDATE reaches. An actor
    with two paths (a professional who is also the patient's caregiver) goes `otherwise` for what the
    first does not allow."""

    actor: str
    path: AccessPath | None = None
    actions: set = field(default_factory=set)
    targets: set = field(default_factory=set)
    updates: set | None = None
    otherwise: "Row | None" = None

    def expected(self, target: str, action: Action) -> tuple[bool, AccessPath | None]:
        allowed = action in self.actions and target in self.targets
        if allowed and action == Action.UPDATE and self.updates is not None and target in RECORD_TARGETS:
            allowed = target in self.updates
        if not allowed and self.otherwise is not None:
            return self.otherwise.expected(target, action)
        return allowed, (self.path if allowed else None)


ALL_ACTIONS = set(Action)
OWN_RECORD = {"record by the professional"}
# A caregiver who sees treatments sees them all, and no record.
TREATMENT_TARGETS = {target for target in TARGETS if target.startswith("treatment")}
CAREGIVER_REACH = {"file"} | TREATMENT_TARGETS
ANSWER = READ | {Action.ANSWER_DOSE}
# Managing the file is all the owner does but sharing it; a guardian shares it too.
MANAGE = ALL_ACTIONS - {Action.SHARE}
TABLE = [
    Row("owner", AccessPath.OWNER, ALL_ACTIONS, EVERYTHING),
    Row("staff in the administration", AccessPath.STAFF, READ, EVERYTHING),
    Row("staff in the app"),
    Row("grant whole file, read", AccessPath.GRANT, READ, WHOLE_FILE),
    Row("grant whole file, comment", AccessPath.GRANT, COMMENT, WHOLE_FILE),
    Row("grant whole file, contribute", AccessPath.GRANT, CONTRIBUTE, WHOLE_FILE, OWN_RECORD),
    Row("grant kinds, read", AccessPath.GRANT, READ, KINDS_SCOPE),
    Row("grant kinds, comment", AccessPath.GRANT, COMMENT, KINDS_SCOPE),
    Row("grant kinds, contribute", AccessPath.GRANT, CONTRIBUTE - {Action.ENROL_FACE}, KINDS_SCOPE, OWN_RECORD),
    Row("grant records, read", AccessPath.GRANT, READ, RECORDS_SCOPE),
    Row("grant records, comment", AccessPath.GRANT, COMMENT, RECORDS_SCOPE),
    Row("grant records, contribute", AccessPath.GRANT, CONTRIBUTE - {Action.ENROL_FACE}, RECORDS_SCOPE, OWN_RECORD),
    Row("grant in the administration"),
    Row("break-glass", AccessPath.EMERGENCY, READ, WHOLE_FILE),
    Row("expired grant"),
    Row("revoked grant"),
    Row("link without comments", AccessPath.LINK, READ, ON_THE_LINK),
    Row("link with comments", AccessPath.LINK, COMMENT, ON_THE_LINK),
    Row("expired link"),
    Row("revoked link"),
    Row("anonymous visitor"),
    Row("nobody"),
    Row("inactive professional with a grant"),
    Row("another patient"),
    Row("professional without a grant"),
    Row("caregiver seeing treatments", AccessPath.CAREGIVER, READ, CAREGIVER_REACH),
    Row("caregiver answering doses", AccessPath.CAREGIVER, ANSWER, CAREGIVER_REACH),
    Row("caregiver answering doses, not asked to see treatments", AccessPath.CAREGIVER, ANSWER, CAREGIVER_REACH),
    Row("caregiver alerted of missed doses only"),
    Row("caregiver managing the file", AccessPath.CAREGIVER, MANAGE, EVERYTHING),
    Row("guardian", AccessPath.GUARDIAN, ALL_ACTIONS, EVERYTHING),
    Row("caregiver who has not accepted yet"),
    Row("revoked caregiver"),
    Row("inactive caregiver"),
    Row("caregiver in the administration"),
    Row("caregiver of another patient"),
    Row(
        "grant records, read, and caregiver answering doses",
        AccessPath.GRANT,
        READ,
        RECORDS_SCOPE,
        otherwise=Row("", AccessPath.CAREGIVER, ANSWER, CAREGIVER_REACH),
    ),
    Row(
        "grant kinds, contribute, and caregiver managing the file",
        AccessPath.GRANT,
        CONTRIBUTE - {Action.ENROL_FACE},
        KINDS_SCOPE,
        OWN_RECORD,
        otherwise=Row("", AccessPath.CAREGIVER, MANAGE, EVERYTHING),
    ),
    Row("revoked grant, and caregiver seeing treatments", AccessPath.CAREGIVER, READ, CAREGIVER_REACH),
]


@pytest.fixture
def cast(alice, dave):
    """Alice's file, and a professional (`pro`) who added one record and prescribed one treatment."""
    pro = ProfessionalFactory()
    chosen = HealthRecordFactory(patient=alice, kind="prescription")
    other = HealthRecordFactory(patient=alice, kind="prescription")
    records = {
        "record in scope": HealthRecordFactory(patient=alice, kind="imaging"),
        "record out of scope": HealthRecordFactory(patient=alice, kind="lab_result"),
        "archived record": HealthRecordFactory(patient=alice, kind="imaging"),
        "record by the professional": HealthRecordFactory(patient=alice, author=pro, kind="lab_result"),
    }
    treatments = {
        "treatment of the chosen prescription": TreatmentFactory(patient=alice, prescription=chosen),
        "treatment of another prescription": TreatmentFactory(patient=alice, prescription=other),
        "treatment prescribed by the professional": TreatmentFactory(patient=alice, prescriber=pro),
    }
    return {
        "alice": alice,
        "dave": dave,
        "pro": pro,
        "chosen": chosen,
        "records": records,
        "treatments": treatments,
    }


def _grant(cast, professional=None, *, scope=Scope.ALL, permission=Permission.CONTRIBUTE, **fields):
    alice = cast["alice"]
    grant = Grant.objects.create(
        patient=alice,
        professional=professional or cast["pro"],
        scope=scope,
        permission=permission,
        kinds=["imaging"] if scope == Scope.KINDS else [],
        created_by=alice,
        **fields,
    )
    if scope == Scope.RECORDS:
        grant.records.set([cast["records"]["record in scope"], cast["records"]["archived record"], cast["chosen"]])
    return grant


def _link(cast, *, allow_comments=False):
    records = [cast["records"]["record in scope"], cast["records"]["archived record"], cast["chosen"]]
    link, _token, _passcode = sharing.share_link_create(
        actor=cast["alice"], records=records, allow_comments=allow_comments
    )
    return link


SCOPE_OF = {"whole file": Scope.ALL, "kinds": Scope.KINDS, "records": Scope.RECORDS}
CAREGIVER_RIGHTS = {
    "seeing treatments": {"view_treatments": True},
    "answering doses": {"view_treatments": True, "answer_doses": True},
    "answering doses, not asked to see treatments": {"view_treatments": False, "answer_doses": True},
    "alerted of missed doses only": {"view_treatments": False, "missed_dose_alerts": True},
    "managing the file": {"manage_file": True},
}


def _caregiver(cast, member=None, patient=None, **fields):
    """A caregiver in force (accepted) of alice, unless `fields` say otherwise."""
    fields = {"accepted_at": timezone.now(), **fields}
    member = member or PatientFactory()
    patient = patient or cast["alice"]
    Caregiver.objects.create(patient=patient, caregiver=member, created_by=patient, **fields)
    return member


def _caregiver_actor(name: str, cast):
    now = timezone.now()
    if name.startswith("caregiver ") and name.removeprefix("caregiver ") in CAREGIVER_RIGHTS:
        return _caregiver(cast, **CAREGIVER_RIGHTS[name.removeprefix("caregiver ")]), Channel.APP
    if name == "guardian":
        return _caregiver(cast, guardian=True), Channel.APP
    if name == "caregiver who has not accepted yet":
        return _caregiver(cast, manage_file=True, accepted_at=None), Channel.APP
    if name == "revoked caregiver":
        return _caregiver(cast, manage_file=True, revoked_at=now, revoked_by=cast["alice"]), Channel.APP
    if name == "inactive caregiver":
        return _caregiver(cast, PatientFactory(is_active=False), manage_file=True), Channel.APP
    if name == "caregiver in the administration":
        # The administration is staff's only; a caregiver's rights are in the app.
        return _caregiver(cast, manage_file=True), Channel.ADMIN
    if name == "caregiver of another patient":
        return _caregiver(cast, patient=cast["dave"], manage_file=True), Channel.APP
    if name == "grant records, read, and caregiver answering doses":
        _grant(cast, scope=Scope.RECORDS, permission=Permission.READ)
        return _caregiver(cast, cast["pro"], answer_doses=True), Channel.APP
    if name == "grant kinds, contribute, and caregiver managing the file":
        _grant(cast, scope=Scope.KINDS)
        return _caregiver(cast, cast["pro"], manage_file=True), Channel.APP
    if name == "revoked grant, and caregiver seeing treatments":
        _grant(cast, revoked_at=now, revoked_by=cast["alice"])
        return _caregiver(cast, cast["pro"]), Channel.APP
    raise AssertionError(name)


def _actor(name: str, cast):
    """Makes the row's actor in the cast: returns (actor, channel)."""
    now = timezone.now()
    if "caregiver" in name or name == "guardian":
        return _caregiver_actor(name, cast)
    if name == "owner":
        return cast["alice"], Channel.APP
    if name.startswith("staff"):
        return StaffFactory(), Channel.ADMIN if "administration" in name else Channel.APP
    if name.startswith("grant"):
        if name == "grant in the administration":
            _grant(cast)
            return cast["pro"], Channel.ADMIN
        scope, permission = name.removeprefix("grant ").split(", ")
        _grant(cast, scope=SCOPE_OF[scope], permission=permission)
        return cast["pro"], Channel.APP
    if name == "break-glass":
        _grant(
            cast,
            permission=Permission.READ,
            origin=GrantOrigin.BREAK_GLASS,
            reason="Inconsciente aux urgences",
            ends_at=now + datetime.timedelta(hours=24),
        )
        return cast["pro"], Channel.APP
    if name == "expired grant":
        _grant(cast, starts_at=now - datetime.timedelta(days=2), ends_at=now - datetime.timedelta(days=1))
        return cast["pro"], Channel.APP
    if name == "revoked grant":
        _grant(cast, revoked_at=now, revoked_by=cast["alice"])
        return cast["pro"], Channel.APP
    if name.startswith("link"):
        return LinkVisitor(link=_link(cast, allow_comments=name == "link with comments"), name="Dr Durand"), Channel.APP
    if name == "expired link":
        link = _link(cast, allow_comments=True)
        link.created_at, link.expires_at = now - datetime.timedelta(days=2), now - datetime.timedelta(days=1)
        link.save()
        return LinkVisitor(link=link, name="Dr Durand"), Channel.APP
    if name == "revoked link":
        link = _link(cast, allow_comments=True)
        link.revoked_at = now
        link.save()
        return LinkVisitor(link=link, name="Dr Durand"), Channel.APP
    if name == "anonymous visitor":
        return AnonymousUser(), Channel.APP
    if name == "nobody":
        return None, Channel.APP
    if name == "inactive professional with a grant":
        inactive = ProfessionalFactory(is_active=False)
        _grant(cast, inactive)
        return inactive, Channel.APP
    if name == "another patient":
        return cast["dave"], Channel.APP
    if name == "professional without a grant":
        return ProfessionalFactory(), Channel.APP
    raise AssertionError(name)


def _targets(cast) -> dict:
    """Each target as decide's keyword arguments."""
    targets = {"file": {}}
    targets.update({name: {"record": record} for name, record in cast["records"].items()})
    targets.update({name: {"treatment": treatment} for name, treatment in cast["treatments"].items()})
    return targets


@pytest.fixture
def table(cast):
    """Runs a row: its actor is made, then the record is archived (a link may share it only before)."""

    def run(row: Row):
        actor, channel = _actor(row.actor, cast)
        archived = cast["records"]["archived record"]
        archived.archived_at, archived.archived_by = timezone.now(), cast["alice"]
        archived.save()
        return actor, channel

    return run


@pytest.mark.parametrize("row", TABLE, ids=[row.actor for row in TABLE])
def test_every_path_against_every_action_and_target(cast, table, row):
    actor, channel = table(row)
    alice = cast["alice"]

    answers = {
        (target, action): (lambda access: (access.allowed, access.path))(
            decide(actor, action, alice, channel=channel, **kwargs)
        )
        for target, kwargs in _targets(cast).items()
        for action in Action
    }

    expected = {(target, action): row.expected(target, action) for target in TARGETS for action in Action}
    assert {key: value for key, value in answers.items() if value != expected[key]} == {}


@pytest.mark.parametrize("row", TABLE, ids=[row.actor for row in TABLE])
def test_access_can_answers_as_decide_for_every_other_action(cast, table, row):
    actor, channel = table(row)
    alice = cast["alice"]

    for target, kwargs in _targets(cast).items():
        decided = {action: bool(decide(actor, action, alice, channel=channel, **kwargs)) for action in Action}
        for asked in Action:
            access = decide(actor, asked, alice, channel=channel, **kwargs)
            assert {action: access.can(action) for action in Action} == decided, (target, asked)


@pytest.mark.parametrize("row", TABLE, ids=[row.actor for row in TABLE])
def test_patients_for_lists_the_patients_decide_allows(cast, table, row):
    actor, channel = table(row)
    # Every patient and every user of the cast: patients_for lists patients only, and only those.
    everyone = [cast["alice"], cast["dave"], cast["pro"], *PatientFactory.create_batch(2)]
    if actor is not None and getattr(actor, "pk", None) is not None and actor not in everyone:
        everyone.append(actor)

    for action in Action:
        listed = set(patients_for(actor, action, channel=channel))
        allowed = {user for user in everyone if decide(actor, action, user, channel=channel)}
        assert listed == allowed, action
        assert cast["alice"] in listed or not row.expected("file", action)[0]


def test_patients_for_is_one_query(cast, django_assert_num_queries):
    _grant(cast, scope=Scope.KINDS)
    _grant(cast, ProfessionalFactory())

    with django_assert_num_queries(1):
        assert list(patients_for(cast["pro"], Action.CREATE)) == [cast["alice"]]


def test_denied_and_made_up_accesses_allow_nothing():
    assert not any(policy.DENIED.can(action) for action in Action)
    assert not policy.Access(True, AccessPath.OWNER).can(Action.VIEW)


@pytest.mark.parametrize(
    ("row_name", "sees"),
    [
        ("owner", False),
        ("staff in the administration", False),
        ("grant records, read", True),
        ("break-glass", True),
        ("link with comments", False),
        ("anonymous visitor", False),
        ("professional without a grant", False),
    ],
)
def test_only_professionals_through_a_grant_see_professionals_only_comments(cast, table, row_name, sees):
    actor, channel = table(Row(row_name))

    access = decide(actor, Action.VIEW, cast["alice"], channel=channel)

    assert policy.sees_professional_comments(actor, access) is sees


def test_the_foundation_names_the_values_of_the_apps_above_it():
    assert PATIENT_ROLE == Role.PATIENT
    assert PRESCRIPTION_KIND == RecordKind.PRESCRIPTION


# --- Scopes of a grant, for records and treatments ------------------------------------------------

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


# --- Caregivers ------------------------------------------------------------------------------------


def test_a_caregiver_who_sees_treatments_sees_them_all_and_no_record(alice, file):
    carol = _caregiver({"alice": alice}, view_treatments=True)

    access = decide(carol, Action.VIEW, alice)

    assert access.path == AccessPath.CAREGIVER and access.treatments is None and not access.whole_file
    assert not policy.reaches_records(access)
    assert covered_treatments(carol, Action.VIEW, alice, file) == TREATMENTS
    assert covered_records(carol, Action.VIEW, alice, file) == set()


def test_a_caregiver_who_manages_the_file_has_it_whole_but_shares_nothing(alice, file):
    gwen = _caregiver({"alice": alice}, manage_file=True)

    access = decide(gwen, Action.VIEW, alice)

    assert access.whole_file and policy.reaches_records(access)
    assert covered_records(gwen, Action.UPDATE, alice, file) == RECORDS
    assert not decide(gwen, Action.SHARE, alice)
    assert alice not in patients_for(gwen, Action.SHARE)


def test_a_guardian_shares_the_file_of_the_dependant(alice):
    parent = _caregiver({"alice": alice}, guardian=True)

    assert decide(parent, Action.SHARE, alice).path == AccessPath.GUARDIAN
    assert set(patients_for(parent, Action.SHARE)) == {parent, alice}


def test_a_professional_who_also_helps_sees_in_the_lists_what_either_path_reaches(alice, bob, file):
    give(alice, bob, file, "records with a prescription", Permission.READ)
    _caregiver({"alice": alice}, bob, view_treatments=True)

    access = decide(bob, Action.VIEW, alice)

    assert access.path == AccessPath.GRANT and access.treatments is None
    assert covered_records(bob, Action.VIEW, alice, file) == SCOPES["records with a prescription"][2]
    assert covered_treatments(bob, Action.VIEW, alice, file) == TREATMENTS
    treatments = file["treatments"]
    assert decide(bob, Action.VIEW, alice, treatment=treatments["from_prescription"]).path == AccessPath.GRANT
    assert decide(bob, Action.VIEW, alice, treatment=treatments["created_by_bob"]).path == AccessPath.GRANT
    assert decide(bob, Action.VIEW, alice, treatment=treatments["from_other_prescription"]).path == (
        AccessPath.CAREGIVER
    )


def test_patients_for_with_caregivers_is_one_query(alice, dave, django_assert_num_queries):
    carol = _caregiver({"alice": alice}, answer_doses=True)
    _caregiver({"alice": dave}, carol, view_treatments=False, missed_dose_alerts=True)

    with django_assert_num_queries(1):
        assert set(patients_for(carol, Action.ANSWER_DOSE)) == {carol, alice}
