"""The access policy: the one place that decides whether an actor may do an action on a patient's data.

Every view, API endpoint, download and admin page asks here, through the selectors and services.
The paths in, checked in order:
- owner: the patient themself, who may do everything;
- staff: ReLyfe staff, who only read, and only through the audited administration;
- grant: a professional the patient gave access to (scope: whole file, chosen records or kinds;
  permission: read, + comment, + add records). A break-glass grant reads as emergency access;
- link: whoever holds a share link, for the records on the link only, read (and comment if allowed).
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

from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from access.models import AccessPath, Grant, GrantOrigin, Scope


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


class Channel(StrEnum):
    """Where the request comes from: the web UI and API, or the Django admin."""

    APP = "app"
    ADMIN = "admin"


# Staff read health data only in the administration, where every page is audited; they never edit it.
STAFF_ADMIN_ACTIONS = {Action.VIEW, Action.DOWNLOAD}
READ_ACTIONS = {Action.VIEW, Action.DOWNLOAD}
GRANT_ACTIONS = {
    "read": READ_ACTIONS,
    "comment": READ_ACTIONS | {Action.COMMENT},
    # Enrolling a face is adding to the file, and needs the patient's recorded consent besides (faces app).
    "contribute": READ_ACTIONS | {Action.COMMENT, Action.CREATE, Action.UPDATE, Action.ENROL_FACE},
}


@dataclass(frozen=True)
class LinkVisitor:
    """Someone who opened a share link and said who they are; not a member session."""

    link: object
    name: str
    profession: str = ""
    is_authenticated: bool = field(default=False, init=False)
    is_active: bool = field(default=True, init=False)

    @property
    def full_name(self) -> str:
        # Stored as a comment's author and in the access log: no words, so that each reader's page says
        # "through a share link" in their own language.
        return f"{self.name} ({self.profession})" if self.profession else self.name


@dataclass(frozen=True)
class Access:
    allowed: bool
    path: AccessPath | None = None
    # Which of the patient's records this access covers: None for all of them.
    records: Q | None = None
    grant: object = None
    link: object = None
    # Which of the patient's treatments (a filter on Treatment): None for all of them.
    treatments: Q | None = None
    # The whole file: every record, every treatment and the patient-level data no record carries.
    whole_file: bool = False

    def __bool__(self):
        return self.allowed


DENIED = Access(False)


# Actions on patient-level data that no record carries: the whole file only.
WHOLE_FILE_ACTIONS = {Action.ENROL_FACE}


def decide(actor, action: Action, patient, *, channel: Channel = Channel.APP, record=None, treatment=None) -> Access:
    """May `actor` (a user, a link visitor or an anonymous visitor) do `action` on data of `patient`,
    and on `record` or `treatment` (saved, or about to be created) when one is given?"""
    if actor is None or not patient.is_patient:
        return DENIED
    if treatment is not None and treatment.patient_id != patient.pk:
        return DENIED
    if isinstance(actor, LinkVisitor):
        return _through_link(actor, action, patient, record, treatment)
    if not actor.is_authenticated or not actor.is_active:
        return DENIED
    if actor.pk == patient.pk:
        return Access(True, AccessPath.OWNER, whole_file=True)
    if channel == Channel.ADMIN:
        if actor.is_staff and action in STAFF_ADMIN_ACTIONS:
            return Access(True, AccessPath.STAFF, whole_file=True)
        return DENIED
    if actor.is_professional:
        return _through_grant(actor, action, patient, record, treatment)
    return DENIED


def _through_grant(professional, action, patient, record, treatment) -> Access:
    grant = Grant.objects.active().filter(patient=patient, professional=professional).first()
    if grant is None or action not in GRANT_ACTIONS[grant.permission]:
        return DENIED
    whole_file = grant.scope == Scope.ALL
    if action in WHOLE_FILE_ACTIONS and not whole_file:
        return DENIED
    if record is not None:
        if record.is_archived or not grant.covers(record):
            return DENIED
        # Adding to a file is not rewriting it: a professional changes only the records they added.
        if action == Action.UPDATE and record.author_id != professional.pk:
            return DENIED
    if treatment is not None and not grant.covers_treatment(treatment):
        return DENIED
    path = AccessPath.EMERGENCY if grant.origin == GrantOrigin.BREAK_GLASS else AccessPath.GRANT
    return Access(
        True,
        path,
        records=grant.records_filter(),
        grant=grant,
        treatments=None if grant.covers_all_treatments else grant.treatments_filter(),
        whole_file=whole_file,
    )


def _through_link(visitor: LinkVisitor, action, patient, record, treatment) -> Access:
    link = visitor.link
    allowed_actions = READ_ACTIONS | ({Action.COMMENT} if link.allow_comments else set())
    if link.patient_id != patient.pk or not link.is_usable or action not in allowed_actions:
        return DENIED
    if record is not None and (record.is_archived or not link.records.filter(pk=record.pk).exists()):
        return DENIED
    if treatment is not None and not link.records.filter(pk=treatment.prescription_id).exists():
        return DENIED
    shared = link.records.values("pk")
    return Access(True, AccessPath.LINK, records=Q(pk__in=shared), link=link, treatments=Q(prescription__in=shared))


def treatments_in_scope(access: Access, treatments):
    """The treatments of `treatments` (a queryset of one patient's) that `access` covers."""
    return treatments if access.treatments is None else treatments.filter(access.treatments)


def may_propose(access: Access, *, scope: str, kinds) -> bool:
    """A professional of the care team proposes a colleague for at most what they see themself: the whole
    file proposes any scope, a kinds grant some of its own kinds; a records grant proposes nobody (a
    proposal does not choose records)."""
    if not may_propose_colleagues(access):
        return False
    return access.whole_file or (scope == Scope.KINDS and bool(kinds) and set(kinds) <= set(access.grant.kinds))


def may_propose_colleagues(access: Access) -> bool:
    """Whether `access` may propose anyone at all (see `may_propose`)."""
    return access.grant is not None and (access.whole_file or access.grant.scope == Scope.KINDS)


def _is_verified_professional(actor) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and actor.is_professional
        and getattr(getattr(actor, "professional_profile", None), "verified", False)
    )


def may_break_glass(actor, emergency_profile) -> bool:
    """Break-glass: only when the patient turned it on, and only for professionals whose RPPS staff verified."""
    return bool(
        emergency_profile.enabled and emergency_profile.break_glass_enabled and _is_verified_professional(actor)
    )


def may_identify_faces(actor) -> bool:
    """Searching patients by their face, and creating accounts for the unknown ones, is for professionals
    whose RPPS staff verified: anyone can sign up as a professional, and a face search finds people."""
    return _is_verified_professional(actor)


def may_name_identified_patient(actor, patient, *, emergency_page_on: bool) -> bool:
    """Who a face search found is named to a professional who may open the file, or when the patient made
    their name public on their emergency page; otherwise the match stays anonymous until the patient
    answers an access request."""
    return emergency_page_on or bool(decide(actor, Action.VIEW, patient))


def may_withdraw_faces(actor, patient) -> bool:
    """The patient withdraws their consent to face identification; staff erase the templates on the
    patient's request. Nobody else removes them."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.pk == patient.pk or actor.is_staff


def require(actor, action: Action, patient, *, record=None, treatment=None, channel: Channel = Channel.APP) -> Access:
    """`decide` for the services: the access when the policy allows `action` (written into the access log),
    PermissionDenied when it refuses. Sharing, for one, is `require(actor, Action.SHARE, patient)`: the
    policy allows that on the owner path only."""
    access = decide(actor, action, patient, channel=channel, record=record, treatment=treatment)
    if not access:
        raise PermissionDenied
    return access
