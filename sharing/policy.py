"""The access policy: the one place that decides whether an actor may do an action on a patient's data.

Every view, API endpoint, download and admin page asks here, through the selectors and services.
The paths in, checked in order:
- owner: the patient themself, who may do everything;
- staff: ReLyfe staff, who only read, and only through the audited administration;
- grant: a professional the patient gave access to (scope: whole file, chosen records or kinds;
  permission: read, + comment, + add records). A break-glass grant reads as emergency access;
- link: whoever holds a share link, for the records on the link only, read (and comment if allowed).
An answer is an `Access`: allowed or not, by which path (written into the access log), and which of the
patient's records it covers.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q

from audit.models import AccessPath


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

    def __bool__(self):
        return self.allowed


DENIED = Access(False)


def decide(actor, action: Action, patient, *, channel: Channel = Channel.APP, record=None) -> Access:
    """May `actor` (a user, a link visitor or an anonymous visitor) do `action` on data of `patient`,
    and on `record` when one is given?"""
    if actor is None or not patient.is_patient:
        return DENIED
    if isinstance(actor, LinkVisitor):
        return _through_link(actor, action, patient, record)
    if not actor.is_authenticated or not actor.is_active:
        return DENIED
    if actor.pk == patient.pk:
        return Access(True, AccessPath.OWNER)
    if channel == Channel.ADMIN:
        return Access(True, AccessPath.STAFF) if actor.is_staff and action in STAFF_ADMIN_ACTIONS else DENIED
    if actor.is_professional:
        return _through_grant(actor, action, patient, record)
    return DENIED


def _through_grant(professional, action, patient, record) -> Access:
    from sharing.models import Grant, GrantOrigin

    grant = Grant.objects.active().filter(patient=patient, professional=professional).first()
    if grant is None or action not in GRANT_ACTIONS[grant.permission]:
        return DENIED
    if record is not None:
        if record.is_archived or not grant.covers(record):
            return DENIED
        # Adding to a file is not rewriting it: a professional changes only the records they added.
        if action == Action.UPDATE and record.author_id != professional.pk:
            return DENIED
    path = AccessPath.EMERGENCY if grant.origin == GrantOrigin.BREAK_GLASS else AccessPath.GRANT
    return Access(True, path, records=grant.records_filter(), grant=grant)


def _through_link(visitor: LinkVisitor, action, patient, record) -> Access:
    link = visitor.link
    allowed_actions = READ_ACTIONS | ({Action.COMMENT} if link.allow_comments else set())
    if link.patient_id != patient.pk or not link.is_usable or action not in allowed_actions:
        return DENIED
    if record is not None and (record.is_archived or not link.records.filter(pk=record.pk).exists()):
        return DENIED
    return Access(True, AccessPath.LINK, records=Q(pk__in=link.records.values("pk")), link=link)


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
