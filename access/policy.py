"""The access policy: the one place that decides whether an actor may do an action on a patient's data.

Every view, API endpoint, download and admin page asks here, through the selectors and services.
The paths in, checked in order:
- owner: the patient themself, who may do everything;
- staff: ReLyfe staff, who only read, and only through the audited administration;
- grant: a professional the patient gave access to (scope: whole file, chosen records or kinds;
  permission: read, + comment, + add records). A break-glass grant reads as emergency access;
- link: whoever holds a share link, for the records on the link only, read (and comment if allowed);
- caregiver: a member the patient chose to help them (`access.models.Caregiver`), in force once they
  accepted, with the rights the patient gave: see the treatments and doses (read, treatments only: no
  record), answer doses (the `ANSWER_DOSE` action, which no professional has; it includes seeing what they
  answer), manage the whole file (every action as the owner, but sharing: who else sees the file, and who
  else helps, stays the patient's own choice); a dependant's parent or guardian manages the whole file,
  sharing included, logged as the guardian path. Being alerted of missed doses reads nothing here: the
  alert is sent to them. A professional who is also the patient's caregiver acts through their grant
  first and through the caregiver row for what the grant does not allow: a list (no record or treatment
  asked) covers what either covers, logged as the grant.
An answer is an `Access`: allowed or not, by which path (written into the access log), and which of the
patient's records and treatments it covers.

What a scope covers:
- records: the whole file; or the chosen kinds; or the chosen records. A professional always sees the
  records they added.
- treatments (with their medications, doses, adherence chart and plan of the day) are part of the
  prescription kind: the whole file sees them all; a kinds grant sees them all when "prescription" is among
  its kinds; a records grant sees the treatments of its chosen prescriptions; a share link those of the
  prescriptions on the link. A professional always sees the treatments they prescribed or created and those
  of the prescriptions they added. A treatment is judged by `decide(..., treatment=...)`, as a record is by
  `record=`; lists are narrowed with `treatments_in_scope`. A patient's treatments page opens when the
  access covers all their treatments or at least one of them: otherwise it is a 404, so that a scoped
  professional learns nothing, not even whether there are any.
- creating or changing a treatment or a medication needs a permission that adds to the file AND a scope
  that covers that treatment: a new one is judged by its prescription (the professional's authorship does
  not count before it exists), so a records grant adds treatments only from its chosen prescriptions.
- readings of a prescription are governed by their record.
- the rest of the patient-level data, which no record carries (the patient's face and consent, the
  emergency profile's medical fields), belongs to the whole file (`Access.whole_file`): only the owner,
  staff in the administration and a whole-file grant (break-glass is one) may reach it. Today the app
  shows the emergency profile's fields to the patient only, and on the emergency page the sections the
  patient made public to anyone holding the Heart-Code: a professional with the whole file goes to the
  file instead, a scoped one reads that public page like any visitor.
- proposing a colleague passes on at most what the proposer sees (`may_propose`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from access.models import PATIENT_ROLE, AccessPath, Caregiver, Grant, GrantOrigin, Scope
from access.types import EmergencyProfileLike, RecordLike, ShareLinkLike, TreatmentLike

if TYPE_CHECKING:
    # The patient is the user model itself. Imported for type checking only: accounts is above access.
    from accounts.models import User


class Action(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"
    COMMENT = "comment"
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    SHARE = "share"
    VIEW_ACCESS_LOG = "view_access_log"
    ENROL_FACE = "enrol_face"
    # Saying a dose was taken or skipped: the patient's own answer, or a caregiver's they allowed.
    ANSWER_DOSE = "answer_dose"


class Channel(StrEnum):
    """Where the request comes from: the web UI and API, or the Django admin."""

    APP = "app"
    ADMIN = "admin"


ALL_ACTIONS = frozenset(Action)
# Staff read health data only in the administration, where every page is audited; they never edit it.
STAFF_ADMIN_ACTIONS = frozenset({Action.VIEW, Action.DOWNLOAD})
READ_ACTIONS = frozenset({Action.VIEW, Action.DOWNLOAD})
GRANT_ACTIONS: dict[str, frozenset[Action]] = {
    "read": READ_ACTIONS,
    "comment": READ_ACTIONS | {Action.COMMENT},
    # Enrolling a face is adding to the file, and needs the patient's recorded consent besides (faces app).
    "contribute": READ_ACTIONS | {Action.COMMENT, Action.CREATE, Action.UPDATE, Action.ENROL_FACE},
}
# Actions on patient-level data that no record carries: the whole file only.
WHOLE_FILE_ACTIONS = frozenset({Action.ENROL_FACE})
NO_ACTIONS: frozenset[Action] = frozenset()
# A caregiver who sees treatments and doses reads them; one who answers doses also sees what they answer.
CAREGIVER_VIEW_ACTIONS = READ_ACTIONS
CAREGIVER_ANSWER_ACTIONS = READ_ACTIONS | {Action.ANSWER_DOSE}
# Managing the file is everything the owner does but sharing it: a caregiver does not choose who else sees
# the patient's file or helps them. A guardian, who answers for a dependant, does.
CAREGIVER_MANAGE_ACTIONS = ALL_ACTIONS - {Action.SHARE}
GUARDIAN_ACTIONS = ALL_ACTIONS
# The records filter of an access that reaches none (a caregiver who sees treatments only).
NO_RECORDS = Q(pk__in=[])
_QuerySetT = TypeVar("_QuerySetT", bound="QuerySet[Any]")


@dataclass(frozen=True)
class LinkVisitor:
    """Someone who opened a share link and said who they are; not a member session."""

    link: ShareLinkLike
    name: str
    profession: str = ""
    is_authenticated: bool = field(default=False, init=False)
    is_active: bool = field(default=True, init=False)

    @property
    def full_name(self) -> str:
        # Stored as a comment's author and in the access log: no words, so that each reader's page says
        # "through a share link" in their own language.
        return f"{self.name} ({self.profession})" if self.profession else self.name


# Who asks: a member (patient, professional, staff), a share-link visitor, an anonymous visitor, or nobody.
Actor: TypeAlias = "User | LinkVisitor | AnonymousUser | None"


@dataclass(frozen=True)
class Access:
    allowed: bool
    path: AccessPath | None = None
    # Which of the patient's records this access covers: None for all of them.
    records: Q | None = None
    grant: Grant | None = None
    link: ShareLinkLike | None = None
    # Which of the patient's treatments (a filter on Treatment): None for all of them.
    treatments: Q | None = None
    # The whole file: every record, every treatment and the patient-level data no record carries.
    whole_file: bool = False
    # What `decide` found before looking at the action, so that `can` answers for the other actions.
    _basis: _Basis | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def logged_path(self) -> AccessPath:
        """The path the access log records: only an allowed access has one."""
        if self.path is None:
            raise ValueError("A denied access is not logged: there was no access.")
        return self.path

    def can(self, action: Action) -> bool:
        """Whether the same actor may do `action` on the same patient (and record or treatment): what
        `decide` would answer for `action`, without asking it again. A page decides once, then asks
        `access.can(Action.COMMENT)`, `access.can(Action.CREATE)`... An access that `decide` did not make
        (DENIED included) allows nothing."""
        return self._basis is not None and self._basis.allows(action)


DENIED = Access(False)


class _Basis:
    """What `decide` finds for one actor, patient, channel, record and treatment before it looks at the
    action: the actions the path allows, whether the record and the treatment are within its scope (asked
    once, and only when an action is allowed: it may cost a query), and the access it gives."""

    def __init__(
        self,
        actions: frozenset[Action] = NO_ACTIONS,
        *,
        path: AccessPath | None = None,
        records: Q | None = None,
        grant: Grant | None = None,
        link: ShareLinkLike | None = None,
        treatments: Q | None = None,
        whole_file: bool = False,
        in_scope: Callable[[], bool] | None = None,
    ) -> None:
        self.actions = actions
        self.path = path
        self.records = records
        self.grant = grant
        self.link = link
        self.treatments = treatments
        self.whole_file = whole_file
        self._in_scope = in_scope
        self._scope_answer: bool | None = None

    def allows(self, action: Action) -> bool:
        if action not in self.actions:
            return False
        if self._in_scope is None:
            return True
        if self._scope_answer is None:
            self._scope_answer = self._in_scope()
        return self._scope_answer

    def access(self, action: Action) -> Access:
        if not self.allows(action):
            return Access(False, _basis=self)
        return Access(
            True,
            self.path,
            records=self.records,
            grant=self.grant,
            link=self.link,
            treatments=self.treatments,
            whole_file=self.whole_file,
            _basis=self,
        )


_NOTHING = _Basis()


def _union(first: Q | None, second: Q | None) -> Q | None:
    """Two filters' union, None standing for everything."""
    return None if first is None or second is None else first | second


class _EitherBasis(_Basis):
    """Two paths for one actor (a professional's grant, then their caregiver row): an action goes through
    the first path that allows it. When both do, the access is the first one's, widened to what the second
    covers, so that a list shows what either path reaches."""

    def __init__(self, first: _Basis, second: _Basis) -> None:
        super().__init__(first.actions | second.actions)
        self.first = first
        self.second = second

    def allows(self, action: Action) -> bool:
        return self.first.allows(action) or self.second.allows(action)

    def access(self, action: Action) -> Access:
        if not self.first.allows(action):
            return dataclasses.replace(self.second.access(action), _basis=self)
        access = self.first.access(action)
        if not self.second.allows(action):
            return dataclasses.replace(access, _basis=self)
        return dataclasses.replace(
            access,
            records=_union(access.records, self.second.records),
            treatments=_union(access.treatments, self.second.treatments),
            whole_file=access.whole_file or self.second.whole_file,
            _basis=self,
        )


def decide(
    actor: Actor,
    action: Action,
    patient: User,
    *,
    channel: Channel = Channel.APP,
    record: RecordLike | None = None,
    treatment: TreatmentLike | None = None,
) -> Access:
    """May `actor` (a user, a link visitor or an anonymous visitor) do `action` on data of `patient`,
    and on `record` or `treatment` (saved, or about to be created) when one is given? The answer also
    says, through `Access.can`, what the same actor may do besides."""
    return _basis(actor, patient, channel, record, treatment).access(action)


def _basis(
    actor: Actor, patient: User, channel: Channel, record: RecordLike | None, treatment: TreatmentLike | None
) -> _Basis:
    if actor is None or not patient.is_patient:
        return _NOTHING
    if treatment is not None and treatment.patient_id != patient.pk:
        return _NOTHING
    if isinstance(actor, LinkVisitor):
        return _through_link(actor, patient, record, treatment)
    if isinstance(actor, AnonymousUser) or not actor.is_authenticated or not actor.is_active:
        return _NOTHING
    if actor.pk == patient.pk:
        return _Basis(ALL_ACTIONS, path=AccessPath.OWNER, whole_file=True)
    if channel == Channel.ADMIN:
        if actor.is_staff:
            return _Basis(STAFF_ADMIN_ACTIONS, path=AccessPath.STAFF, whole_file=True)
        return _NOTHING
    caregiver = _active_caregiver(patient, actor)
    through_caregiver = _NOTHING if caregiver is None else _through_caregiver(caregiver, record)
    if actor.is_professional:
        through_grant = _through_grant(actor, patient, record, treatment)
        if through_grant is _NOTHING:
            return through_caregiver
        if through_caregiver is _NOTHING:
            return through_grant
        return _EitherBasis(through_grant, through_caregiver)
    return through_caregiver


# The caregiver row and the grant of a pair, in SQL: every page a member opens on someone else's file asks both,
# and the ORM took longer to build these queries than the database to answer them (bench/timeline.py). The
# conditions are Caregiver.objects.active()'s and Grant.objects.active()'s (tests/access/test_policy_rows.py
# holds them to it); each pair has at most one unrevoked row (their UniqueConstraints).
_ACTIVE_CAREGIVER = (
    "SELECT * FROM {table} WHERE patient_id = %s AND caregiver_id = %s AND revoked_at IS NULL"
    " AND accepted_at IS NOT NULL"
)
_ACTIVE_GRANT = (
    "SELECT * FROM {table} WHERE patient_id = %s AND professional_id = %s AND revoked_at IS NULL"
    " AND starts_at <= %s AND (ends_at IS NULL OR ends_at > %s)"
)


def _active_caregiver(patient: User, member: User) -> Caregiver | None:
    sql = _ACTIVE_CAREGIVER.format(table=Caregiver._meta.db_table)
    return next(iter(Caregiver.objects.raw(sql, [patient.pk, member.pk])), None)


def _active_grant(patient: User, professional: User) -> Grant | None:
    now = timezone.now()
    sql = _ACTIVE_GRANT.format(table=Grant._meta.db_table)
    return next(iter(Grant.objects.raw(sql, [patient.pk, professional.pk, now, now])), None)


def _through_caregiver(caregiver: Caregiver, record: RecordLike | None) -> _Basis:
    """A guardian or a caregiver who manages the file: the whole file. Otherwise the treatments and their
    doses, no record."""
    if caregiver.guardian:
        return _Basis(GUARDIAN_ACTIONS, path=AccessPath.GUARDIAN, whole_file=True)
    if caregiver.manage_file:
        return _Basis(CAREGIVER_MANAGE_ACTIONS, path=AccessPath.CAREGIVER, whole_file=True)
    if caregiver.answer_doses:
        actions = CAREGIVER_ANSWER_ACTIONS
    elif caregiver.view_treatments:
        actions = CAREGIVER_VIEW_ACTIONS
    else:
        return _NOTHING
    return _Basis(
        actions,
        path=AccessPath.CAREGIVER,
        records=NO_RECORDS,
        treatments=None,
        in_scope=(lambda: False) if record is not None else None,
    )


def _through_grant(
    professional: User, patient: User, record: RecordLike | None, treatment: TreatmentLike | None
) -> _Basis:
    grant = _active_grant(patient, professional)
    if grant is None:
        return _NOTHING
    whole_file = grant.scope == Scope.ALL
    actions = GRANT_ACTIONS[grant.permission]
    if not whole_file:
        actions -= WHOLE_FILE_ACTIONS
    # Adding to a file is not rewriting it: a professional changes only the records they added.
    if record is not None and record.author_id != professional.pk:
        actions -= {Action.UPDATE}

    def in_scope() -> bool:
        if record is not None and (record.is_archived or not grant.covers(record)):
            return False
        return treatment is None or grant.covers_treatment(treatment)

    return _Basis(
        actions,
        path=AccessPath.EMERGENCY if grant.origin == GrantOrigin.BREAK_GLASS else AccessPath.GRANT,
        # None for the whole file, as for the owner: the pages read every record without a filter to apply.
        records=None if whole_file else grant.records_filter(),
        grant=grant,
        treatments=None if grant.covers_all_treatments else grant.treatments_filter(),
        whole_file=whole_file,
        in_scope=in_scope if record is not None or treatment is not None else None,
    )


def _link_actions(link: ShareLinkLike) -> frozenset[Action]:
    return READ_ACTIONS | ({Action.COMMENT} if link.allow_comments else NO_ACTIONS)


def _through_link(
    visitor: LinkVisitor, patient: User, record: RecordLike | None, treatment: TreatmentLike | None
) -> _Basis:
    link = visitor.link
    if link.patient_id != patient.pk or not link.is_usable:
        return _NOTHING

    def in_scope() -> bool:
        if record is not None and (record.is_archived or not link.records.filter(pk=record.pk).exists()):
            return False
        return treatment is None or link.records.filter(pk=treatment.prescription_id).exists()

    shared = link.records.values("pk")
    return _Basis(
        _link_actions(link),
        path=AccessPath.LINK,
        records=Q(pk__in=shared),
        link=link,
        treatments=Q(prescription__in=shared),
        in_scope=in_scope if record is not None or treatment is not None else None,
    )


def patients_for(actor: Actor, action: Action, *, channel: Channel = Channel.APP) -> QuerySet[User]:
    """The patients on whose data `actor` may do `action`, in one query: those for whom
    `decide(actor, action, patient, channel=channel)` allows it. The owner for themself; a professional
    for the patients whose grant in force allows the action; a caregiver (in the app) for the patients whose
    caregiver row in force allows it; a link visitor for the link's patient; staff every patient in the
    administration, none in the app."""
    patients: QuerySet[User] = get_user_model()._default_manager.filter(role=PATIENT_ROLE)
    if actor is None:
        return patients.none()
    if isinstance(actor, LinkVisitor):
        link = actor.link
        if not link.is_usable or action not in _link_actions(link):
            return patients.none()
        return patients.filter(pk=link.patient_id)
    if isinstance(actor, AnonymousUser) or not actor.is_authenticated or not actor.is_active:
        return patients.none()
    reach = Q(pk=actor.pk)
    if channel == Channel.ADMIN:
        if actor.is_staff and action in STAFF_ADMIN_ACTIONS:
            return patients
    elif actor.is_professional:
        permissions = [permission for permission, actions in GRANT_ACTIONS.items() if action in actions]
        grants = Grant.objects.active().filter(professional=actor, permission__in=permissions)
        if action in WHOLE_FILE_ACTIONS:
            grants = grants.filter(scope=Scope.ALL)
        reach |= Q(pk__in=grants.values("patient_id"))
    if channel == Channel.APP:
        reach |= Q(pk__in=_caregivers_allowing(action).filter(caregiver=actor).values("patient_id"))
    return patients.filter(reach)


def _caregivers_allowing(action: Action) -> QuerySet[Caregiver]:
    """The caregivers in force whose rights allow `action` (as `_through_caregiver` decides it)."""
    allowing = Q(guardian=True)
    if action in CAREGIVER_MANAGE_ACTIONS:
        allowing |= Q(manage_file=True)
    if action in CAREGIVER_ANSWER_ACTIONS:
        allowing |= Q(answer_doses=True)
    if action in CAREGIVER_VIEW_ACTIONS:
        allowing |= Q(view_treatments=True)
    return Caregiver.objects.active().filter(allowing)


def sees_professional_comments(viewer: Actor, access: Access) -> bool:
    """Professionals-only comments are kept to professional members who reach the record through a grant
    (break-glass included): never the patient, never a share-link holder (whatever profession they state),
    never staff."""
    if viewer is None or isinstance(viewer, LinkVisitor | AnonymousUser) or not viewer.is_authenticated:
        return False
    return viewer.is_professional and access.path in (AccessPath.GRANT, AccessPath.EMERGENCY)


def reaches_records(access: Access) -> bool:
    """Whether `access` reaches any of the patient's records at all: a caregiver who sees treatments only
    does not, and the pages listing records are a 404 for them, not an empty list."""
    return access.allowed and access.records != NO_RECORDS


def may_reach_kind(access: Access, kind: str) -> bool:
    """Whether records of `kind` may be within `access`, told without a query (whether to offer a page of them):
    every access that reaches records may, but a grant on other kinds."""
    if not reaches_records(access):
        return False
    grant = access.grant
    return access.records is None or grant is None or grant.scope != Scope.KINDS or kind in grant.kinds


def treatments_in_scope(access: Access, treatments: _QuerySetT) -> _QuerySetT:
    """The treatments of `treatments` (a queryset of one patient's) that `access` covers."""
    return treatments if access.treatments is None else treatments.filter(access.treatments)


def may_propose(access: Access, *, scope: str, kinds: Iterable[str] | None) -> bool:
    """A professional of the care team proposes a colleague for at most what they see themself: the whole
    file proposes any scope, a kinds grant some of its own kinds; a records grant proposes nobody (a
    proposal does not choose records)."""
    if access.grant is None or not may_propose_colleagues(access):
        return False
    chosen = set(kinds or ())
    return access.whole_file or (scope == Scope.KINDS and bool(chosen) and chosen <= set(access.grant.kinds))


def may_propose_colleagues(access: Access) -> bool:
    """Whether `access` may propose anyone at all (see `may_propose`)."""
    return access.grant is not None and (access.whole_file or access.grant.scope == Scope.KINDS)


def _member(actor: Actor) -> User | None:
    """The signed-in, active member `actor` is; None for a link visitor, an anonymous visitor, nobody."""
    if actor is None or isinstance(actor, LinkVisitor | AnonymousUser):
        return None
    return actor if actor.is_authenticated and actor.is_active else None


def _is_verified_professional(actor: Actor) -> bool:
    member = _member(actor)
    return bool(
        member is not None
        and member.is_professional
        and getattr(getattr(member, "professional_profile", None), "verified", False)
    )


def may_break_glass(actor: Actor, emergency_profile: EmergencyProfileLike) -> bool:
    """Break-glass: only when the patient turned it on, and only for professionals whose RPPS staff verified."""
    return bool(
        emergency_profile.enabled and emergency_profile.break_glass_enabled and _is_verified_professional(actor)
    )


def may_identify_faces(actor: Actor) -> bool:
    """Searching patients by their face, and creating accounts for the unknown ones, is for professionals
    whose RPPS staff verified: anyone can sign up as a professional, and a face search finds people."""
    return _is_verified_professional(actor)


def may_withdraw_faces(actor: Actor, patient: User) -> bool:
    """The patient withdraws their consent to face identification; staff erase the templates on the
    patient's request. Nobody else removes them."""
    member = _member(actor)
    if member is None:
        return False
    return member.pk == patient.pk or member.is_staff


def require(
    actor: Actor,
    action: Action,
    patient: User,
    *,
    record: RecordLike | None = None,
    treatment: TreatmentLike | None = None,
    channel: Channel = Channel.APP,
) -> Access:
    """`decide` for the services: the access when the policy allows `action` (written into the access log),
    PermissionDenied when it refuses. Sharing, for one, is `require(actor, Action.SHARE, patient)`: the
    policy allows that on the owner path only."""
    access = decide(actor, action, patient, channel=channel, record=record, treatment=treatment)
    if not access:
        raise PermissionDenied
    return access


def keeps_the_file(access: Access) -> bool:
    """Whether `access` keeps the file as its owner does: the patient themself, or a dependant's parent or
    guardian. Only they see the archived records and restore them; everyone else reads the active file."""
    return bool(access) and access.path in (AccessPath.OWNER, AccessPath.GUARDIAN)


def sees_unmasked_photos(access: Access) -> bool:
    """Whether `access` sees a photo as it was taken when its faces are to be masked: the patient, a parent
    or guardian, and whoever holds the whole file (a whole-file grant, break-glass, a caregiver who manages
    the file). A share link or a scoped grant sees the copy with the faces blurred."""
    if not access or access.path == AccessPath.LINK:
        return False
    return access.path in (AccessPath.OWNER, AccessPath.GUARDIAN) or access.whole_file


def may_name_identified_patient(actor: Actor, patient: User, *, strong_match: bool, confirmed: bool) -> bool:
    """Who a face search found is named only once the professional confirmed the second factor the patient
    chose (birth date, phone digits, Heart-Code), or, for a strong match only, when they may already open
    the file. A face alone never names a stranger's patient, and a possible match always needs the factor:
    a look-alike must not get a name, a file, or a request for access."""
    if not may_identify_faces(actor):
        return False
    return confirmed or (strong_match and bool(decide(actor, Action.VIEW, patient)))
