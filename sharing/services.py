"""Writes of sharing: grants, share links, the emergency profile, access requests and break-glass.

Each checks who acts, validates, writes the access event and notifies the people concerned. Messages never
carry health details: they say who did what, never what a record contains.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop, override
from django.utils.translation import gettext as _

from access import policy
from access.models import AccessPath, Grant, GrantOrigin, Permission, Scope
from accounts.models import User
from audit import services as audit
from audit.models import EMERGENCY_PAGE_VISITOR
from audit.models import Action as AuditAction
from health_records.models import HealthRecord
from notifications import sms
from notifications.models import Event
from notifications.services import notify_translated
from relyfe.undo import undo_window_open
from relyfe.web import absolute_url
from sharing import tokens
from sharing.models import (
    AccessRequest,
    AccessRequestStatus,
    CareTeamProposal,
    EmergencyProfile,
    ShareLink,
    SharingSettings,
)

LINK_DEFAULT_LIFETIME = timedelta(days=7)
LINK_MIN_LIFETIME = timedelta(hours=1)
LINK_MAX_LIFETIME = timedelta(days=90)
REQUEST_LIFETIME = timedelta(hours=72)
REQUEST_MIN_DURATION = timedelta(hours=1)
REQUEST_MAX_DURATION = timedelta(days=30)
BREAK_GLASS_DURATION = timedelta(hours=24)
PASSCODE_ATTEMPTS = 5
PASSCODE_LOCKOUT_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


def _require_patient(actor, patient):
    """Sharing a file is the patient's own decision: the policy allows it on the owner path only."""
    if policy.decide(actor, policy.Action.SHARE, patient).path != AccessPath.OWNER:
        raise PermissionDenied


def _audit(*, actor, patient, object_type, object_id, action, access_path=AccessPath.OWNER, request=None, label=""):
    audit.record(
        actor=actor,
        patient=patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access_path=access_path,
        request=request,
        actor_label=label,
    )


def _own_active_records(patient, records) -> list[HealthRecord]:
    records = list(records)
    if any(record.patient_id != patient.pk or record.is_archived for record in records):
        raise ValidationError(_("Choose among your own records."), code="foreign_record")
    return records


# --- Grants ---------------------------------------------------------------------------------------


def _grant_create(*, patient, professional, scope, permission, records, kinds, ends_at, created_by, origin, reason=""):
    if not professional.is_professional or not professional.is_active:
        raise ValidationError(_("Access can only be given to a health professional."), code="not_professional")
    if scope == Scope.RECORDS and not records:
        raise ValidationError(_("Choose at least one record."), code="no_records")
    if scope == Scope.KINDS and not kinds:
        raise ValidationError(_("Choose at least one kind of record."), code="no_kinds")
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError(_("The end date must be in the future."), code="past_end")
    Grant.objects.filter(patient=patient, professional=professional, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=created_by
    )
    grant = Grant(
        patient=patient,
        professional=professional,
        scope=scope,
        permission=permission,
        kinds=list(kinds) if scope == Scope.KINDS else [],
        ends_at=ends_at,
        created_by=created_by,
        origin=origin,
        reason=reason,
    )
    grant.full_clean()
    grant.save()
    if scope == Scope.RECORDS:
        grant.records.set(records)
    return grant


@transaction.atomic
def grant_give(*, actor, professional, scope, permission, records=(), kinds=(), ends_at=None, request=None) -> Grant:
    """The patient gives (or changes: the old grant is revoked) a professional's access to their file."""
    patient = actor
    _require_patient(actor, patient)
    grant = _grant_create(
        patient=patient,
        professional=professional,
        scope=scope,
        permission=permission,
        records=_own_active_records(patient, records),
        kinds=kinds,
        ends_at=ends_at,
        created_by=actor,
        origin=GrantOrigin.PATIENT,
    )
    _audit(
        actor=actor,
        patient=patient,
        object_type="grant",
        object_id=grant.public_id,
        action=AuditAction.SHARE,
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
    grant = _grant_create(
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
    _audit(
        actor=actor,
        patient=patient,
        object_type="grant",
        object_id=grant.public_id,
        action=AuditAction.SHARE,
        access_path=AccessPath.GRANT,
        request=request,
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: Grant, request=None) -> Grant:
    """Takes effect on the professional's next request: the policy only counts unrevoked grants."""
    _require_patient(actor, grant.patient)
    updated = Grant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    grant.refresh_from_db()
    if updated:
        _audit(
            actor=actor,
            patient=grant.patient,
            object_type="grant",
            object_id=grant.public_id,
            action=AuditAction.REVOKE,
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
    _require_patient(actor, grant.patient)
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    replaced = Grant.objects.filter(patient=grant.patient, professional=grant.professional, revoked_at__isnull=True)
    if grant.revoked_by_id != actor.pk or not undo_window_open(grant.revoked_at) or replaced.exists():
        raise ValidationError(_("It is too late to undo: give the access again."), code="undo_too_late")
    grant.revoked_at, grant.revoked_by = None, None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    _audit(
        actor=actor,
        patient=grant.patient,
        object_type="grant",
        object_id=grant.public_id,
        action=AuditAction.RESTORE,
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


# --- Share links ----------------------------------------------------------------------------------


@transaction.atomic
def share_link_create(
    *,
    actor,
    records,
    lifetime: timedelta = LINK_DEFAULT_LIFETIME,
    max_opens: int | None = None,
    with_passcode: bool = False,
    allow_comments: bool = False,
    label: str = "",
    recipient_email: str = "",
    token: str = "",
    request=None,
) -> tuple[ShareLink, str, str]:
    """A link to chosen records. Returns the link, its token and its passcode: both are shown once and
    only their hashes are kept. A caller that can derive the token again (an approved access request)
    gives it; otherwise it is random."""
    patient = actor
    _require_patient(actor, patient)
    records = _own_active_records(patient, records)
    if not records:
        raise ValidationError(_("Choose at least one record."), code="no_records")
    if not LINK_MIN_LIFETIME <= lifetime <= LINK_MAX_LIFETIME:
        raise ValidationError(_("A link lasts from 1 hour to 90 days."), code="lifetime")
    token = token or tokens.new_token()
    passcode = tokens.new_passcode() if with_passcode else ""
    now = timezone.now()
    link = ShareLink(
        patient=patient,
        token_hash=tokens.token_hash(token),
        passcode_hash=make_password(passcode) if passcode else "",
        allow_comments=allow_comments,
        max_opens=max_opens,
        created_at=now,
        expires_at=now + lifetime,
        label=label,
        recipient_email=recipient_email,
    )
    link.full_clean()
    link.save()
    link.records.set(records)
    _audit(
        actor=actor,
        patient=patient,
        object_type="share_link",
        object_id=link.public_id,
        action=AuditAction.SHARE,
        request=request,
    )
    if recipient_email:
        url = absolute_url(reverse("sharing:link_open", args=[token]))
        transaction.on_commit(lambda: _send_link(link, url, patient))
    return link, token, passcode


def _send_link(link: ShareLink, url: str, patient: User) -> None:
    """Sent from the web process, not a task: the token must not travel through the broker."""
    with override(patient.language):
        subject = _("%(name)s shares health documents with you on ReLyfe") % {"name": patient.full_name}
        body = _(
            "Hello,\n\n%(name)s shares health documents with you. Open them with this link, valid until %(date)s:"
            "\n\n%(url)s\n\nIf a passcode is asked, %(name)s will give it to you separately.\n\n— ReLyfe"
        ) % {"name": patient.full_name, "date": timezone.localtime(link.expires_at).strftime("%d/%m/%Y"), "url": url}
    send_mail(subject, body, None, [link.recipient_email])


@transaction.atomic
def share_link_revoke(*, actor, link: ShareLink, request=None) -> ShareLink:
    _require_patient(actor, link.patient)
    if ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        _audit(
            actor=actor,
            patient=link.patient,
            object_type="share_link",
            object_id=link.public_id,
            action=AuditAction.REVOKE,
            request=request,
        )
    link.refresh_from_db()
    return link


@transaction.atomic
def share_link_restore(*, actor, link: ShareLink, request=None) -> ShareLink:
    """Undoes the patient's stopping of a link seconds ago; the log keeps both."""
    _require_patient(actor, link.patient)
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if not undo_window_open(link.revoked_at):
        raise ValidationError(_("It is too late to undo: make a new link."), code="undo_too_late")
    link.revoked_at = None
    link.save(update_fields=["revoked_at"])
    _audit(
        actor=actor,
        patient=link.patient,
        object_type="share_link",
        object_id=link.public_id,
        action=AuditAction.RESTORE,
        request=request,
    )
    return link


def _passcode_key(link: ShareLink) -> str:
    return f"share-link-passcode-failures:{link.public_id}"


def share_link_passcode_locked(link: ShareLink) -> bool:
    return (cache.get(_passcode_key(link)) or 0) >= PASSCODE_ATTEMPTS


def share_link_check_passcode(*, link: ShareLink, passcode: str) -> bool:
    """A few wrong guesses lock the link for a while: six digits must not be guessable by trying them all."""
    if share_link_passcode_locked(link):
        return False
    if check_password(passcode.strip(), link.passcode_hash):
        cache.delete(_passcode_key(link))
        return True
    if not cache.add(_passcode_key(link), 1, PASSCODE_LOCKOUT_SECONDS):
        cache.incr(_passcode_key(link))
    return False


@transaction.atomic
def share_link_open(*, link: ShareLink, name: str, profession: str = "", request=None) -> bool:
    """Counts an opening by someone who said who they are; False when the link has no opens left."""
    counted = (
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .filter(Q(max_opens__isnull=True) | Q(open_count__lt=F("max_opens")))
        .update(open_count=F("open_count") + 1)
    )
    if not counted:
        return False
    label = f"{name} ({profession})" if profession else name
    _audit(
        actor=None,
        patient=link.patient,
        object_type="share_link",
        object_id=link.public_id,
        action=AuditAction.VIEW,
        access_path=AccessPath.LINK,
        request=request,
        label=label,
    )
    notify_translated(
        recipient=link.patient,
        event=Event.SHARE_LINK_OPENED,
        text=gettext_noop("%(name)s opened the documents you shared."),
        params={"name": name},
        url=reverse("sharing:links"),
    )
    return True


# --- Emergency profile and Heart-Code -------------------------------------------------------------


def emergency_profile_ensure(*, patient) -> EmergencyProfile:
    """Every patient has a profile (off until they turn it on) and thus a Heart-Code URL."""
    profile = EmergencyProfile.objects.filter(patient=patient).first()
    if profile is not None:
        return profile
    nonce = tokens.new_nonce()
    return EmergencyProfile.objects.create(
        patient=patient, token_nonce=nonce, token_hash=tokens.token_hash(tokens.emergency_token(nonce))
    )


def emergency_token_of(profile: EmergencyProfile) -> str:
    return tokens.emergency_token(profile.token_nonce)


@transaction.atomic
def emergency_profile_update(*, actor, profile: EmergencyProfile, fields: dict, visible_sections, request=None):
    _require_patient(actor, profile.patient)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.visible_sections = [section for section in EmergencyProfile.SECTIONS if section in visible_sections]
    profile.full_clean()
    profile.save()
    _audit(
        actor=actor,
        patient=profile.patient,
        object_type="emergency_profile",
        object_id=None,
        action=AuditAction.UPDATE,
        request=request,
    )
    return profile


@transaction.atomic
def emergency_profile_regenerate_code(*, actor, profile: EmergencyProfile, request=None) -> EmergencyProfile:
    """A new Heart-Code: the old URL (and every printed card) stops working at once."""
    _require_patient(actor, profile.patient)
    profile.token_nonce = tokens.new_nonce()
    profile.token_hash = tokens.token_hash(tokens.emergency_token(profile.token_nonce))
    profile.save(update_fields=["token_nonce", "token_hash", "updated_at"])
    _audit(
        actor=actor,
        patient=profile.patient,
        object_type="emergency_profile",
        object_id=None,
        action=AuditAction.UPDATE,
        request=request,
    )
    return profile


def emergency_profile_viewed(*, profile: EmergencyProfile, viewer, request=None) -> None:
    """Each view of the public page is in the access log, and the patient hears of it."""
    member = viewer if viewer is not None and viewer.is_authenticated else None
    _audit(
        actor=member,
        patient=profile.patient,
        object_type="emergency_profile",
        object_id=None,
        action=AuditAction.VIEW,
        access_path=AccessPath.EMERGENCY,
        request=request,
        label="" if member else EMERGENCY_PAGE_VISITOR,
    )
    if member:
        text, params = gettext_noop("%(name)s viewed your emergency profile."), {"name": member.full_name}
    else:
        text, params = gettext_noop("Someone viewed your emergency profile."), {}
    notify_translated(
        recipient=profile.patient,
        event=Event.EMERGENCY_PROFILE_VIEWED,
        text=text,
        params=params,
        url=reverse("audit:access_log"),
        actor=member,
    )


# --- Access requests ------------------------------------------------------------------------------


@transaction.atomic
def access_request_create(*, profile: EmergencyProfile, requester, fields: dict, request=None) -> AccessRequest:
    """Records the request and tells the patient. The visitor follows the answer on a status page whose
    address is shown to them and sent to their e-mail."""
    nonce = tokens.new_nonce()
    access_request = AccessRequest(
        patient=profile.patient,
        requester=requester if requester is not None and requester.is_authenticated else None,
        expires_at=timezone.now() + REQUEST_LIFETIME,
        token_nonce=nonce,
        status_token_hash=tokens.token_hash(tokens.request_status_token(nonce)),
        language=get_language() or settings.LANGUAGE_CODE,
        **fields,
    )
    access_request.full_clean()
    access_request.save()
    notify_translated(
        recipient=profile.patient,
        event=Event.ACCESS_REQUEST_RECEIVED,
        text=gettext_noop("%(name)s asks for access to your file."),
        params={"name": access_request.name},
        url=reverse("sharing:request", args=[access_request.public_id]),
    )
    if access_request.contact_email:
        transaction.on_commit(lambda: _send_status_address(access_request))
    return access_request


def access_request_status_path(access_request: AccessRequest) -> str:
    return reverse("sharing:request_status", args=[tokens.request_status_token(access_request.token_nonce)])


def access_request_status_url(access_request: AccessRequest) -> str:
    return absolute_url(access_request_status_path(access_request))


def access_request_link_url(access_request: AccessRequest) -> str:
    """The link an approved visitor opens the documents with, while it works; "" otherwise."""
    link = access_request.share_link
    if link is None or not link.is_usable:
        return ""
    return absolute_url(reverse("sharing:link_open", args=[tokens.request_link_token(access_request.token_nonce)]))


def _send_status_address(access_request: AccessRequest) -> None:
    """The address anyone typed receives only our own text and URL, never what the visitor wrote, so the
    form cannot be used to send someone else a message. Sent from the web process: the token must not
    travel through the broker."""
    with override(access_request.language):
        subject = _("Your access request on ReLyfe")
        body = _(
            "Hello,\n\nYour request for access to a ReLyfe file is sent. The answer will show on this page, "
            "which you can open again at any time:\n\n%(url)s\n\nWithout an answer within 72 hours, the "
            "request expires.\n\n— ReLyfe"
        ) % {"url": access_request_status_url(access_request)}
    send_mail(subject, body, None, [access_request.contact_email])


def _text_visitor(access_request: AccessRequest, body: str) -> None:
    """The answer by SMS to the phone the visitor gave. Sent from the web process like the link's e-mail
    (the link's token must not travel through the broker); a failure leaves the status page as the way."""
    try:
        sms.send_sms(to=access_request.contact_phone, body=body)
    except sms.SmsError as error:
        logger.warning("The SMS answering access request %s was not sent: %s", access_request.public_id, error)


def _tell_visitor_the_answer(access_request: AccessRequest) -> None:
    """SMS to the visitor's phone, and an e-mail when no link e-mail went out (a refusal). Only the patient's
    answer triggers a message to a number typed in the public form."""
    with override(access_request.language):
        if access_request.status == AccessRequestStatus.APPROVED:
            sms_body = _("ReLyfe: your access request is approved. Open the documents: %(url)s") % {
                "url": access_request_link_url(access_request)
            }
        else:
            sms_body = _("ReLyfe: your access request was not accepted.")
            if access_request.contact_email:
                send_mail(
                    _("Your access request on ReLyfe"),
                    _("Hello,\n\nYour request for access to a ReLyfe file was not accepted.\n\n— ReLyfe"),
                    None,
                    [access_request.contact_email],
                )
    if access_request.contact_phone:
        _text_visitor(access_request, sms_body)


def _pending(access_request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("This request was answered already."), code="answered")
    if locked.is_expired:
        raise ValidationError(_("This request has expired."), code="expired")
    return locked


@transaction.atomic
def access_request_approve(
    *, actor, access_request: AccessRequest, scope, permission, duration: timedelta, records=(), kinds=(), request=None
) -> tuple[AccessRequest, str]:
    """A member professional gets a grant; anyone else a share link (sent to their e-mail when they gave one).
    Returns the request and, for a link, its token so that the patient can pass it on."""
    _require_patient(actor, access_request.patient)
    access_request = _pending(access_request)
    if not REQUEST_MIN_DURATION <= duration <= REQUEST_MAX_DURATION:
        raise ValidationError(_("Choose a duration from 1 hour to 30 days."), code="duration")
    patient, token = actor, ""
    requester = access_request.requester
    if requester is not None and requester.is_professional:
        access_request.grant = _grant_create(
            patient=patient,
            professional=requester,
            scope=scope,
            permission=permission,
            records=_own_active_records(patient, records),
            kinds=kinds,
            ends_at=timezone.now() + duration,
            created_by=actor,
            origin=GrantOrigin.ACCESS_REQUEST,
            reason=access_request.reason,
        )
        notify_translated(
            recipient=requester,
            event=Event.ACCESS_REQUEST_ANSWERED,
            text=gettext_noop("%(name)s gave you access to their file."),
            params={"name": patient.full_name},
            url=reverse("health_records:timeline", args=[patient.public_id]),
            actor=actor,
        )
    else:
        shared = HealthRecord.objects.filter(patient=patient).active()
        if scope == Scope.RECORDS:
            shared = shared.filter(pk__in=[record.pk for record in records])
        elif scope == Scope.KINDS:
            shared = shared.filter(kind__in=kinds)
        link, token, _passcode = share_link_create(
            actor=actor,
            records=shared,
            lifetime=duration,
            allow_comments=permission != Permission.READ,
            label=access_request.name,
            recipient_email=access_request.contact_email,
            token=tokens.request_link_token(access_request.token_nonce),
            request=request,
        )
        access_request.share_link = link
    access_request.status = AccessRequestStatus.APPROVED
    access_request.answered_at = timezone.now()
    access_request.save()
    if access_request.share_link is not None:
        transaction.on_commit(lambda: _tell_visitor_the_answer(access_request))
    return access_request, token


@transaction.atomic
def access_request_refuse(*, actor, access_request: AccessRequest, request=None) -> AccessRequest:
    _require_patient(actor, access_request.patient)
    access_request = _pending(access_request)
    access_request.status = AccessRequestStatus.REFUSED
    access_request.answered_at = timezone.now()
    access_request.save()
    if access_request.requester is None:
        transaction.on_commit(lambda: _tell_visitor_the_answer(access_request))
    else:
        notify_translated(
            recipient=access_request.requester,
            event=Event.ACCESS_REQUEST_ANSWERED,
            text=gettext_noop("%(name)s did not accept your access request."),
            params={"name": actor.full_name},
            actor=actor,
        )
    return access_request


# --- Break-glass ----------------------------------------------------------------------------------


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
    grant = _grant_create(
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
    _audit(
        actor=actor,
        patient=patient,
        object_type="grant",
        object_id=grant.public_id,
        action=AuditAction.BREAK_GLASS,
        access_path=AccessPath.EMERGENCY,
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


# --- Care team proposals --------------------------------------------------------------------------


def sharing_settings_of(*, patient) -> SharingSettings:
    return SharingSettings.objects.get_or_create(patient=patient)[0]


@transaction.atomic
def sharing_settings_update(*, actor, team_may_invite: bool, invite_max_permission: str) -> SharingSettings:
    _require_patient(actor, actor)
    sharing_settings = sharing_settings_of(patient=actor)
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
    _audit(
        actor=actor,
        patient=patient,
        object_type="grant",
        object_id=proposal.public_id,
        action=AuditAction.SHARE,
        access_path=access.path,
        request=request,
    )
    if sharing_settings_of(patient=patient).allows(permission):
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
    proposal.grant = _grant_create(
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
    _require_patient(actor, proposal.patient)
    proposal = CareTeamProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != CareTeamProposal.Status.PENDING:
        raise ValidationError(_("This proposal was answered already."), code="answered")
    if approve:
        proposal = _approve(proposal, answered_by=actor)
        _audit(
            actor=actor,
            patient=actor,
            object_type="grant",
            object_id=proposal.grant.public_id,
            action=AuditAction.SHARE,
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
