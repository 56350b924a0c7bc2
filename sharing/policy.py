"""The access policy: the one place that decides whether an actor may do an action on a patient's data.

Every view, API endpoint, download and admin page asks here, through the selectors and services.
Paths in, checked in order: the patient themself (owner), ReLyfe staff through the audited
administration, and — with the sharing issue — professional grants, share links and emergency access.
An answer is an `Access`: allowed or not, and by which path (written into the access log).
"""

from dataclasses import dataclass
from enum import StrEnum

from audit.models import AccessPath


class Action(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    VIEW_ACCESS_LOG = "view_access_log"


class Channel(StrEnum):
    """Where the request comes from: the web UI and API, or the Django admin."""

    APP = "app"
    ADMIN = "admin"


# Staff read health data only in the administration, where every page is audited; they never edit it.
STAFF_ADMIN_ACTIONS = {Action.VIEW, Action.DOWNLOAD}


@dataclass(frozen=True)
class Access:
    allowed: bool
    path: AccessPath | None = None

    def __bool__(self):
        return self.allowed


DENIED = Access(False)


def decide(actor, action: Action, patient, *, channel: Channel = Channel.APP) -> Access:
    """May `actor` (a user, possibly anonymous) do `action` on data of `patient` (a patient user)?"""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return DENIED
    if not patient.is_patient:
        return DENIED
    if actor.pk == patient.pk:
        return Access(True, AccessPath.OWNER)
    if channel == Channel.ADMIN and actor.is_staff and action in STAFF_ADMIN_ACTIONS:
        return Access(True, AccessPath.STAFF)
    return DENIED
