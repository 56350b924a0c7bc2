"""Caregivers: the patient chooses who helps them (a member, asked, or someone invited by e-mail or text
message), with which rights; changes them, ends them; the caregiver accepts, declines or stops helping.

Who may choose: whoever may share the patient's file (`Action.SHARE`: the patient, or a dependant's
guardian). A member is asked, never enrolled: being someone's caregiver means receiving their alerts. An
invitation carries a token whose hash only is stored, sent from the web process (it must not travel through
the broker), valid 14 days.

A change of rights is a new row and the old one revoked, as grants are: each access event names the row in
force when it happened, so the history of what the caregiver could do stays true. The person already agreed
to help: the new row keeps their acceptance.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from access import policy
from access.models import AccessPath, Caregiver, CaregiverRight
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications import sms
from notifications.models import Event
from notifications.services import notify_translated
from relyfe.identifiers import canonical_identifier
from relyfe.web import absolute_url

logger = logging.getLogger(__name__)

INVITATION_LIFETIME = datetime.timedelta(days=14)
# Caregivers in force or asked, per patient: a family and a few friends, not a directory.
MAX_CAREGIVERS = 20
IDENTIFIER_MAX_LENGTH = 254
MIN_DELAY_MINUTES, MAX_DELAY_MINUTES = 15, 720
RIGHTS = tuple(CaregiverRight.values)
# An answered invitation keeps no hash: its link opens nothing any more.
USED_INVITATION = ""


@dataclass(frozen=True)
class Rights:
    """What the patient chose: the CaregiverRight booleans and the delay of a missed-dose alert."""

    view_treatments: bool = True
    answer_doses: bool = False
    missed_dose_alerts: bool = False
    manage_file: bool = False
    missed_dose_delay_minutes: int = 60

    def validate(self) -> None:
        if not any(getattr(self, right) for right in RIGHTS):
            raise ValidationError(_("Choose at least one thing your caregiver may do."), code="no_rights")
        if not MIN_DELAY_MINUTES <= self.missed_dose_delay_minutes <= MAX_DELAY_MINUTES:
            raise ValidationError(_("The alert delay is between 15 minutes and 12 hours."), code="delay_out_of_range")

    def fields(self) -> dict:
        return {right: getattr(self, right) for right in (*RIGHTS, "missed_dose_delay_minutes")}

    @classmethod
    def of(cls, caregiver: Caregiver) -> "Rights":
        return cls(**{right: getattr(caregiver, right) for right in (*RIGHTS, "missed_dose_delay_minutes")})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def member_matching(identifier: str) -> User | None:
    """The active member whose e-mail or phone is exactly `identifier` (in any form the sign-in page reads):
    no partial match, so that nobody browses the members through this form. Staff accounts are not helpers."""
    parsed = canonical_identifier((identifier or "")[:IDENTIFIER_MAX_LENGTH])
    if parsed is None:
        return None
    kind, value = parsed
    return User.objects.filter(**{kind: value}, is_active=True).exclude(role=Role.STAFF).first()


def _sharing_access(actor, patient) -> policy.Access:
    return policy.require(actor, policy.Action.SHARE, patient)


def _audit(*, actor, caregiver: Caregiver, action: AuditAction, access, request) -> None:
    audit.record(
        actor=actor,
        patient=caregiver.patient,
        object_type=ObjectType.CAREGIVER,
        object_id=caregiver.public_id,
        action=action,
        access=access,
        request=request,
    )


def _helping_url(caregiver: Caregiver) -> str:
    return reverse("sharing:caregiver_helping", args=[caregiver.public_id])


def _tell_caregiver(caregiver: Caregiver, text: str, *, actor, url: str = "") -> None:
    if caregiver.caregiver is not None:
        notify_translated(
            recipient=caregiver.caregiver,
            event=Event.CAREGIVER,
            text=text,
            params={"name": caregiver.patient.full_name},
            url=url,
            actor=actor,
        )


def _tell_patient(caregiver: Caregiver, text: str, *, actor) -> None:
    notify_translated(
        recipient=caregiver.patient,
        event=Event.CAREGIVER,
        text=text,
        params={"name": actor.full_name},
        url=reverse("sharing:caregivers"),
        actor=actor,
    )


@transaction.atomic
def caregiver_add(
    *, actor, patient: User, identifier: str, rights: Rights, request=None
) -> tuple[Caregiver, str | None]:
    """Asks the member whose e-mail or phone is `identifier` to be the patient's caregiver, or invites that
    address when nobody has it. Returns the row (pending until accepted) and the invitation's token (None
    for a member: they answer in the app)."""
    access = _sharing_access(actor, patient)
    rights.validate()
    parsed = canonical_identifier((identifier or "")[:IDENTIFIER_MAX_LENGTH])
    if parsed is None:
        raise ValidationError(_("Enter an e-mail address or a mobile phone number."), code="bad_identifier")
    kind, value = parsed
    unrevoked = Caregiver.objects.select_for_update().filter(patient=patient, revoked_at__isnull=True)
    if unrevoked.count() >= MAX_CAREGIVERS:
        raise ValidationError(_("You have too many caregivers: end one first."), code="too_many")
    member = member_matching(value)
    now = timezone.now()
    caregiver = Caregiver(patient=patient, created_by=actor, created_at=now, **rights.fields())
    token = None
    if member is not None:
        if member.pk == patient.pk:
            raise ValidationError(_("You cannot be your own caregiver."), code="oneself")
        if unrevoked.filter(caregiver=member).exists():
            raise ValidationError(_("This person already helps you, or was already asked."), code="already")
        caregiver.caregiver = member
    else:
        same_address = unrevoked.filter(caregiver__isnull=True, **{f"invited_{kind}": value})
        # An expired invitation is in the way of nobody: a new one replaces it.
        same_address.filter(invitation_expires_at__lte=now).update(revoked_at=now, revoked_by=actor)
        if same_address.filter(invitation_expires_at__gt=now).exists():
            raise ValidationError(_("An invitation to this address is already waiting."), code="already")
        token = secrets.token_urlsafe(32)
        setattr(caregiver, f"invited_{kind}", value)
        caregiver.invitation_token_hash = token_hash(token)
        caregiver.invitation_expires_at = now + INVITATION_LIFETIME
    caregiver.full_clean()
    caregiver.save()
    _audit(actor=actor, caregiver=caregiver, action=AuditAction.SHARE, access=access, request=request)
    if member is not None:
        _tell_caregiver(
            caregiver,
            gettext_noop("%(name)s asks you to be their caregiver."),
            actor=actor,
            url=_helping_url(caregiver),
        )
    else:
        url = absolute_url(reverse("sharing:caregiver_invitation", args=[token]))
        # A failing mail server or SMS provider after the commit leaves the invitation made: the patient's
        # page offers to send it again (a new one).
        transaction.on_commit(lambda: _send_invitation(caregiver, url), robust=True)
    return caregiver, token


def _send_invitation(caregiver: Caregiver, url: str) -> None:
    patient = caregiver.patient
    with override(patient.language):
        values = {
            "name": patient.full_name,
            "url": url,
            "date": timezone.localtime(caregiver.invitation_expires_at).strftime("%d/%m/%Y"),
        }
        if caregiver.invited_email:
            subject = _("%(name)s asks you to be their caregiver on ReLyfe") % values
            body = (
                _(
                    "Hello,\n\n%(name)s asks you to help them with their care on ReLyfe, as their caregiver. See what "
                    "they ask and answer with this link, valid until %(date)s:\n\n%(url)s\n\n— ReLyfe"
                )
                % values
            )
            send_mail(subject, body, None, [caregiver.invited_email])
            return
        body = _("ReLyfe: %(name)s asks you to be their caregiver. Answer before %(date)s: %(url)s") % values
    try:
        sms.send_sms(to=caregiver.invited_phone, body=body)
    except sms.SmsError as error:
        logger.warning("The SMS inviting caregiver %s was not sent: %s", caregiver.public_id, error)


@transaction.atomic
def caregiver_rights_change(*, actor, caregiver: Caregiver, rights: Rights, request=None) -> Caregiver:
    """New rights: the row in force is revoked and a new one takes its place (see the module's docstring)."""
    access = _sharing_access(actor, caregiver.patient)
    rights.validate()
    old = Caregiver.objects.select_for_update().filter(pk=caregiver.pk, revoked_at__isnull=True).first()
    if old is None:
        raise ValidationError(_("This caregiver has already ended."), code="ended")
    if Rights.of(old) == rights:
        return old
    now = timezone.now()
    old.revoked_at, old.revoked_by = now, actor
    old.save(update_fields=["revoked_at", "revoked_by"])
    new = Caregiver(
        patient=old.patient,
        caregiver=old.caregiver,
        guardian=old.guardian,
        invited_email=old.invited_email,
        invited_phone=old.invited_phone,
        invitation_token_hash=old.invitation_token_hash,
        invitation_expires_at=old.invitation_expires_at,
        accepted_at=old.accepted_at,
        created_by=actor,
        created_at=now,
        **rights.fields(),
    )
    new.full_clean()
    new.save()
    _audit(actor=actor, caregiver=new, action=AuditAction.UPDATE, access=access, request=request)
    _tell_caregiver(
        new,
        gettext_noop("%(name)s changed what you may do as their caregiver."),
        actor=actor,
        url=_helping_url(new),
    )
    return new


@transaction.atomic
def caregiver_revoke(*, actor, caregiver: Caregiver, request=None) -> Caregiver:
    """The patient ends a caregiver (or withdraws an invitation): it takes effect on their next request."""
    access = _sharing_access(actor, caregiver.patient)
    if Caregiver.objects.filter(pk=caregiver.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    ):
        caregiver.refresh_from_db()
        _audit(actor=actor, caregiver=caregiver, action=AuditAction.REVOKE, access=access, request=request)
        _tell_caregiver(caregiver, gettext_noop("%(name)s ended your help as their caregiver."), actor=actor)
    caregiver.refresh_from_db()
    return caregiver


def _own_unrevoked(actor, caregiver: Caregiver) -> Caregiver:
    """The row asking `actor`, locked, still standing; PermissionDenied for anyone else."""
    row = Caregiver.objects.select_for_update().filter(pk=caregiver.pk).first()
    if row is None or row.caregiver_id is None or row.caregiver_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if row.revoked_at is not None:
        raise ValidationError(_("This request has ended."), code="ended")
    return row


@transaction.atomic
def caregiver_accept(*, actor, caregiver: Caregiver, request=None) -> Caregiver:
    """The member asked accepts: their rights are in force from now on."""
    row = _own_unrevoked(actor, caregiver)
    if row.accepted_at is None:
        row.accepted_at = timezone.now()
        row.save(update_fields=["accepted_at"])
        _audit(actor=actor, caregiver=row, action=AuditAction.CREATE, access=AccessPath.CAREGIVER, request=request)
        _tell_patient(row, gettext_noop("%(name)s accepted to be your caregiver."), actor=actor)
    return row


@transaction.atomic
def caregiver_stop(*, actor, caregiver: Caregiver, request=None) -> Caregiver:
    """The member declines being asked, or stops helping: the patient is told."""
    row = _own_unrevoked(actor, caregiver)
    declined = row.accepted_at is None
    row.revoked_at, row.revoked_by = timezone.now(), actor
    row.save(update_fields=["revoked_at", "revoked_by"])
    _audit(actor=actor, caregiver=row, action=AuditAction.REVOKE, access=AccessPath.CAREGIVER, request=request)
    if declined:
        _tell_patient(row, gettext_noop("%(name)s declined to be your caregiver."), actor=actor)
    else:
        _tell_patient(row, gettext_noop("%(name)s stopped being your caregiver."), actor=actor)
    return row


def caregiver_invitation_of(token: str) -> Caregiver | None:
    """The invitation `token` opens: waiting, not expired. None otherwise (whatever the reason)."""
    if not token or len(token) > 100:
        return None
    return (
        Caregiver.objects.select_related("patient")
        .filter(
            invitation_token_hash=token_hash(token),
            caregiver__isnull=True,
            revoked_at__isnull=True,
            invitation_expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def caregiver_invitation_accept(*, actor, token: str, request=None) -> Caregiver:
    """The person invited, signed in (or just signed up), accepts: they become the caregiver, in force."""
    invitation = caregiver_invitation_of(token)
    if invitation is None:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid_invitation")
    row = Caregiver.objects.select_for_update().get(pk=invitation.pk)
    if row.caregiver_id is not None or row.revoked_at is not None:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid_invitation")
    if actor.pk == row.patient_id:
        raise ValidationError(_("You cannot be your own caregiver."), code="oneself")
    if actor.is_staff:
        raise ValidationError(_("Sign in with a personal account to accept."), code="staff")
    if Caregiver.objects.filter(patient=row.patient, caregiver=actor, revoked_at__isnull=True).exists():
        raise ValidationError(_("You already help this person, or were already asked."), code="already")
    row.caregiver, row.accepted_at, row.invitation_token_hash = actor, timezone.now(), USED_INVITATION
    row.full_clean()
    row.save(update_fields=["caregiver", "accepted_at", "invitation_token_hash"])
    _audit(actor=actor, caregiver=row, action=AuditAction.CREATE, access=AccessPath.CAREGIVER, request=request)
    _tell_patient(row, gettext_noop("%(name)s accepted to be your caregiver."), actor=actor)
    return row


@transaction.atomic
def caregiver_invitation_decline(*, token: str) -> Caregiver | None:
    """Whoever holds the invitation declines it (signed in or not); the patient is told."""
    invitation = caregiver_invitation_of(token)
    if invitation is None:
        return None
    if not Caregiver.objects.filter(pk=invitation.pk, revoked_at__isnull=True, caregiver__isnull=True).update(
        revoked_at=timezone.now(), invitation_token_hash=USED_INVITATION
    ):
        return None
    notify_translated(
        recipient=invitation.patient,
        event=Event.CAREGIVER,
        text=gettext_noop("%(address)s declined your invitation to be your caregiver."),
        params={"address": invitation.invited_email or invitation.invited_phone},
        url=reverse("sharing:caregivers"),
    )
    return invitation
