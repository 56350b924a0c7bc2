"""Break-glass: a verified professional opens the whole file at once in an emergency."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.models import AccessPath, Grant, GrantOrigin, Permission, Scope
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.models import Event
from notifications.services import notify_translated
from sharing.models import EmergencyProfile
from sharing.services._common import grant_create

BREAK_GLASS_DURATION = timedelta(hours=24)


@transaction.atomic
def break_glass_open(*, actor, profile: EmergencyProfile, reason: str, request=None) -> Grant:
    """A verified professional reads the whole file at once for 24 hours, with a reason; the patient is
    alerted immediately and the access stands out in the log."""
    patient = profile.patient
    if not policy.may_break_glass(actor, profile):
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise ValidationError(_("Say why you need immediate access (10 characters at least)."), code="reason")
    grant = grant_create(
        patient=patient,
        professional=actor,
        scope=Scope.ALL,
        permission=Permission.READ,
        records=[],
        kinds=[],
        ends_at=timezone.now() + BREAK_GLASS_DURATION,
        created_by=actor,
        origin=GrantOrigin.BREAK_GLASS,
        reason=reason[:500],
    )
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.GRANT,
        object_id=grant.public_id,
        action=AuditAction.BREAK_GLASS,
        access=AccessPath.EMERGENCY,
        request=request,
    )
    notify_translated(
        recipient=patient,
        event=Event.BREAK_GLASS,
        text=gettext_noop("%(name)s opened your file in an emergency. You can withdraw this access at any time."),
        params={"name": actor.full_name},
        url=reverse("sharing:care_team"),
        actor=actor,
    )
    return grant
