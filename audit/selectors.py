from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from access import policy
from access.policy import Action
from audit.models import AccessEvent, ObjectType

if TYPE_CHECKING:  # audit sits below accounts: the user model is reached through get_user_model()
    from accounts.models import User


def access_events_for_patient(
    *,
    user,
    patient,
    actor: User | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    include_own: bool = False,
) -> QuerySet[AccessEvent]:
    """What the patient sees on "Who accessed my data"."""
    if not policy.decide(user, Action.VIEW_ACCESS_LOG, patient):
        raise PermissionDenied
    # What professionals write for each other is theirs: its log stays with staff, not on the patient's page.
    events = (
        AccessEvent.objects.filter(patient=patient)
        .exclude(object_type=ObjectType.PROFESSIONAL_COMMENT)
        .select_related("actor")
    )
    if not include_own:
        events = events.exclude(actor=patient)
    if actor is not None:
        events = events.filter(actor=actor)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def actors_of_patient_events(*, patient) -> QuerySet[User]:
    """Everyone (but the patient) who appears in the patient's access log, for the filter."""
    actor_ids = AccessEvent.objects.filter(patient=patient).exclude(actor=patient).values("actor")
    return get_user_model().objects.filter(pk__in=actor_ids).order_by("last_name", "first_name")
