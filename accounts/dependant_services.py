"""A dependant's file: a parent or guardian makes it for a child or an adult under guardianship, keeps it
(the access policy gives a guardian every action on the whole file, logged as the guardian path), and
hands it over when the dependant takes it, with a claim code as for the accounts a professional makes.

A guardian is an `access.Caregiver` row with `guardian=True`. At the takeover the guardians' rows end: a
child who comes of age, or an adult whose guardianship ended, decides who follows their file; their
guardians are told, and the new owner may add them back as caregivers."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.models import AccessPath, Caregiver
from accounts import services as account_services
from accounts.models import DependantRelation, PatientProfile, Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.models import Event
from notifications.services import notify_translated
from relyfe.identifiers import canonical_identifier


def may_keep_dependants(user: User) -> bool:
    """Any patient or professional member may be a parent or a guardian; staff act on no file."""
    return user.is_authenticated and user.is_active and (user.is_patient or user.is_professional)


@transaction.atomic
def dependant_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    birth_date: datetime.date,
    relation: str,
    request=None,
) -> User:
    """The dependant's file: a patient account with no password nor way to sign in (waiting to be claimed,
    as the accounts professionals make), in the guardian's time zone and language, and `actor` as its
    guardian from now on."""
    if not may_keep_dependants(actor):
        raise PermissionDenied
    if relation not in DependantRelation.values:
        raise ValidationError({"relation": _("Choose who this person is to you.")})
    if birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})
    dependant = User(
        role=Role.PATIENT,
        first_name=first_name,
        last_name=last_name,
        time_zone=actor.time_zone,
        language=actor.language,
        claim_pending=True,
    )
    dependant.set_unusable_password()
    dependant.full_clean()
    dependant.save()
    profile = PatientProfile(user=dependant, birth_date=birth_date, dependant_relation=relation)
    profile.full_clean()
    profile.save()
    now = timezone.now()
    guardian = Caregiver(
        patient=dependant, caregiver=actor, guardian=True, accepted_at=now, created_by=actor, created_at=now
    )
    guardian.full_clean()
    guardian.save()
    audit.record(
        actor=actor,
        patient=dependant,
        object_type=ObjectType.CAREGIVER,
        object_id=guardian.public_id,
        action=AuditAction.CREATE,
        access=AccessPath.GUARDIAN,
        request=request,
    )
    return dependant


def _guardianship(*, actor: User, dependant: User) -> Caregiver:
    guardian = Caregiver.objects.active().filter(patient=dependant, caregiver=actor, guardian=True).first()
    if guardian is None:
        raise PermissionDenied
    return guardian


@transaction.atomic
def dependant_claim_code_issue(*, actor: User, dependant: User) -> str:
    """A code for the dependant to take their file over, shown once to the guardian (a previous code stops
    working). Only a guardian of a file that nobody has taken over yet."""
    _guardianship(actor=actor, dependant=dependant)
    dependant = User.objects.select_for_update().get(pk=dependant.pk)
    if not dependant.claim_pending:
        raise PermissionDenied
    return account_services._claim_issue(user=dependant, created_by=actor, access=AccessPath.GUARDIAN)


def guardians_end_at_takeover(*, user: User) -> int:
    """The dependant took their file over (`account_claim_redeem`, in its transaction): their guardians'
    access ends there, rather than going on silently over an adult's file; each guardian is told, and the
    new owner may add them back as caregivers with the rights they choose. Returns how many ended."""
    guardians = list(
        Caregiver.objects.active().select_for_update().filter(patient=user, guardian=True).select_related("caregiver")
    )
    now = timezone.now()
    for guardian in guardians:
        guardian.revoked_at, guardian.revoked_by = now, user
        guardian.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=user,
            patient=user,
            object_type=ObjectType.CAREGIVER,
            object_id=guardian.public_id,
            action=AuditAction.REVOKE,
            access=AccessPath.OWNER,
        )
        notify_translated(
            recipient=guardian.caregiver,
            event=Event.CAREGIVER,
            text=gettext_noop(
                "%(name)s took over their ReLyfe file: your access as their guardian has ended. They may add "
                "you back as a caregiver."
            ),
            params={"name": user.full_name},
            url=reverse("accounts:dependants"),
            actor=user,
        )
    return len(guardians)


def _member_by_identifier(identifier: str) -> User | None:
    parsed = canonical_identifier(identifier)
    if parsed is None:
        return None
    kind, value = parsed
    member = User.objects.filter(**{kind: value}, is_active=True, claim_pending=False).first()
    return member if member is not None and may_keep_dependants(member) else None


@transaction.atomic
def guardian_invite(*, actor: User, dependant: User, identifier: str, request=None) -> Caregiver | None:
    """A guardian asks another member (the other parent), named by their exact e-mail or phone, to keep the
    file too: they become a guardian when they accept. The answer does not say whether the address belongs
    to a member (None when it does not, or when they already keep the file): the page says the same."""
    _guardianship(actor=actor, dependant=dependant)
    if not dependant.claim_pending:
        raise PermissionDenied
    member = _member_by_identifier(identifier)
    if member is None or member.pk == dependant.pk:
        return None
    already = Caregiver.objects.filter(patient=dependant, revoked_at__isnull=True).filter(
        Q(caregiver=member)
        | Q(caregiver__isnull=True, guardian=True, invited_email=member.email or "-")
        | Q(caregiver__isnull=True, guardian=True, invited_phone=member.phone or "-")
    )
    if already.exists():
        return None
    invitation = Caregiver(
        patient=dependant,
        guardian=True,
        invited_email=member.email or "",
        invited_phone=member.phone or "",
        created_by=actor,
    )
    invitation.full_clean()
    invitation.save()
    audit.record(
        actor=actor,
        patient=dependant,
        object_type=ObjectType.CAREGIVER,
        object_id=invitation.public_id,
        action=AuditAction.SHARE,
        access=AccessPath.GUARDIAN,
        request=request,
    )
    notify_translated(
        recipient=member,
        event=Event.CAREGIVER,
        text=gettext_noop("%(name)s asks you to keep the ReLyfe file of %(dependant)s with them, as a guardian."),
        params={"name": actor.full_name, "dependant": dependant.full_name},
        url=reverse("accounts:dependants"),
        actor=actor,
    )
    return invitation


def guardian_invitations_for(user: User):
    """The guardian invitations waiting for `user`'s answer (sent to their e-mail or phone)."""
    addressed = Q(pk__in=[])
    if user.email:
        addressed |= Q(invited_email=user.email)
    if user.phone:
        addressed |= Q(invited_phone=user.phone)
    return (
        Caregiver.objects.filter(addressed, guardian=True, caregiver__isnull=True, revoked_at__isnull=True)
        .filter(patient__claim_pending=True)
        .select_related("patient", "created_by")
    )


@transaction.atomic
def guardian_invitation_answer(*, actor: User, invitation_id, accept: bool, request=None) -> Caregiver:
    """The invited member accepts (they keep the file from now on) or declines (the invitation ends)."""
    invitation = guardian_invitations_for(actor).select_for_update(of=("self",)).filter(public_id=invitation_id).first()
    if invitation is None:
        raise PermissionDenied
    now = timezone.now()
    if accept:
        if Caregiver.objects.active().filter(patient=invitation.patient, caregiver=actor).exists():
            raise PermissionDenied
        invitation.caregiver, invitation.accepted_at = actor, now
        invitation.save(update_fields=["caregiver", "accepted_at"])
    else:
        invitation.revoked_at, invitation.revoked_by = now, actor
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        patient=invitation.patient,
        object_type=ObjectType.CAREGIVER,
        object_id=invitation.public_id,
        action=AuditAction.CREATE if accept else AuditAction.REVOKE,
        access=AccessPath.GUARDIAN,
        request=request,
    )
    return invitation
