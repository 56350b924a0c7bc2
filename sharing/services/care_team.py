"""The care team: the patient's settings for proposals, and a professional proposing a colleague."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.models import AccessPath, Grant, GrantOrigin, Scope
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.models import Event
from notifications.services import notify_translated
from sharing import selectors
from sharing.models import (
    CareTeamProposal,
    SharingSettings,
)
from sharing.services._common import grant_create


@transaction.atomic
def sharing_settings_update(*, actor, team_may_invite: bool, invite_max_permission: str) -> SharingSettings:
    policy.require(actor, policy.Action.SHARE, actor)
    sharing_settings = selectors.sharing_settings_of(patient=actor)
    sharing_settings.team_may_invite = team_may_invite
    sharing_settings.invite_max_permission = invite_max_permission
    sharing_settings.full_clean()
    sharing_settings.save()
    return sharing_settings


@transaction.atomic
def care_team_propose(
    *, actor, patient, professional, message: str, scope: str, kinds, permission: str, request=None
) -> CareTeamProposal:
    """A professional with access proposes a colleague. When the patient allowed it beforehand (up to a
    permission), the colleague gets access at once; otherwise the patient decides."""
    access = policy.decide(actor, policy.Action.VIEW, patient)
    if access.path not in (AccessPath.GRANT, AccessPath.EMERGENCY) or not policy.may_propose_colleagues(access):
        raise PermissionDenied
    if not policy.may_propose(access, scope=scope, kinds=kinds):
        raise ValidationError(
            _("Propose access to the kinds of records you see yourself, no more."), code="beyond_scope"
        )
    if not professional.is_professional or professional.pk == actor.pk:
        raise ValidationError(_("Propose another health professional."), code="not_professional")
    if Grant.objects.active().filter(patient=patient, professional=professional).exists():
        raise ValidationError(_("This professional already has access to the file."), code="has_access")
    if CareTeamProposal.objects.filter(patient=patient, professional=professional, status="pending").exists():
        raise ValidationError(_("This professional was proposed already."), code="pending")
    if scope == Scope.KINDS and not kinds:
        raise ValidationError(_("Choose at least one kind of record."), code="no_kinds")
    proposal = CareTeamProposal(
        patient=patient,
        proposed_by=actor,
        professional=professional,
        message=message,
        scope=scope,
        kinds=list(kinds) if scope == Scope.KINDS else [],
        permission=permission,
    )
    proposal.full_clean()
    proposal.save()
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.CARE_TEAM_PROPOSAL,
        object_id=proposal.public_id,
        action=AuditAction.CREATE,
        access=access,
        request=request,
    )
    if selectors.sharing_settings_of(patient=patient).allows(permission):
        return _approve(proposal, answered_by=actor)
    notify_translated(
        recipient=patient,
        event=Event.ACCESS_REQUEST_RECEIVED,
        text=gettext_noop("%(name)s proposes a colleague for your care team."),
        params={"name": actor.full_name},
        url=reverse("sharing:care_team"),
        actor=actor,
    )
    return proposal


def _approve(proposal: CareTeamProposal, *, answered_by) -> CareTeamProposal:
    proposal.grant = grant_create(
        patient=proposal.patient,
        professional=proposal.professional,
        scope=proposal.scope,
        permission=proposal.permission,
        records=[],
        kinds=proposal.kinds,
        ends_at=None,
        created_by=answered_by,
        origin=GrantOrigin.PROPOSAL,
        reason=proposal.message[:500],
    )
    proposal.status, proposal.answered_at = CareTeamProposal.Status.APPROVED, timezone.now()
    proposal.save(update_fields=["grant", "status", "answered_at"])
    for recipient in (proposal.professional, proposal.proposed_by):
        notify_translated(
            recipient=recipient,
            event=Event.GRANT_GIVEN,
            text=gettext_noop("%(name)s has access to the file of %(patient)s."),
            params={"name": proposal.professional.full_name, "patient": proposal.patient.full_name},
            url=reverse("health_records:timeline", args=[proposal.patient.public_id]),
        )
    return proposal


@transaction.atomic
def care_team_proposal_answer(*, actor, proposal: CareTeamProposal, approve: bool, request=None):
    policy.require(actor, policy.Action.SHARE, proposal.patient)
    proposal = CareTeamProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != CareTeamProposal.Status.PENDING:
        raise ValidationError(_("This proposal was answered already."), code="answered")
    if approve:
        proposal = _approve(proposal, answered_by=actor)
        assert proposal.grant is not None  # _approve gives the grant  # nosec B101  # narrows the type for mypy; -O would change nothing
        audit.record(
            actor=actor,
            patient=actor,
            object_type=ObjectType.GRANT,
            object_id=proposal.grant.public_id,
            action=AuditAction.SHARE,
            access=AccessPath.OWNER,
            request=request,
        )
        return proposal
    proposal.status, proposal.answered_at = CareTeamProposal.Status.REFUSED, timezone.now()
    proposal.save(update_fields=["status", "answered_at"])
    notify_translated(
        recipient=proposal.proposed_by,
        event=Event.ACCESS_REQUEST_ANSWERED,
        text=gettext_noop("%(patient)s did not accept your proposal."),
        params={"patient": actor.full_name},
        actor=actor,
    )
    return proposal
