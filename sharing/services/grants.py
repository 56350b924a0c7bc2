"""Grants: the patient gives, changes, withdraws and restores a professional's access to their file."""

from django.core.exceptions import ValidationError
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
from relyfe.undo import undo_window_open
from sharing.services._common import grant_create, own_active_records


@transaction.atomic
def grant_give(*, actor, professional, scope, permission, records=(), kinds=(), ends_at=None, request=None) -> Grant:
    """The patient gives (or changes: the old grant is revoked) a professional's access to their file."""
    patient = actor
    policy.require(actor, policy.Action.SHARE, patient)
    grant = grant_create(
        patient=patient,
        professional=professional,
        scope=scope,
        permission=permission,
        records=own_active_records(patient, records),
        kinds=kinds,
        ends_at=ends_at,
        created_by=actor,
        origin=GrantOrigin.PATIENT,
    )
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.GRANT,
        object_id=grant.public_id,
        action=AuditAction.SHARE,
        access=AccessPath.OWNER,
        request=request,
    )
    notify_translated(
        recipient=professional,
        event=Event.GRANT_GIVEN,
        text=gettext_noop("%(name)s gave you access to their file."),
        params={"name": patient.full_name},
        url=reverse("health_records:timeline", args=[patient.public_id]),
        actor=actor,
    )
    return grant


@transaction.atomic
def grant_to_account_creator(*, actor, patient, request=None) -> Grant:
    """The professional who made a patient's account (a quick account, when nobody matched their face) is
    the one treating them: they get the whole file, which the patient can revoke once they claim it."""
    grant = grant_create(
        patient=patient,
        professional=actor,
        scope=Scope.ALL,
        permission=Permission.CONTRIBUTE,
        records=(),
        kinds=(),
        ends_at=None,
        created_by=actor,
        origin=GrantOrigin.QUICK_ACCOUNT,
    )
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.GRANT,
        object_id=grant.public_id,
        action=AuditAction.SHARE,
        access=AccessPath.GRANT,
        request=request,
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: Grant, request=None) -> Grant:
    """Takes effect on the professional's next request: the policy only counts unrevoked grants."""
    policy.require(actor, policy.Action.SHARE, grant.patient)
    updated = Grant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    grant.refresh_from_db()
    if updated:
        audit.record(
            actor=actor,
            patient=grant.patient,
            object_type=ObjectType.GRANT,
            object_id=grant.public_id,
            action=AuditAction.REVOKE,
            access=AccessPath.OWNER,
            request=request,
        )
        notify_translated(
            recipient=grant.professional,
            event=Event.GRANT_REVOKED,
            text=gettext_noop("%(name)s withdrew your access to their file."),
            params={"name": grant.patient.full_name},
            actor=actor,
        )
    return grant


@transaction.atomic
def grant_restore(*, actor, grant: Grant, request=None) -> Grant:
    """Undoes a revocation the same patient made seconds ago (a mis-tap): the access is as it was, and the
    log keeps both the revocation and its undo."""
    policy.require(actor, policy.Action.SHARE, grant.patient)
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    replaced = Grant.objects.filter(patient=grant.patient, professional=grant.professional, revoked_at__isnull=True)
    if grant.revoked_by_id != actor.pk or not undo_window_open(grant.revoked_at) or replaced.exists():
        raise ValidationError(_("It is too late to undo: give the access again."), code="undo_too_late")
    grant.revoked_at, grant.revoked_by = None, None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        patient=grant.patient,
        object_type=ObjectType.GRANT,
        object_id=grant.public_id,
        action=AuditAction.RESTORE,
        access=AccessPath.OWNER,
        request=request,
    )
    notify_translated(
        recipient=grant.professional,
        event=Event.GRANT_GIVEN,
        text=gettext_noop("%(name)s gave you access to their file."),
        params={"name": grant.patient.full_name},
        url=reverse("health_records:timeline", args=[grant.patient.public_id]),
        actor=actor,
    )
    return grant
