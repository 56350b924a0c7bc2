"""Share links: chosen records for someone without an account, for a while, perhaps with a passcode."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from access import policy
from access.models import AccessPath
from accounts.models import User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records import masking
from health_records.models import RecordFile
from notifications.models import Event
from notifications.services import notify_translated
from relyfe import abuse
from relyfe.undo import undo_window_open
from relyfe.web import absolute_url
from sharing import tokens
from sharing.models import ShareLink
from sharing.services._common import own_active_records

LINK_DEFAULT_LIFETIME = timedelta(days=7)
LINK_MIN_LIFETIME = timedelta(hours=1)
LINK_MAX_LIFETIME = timedelta(days=90)
PASSCODE_ATTEMPTS = 5
PASSCODE_LOCKOUT_SECONDS = 15 * 60


@transaction.atomic
def share_link_create(
    *,
    actor,
    records,
    lifetime: timedelta = LINK_DEFAULT_LIFETIME,
    max_opens: int | None = None,
    with_passcode: bool = False,
    allow_comments: bool = False,
    mask_faces: bool = True,
    label: str = "",
    recipient_email: str = "",
    token: str = "",
    request=None,
) -> tuple[ShareLink, str, str]:
    """A link to chosen records. Returns the link, its token and its passcode: both are shown once and
    only their hashes are kept. A caller that can derive the token again (an approved access request)
    gives it; otherwise it is random. With `mask_faces` (the default), the link's photos are shown with
    their faces blurred: their blurred copies are asked for now, so that they are ready when it is opened."""
    patient = actor
    policy.require(actor, policy.Action.SHARE, patient)
    records = own_active_records(patient, records)
    if not records:
        raise ValidationError(_("Choose at least one record."), code="no_records")
    if not LINK_MIN_LIFETIME <= lifetime <= LINK_MAX_LIFETIME:
        raise ValidationError(_("A link lasts from 1 hour to 90 days."), code="lifetime")
    if recipient_email and not abuse.hit(
        abuse.Limit("share-link-emails:patient", settings.SHARE_LINK_EMAILS_PER_USER, 60 * 60), str(patient.public_id)
    ):
        # Our e-mails carry the patient's name to any address typed: a stolen session must not make a spam run.
        raise ValidationError(
            _("You sent many links by e-mail in the last hour. Wait an hour, or copy the link instead."),
            code="too_many_emails",
        )
    token = token or tokens.new_token()
    passcode = tokens.new_passcode() if with_passcode else ""
    now = timezone.now()
    link = ShareLink(
        patient=patient,
        token_hash=tokens.token_hash(token),
        passcode_hash=make_password(passcode) if passcode else "",
        allow_comments=allow_comments,
        mask_faces=mask_faces,
        max_opens=max_opens,
        created_at=now,
        expires_at=now + lifetime,
        label=label,
        recipient_email=recipient_email,
    )
    link.full_clean()
    link.save()
    link.records.set(records)
    if mask_faces:
        masking.record_files_mask(RecordFile.objects.filter(record__in=records))
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.SHARE_LINK,
        object_id=link.public_id,
        action=AuditAction.SHARE,
        access=AccessPath.OWNER,
        request=request,
    )
    if recipient_email:
        url = absolute_url(reverse("sharing:link_open", args=[token]))
        # A mail server failing after the commit must not turn the link, made and logged, into an error page:
        # robust=True logs the failure (the function's name and the error, never the token) and the page
        # shows the link to copy. The same holds for the access requests' e-mails and texts.
        transaction.on_commit(lambda: _send_link(link, url, patient), robust=True)
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
    policy.require(actor, policy.Action.SHARE, link.patient)
    if ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit.record(
            actor=actor,
            patient=link.patient,
            object_type=ObjectType.SHARE_LINK,
            object_id=link.public_id,
            action=AuditAction.REVOKE,
            access=AccessPath.OWNER,
            request=request,
        )
    link.refresh_from_db()
    return link


@transaction.atomic
def share_link_restore(*, actor, link: ShareLink, request=None) -> ShareLink:
    """Undoes the patient's stopping of a link seconds ago; the log keeps both."""
    policy.require(actor, policy.Action.SHARE, link.patient)
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if not undo_window_open(link.revoked_at):
        raise ValidationError(_("It is too late to undo: make a new link."), code="undo_too_late")
    link.revoked_at = None
    link.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        patient=link.patient,
        object_type=ObjectType.SHARE_LINK,
        object_id=link.public_id,
        action=AuditAction.RESTORE,
        access=AccessPath.OWNER,
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
        try:
            cache.incr(_passcode_key(link))
        except ValueError:  # the count expired, or Redis went down, between add() and incr()
            cache.add(_passcode_key(link), 1, PASSCODE_LOCKOUT_SECONDS)
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
    audit.record(
        actor=None,
        patient=link.patient,
        object_type=ObjectType.SHARE_LINK,
        object_id=link.public_id,
        action=AuditAction.VIEW,
        access=AccessPath.LINK,
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
