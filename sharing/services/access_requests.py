"""Access requests: someone at the emergency page asks for the file; the patient approves (a grant or a
share link) or refuses, and the visitor hears the answer."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop, override
from django.utils.translation import gettext as _

from access import policy
from access.models import GrantOrigin, Permission, Scope
from health_records.models import HealthRecord
from notifications import sms
from notifications.models import Event
from notifications.services import notify_translated
from relyfe.abuse import without_links
from relyfe.web import absolute_url
from sharing import tokens
from sharing.models import (
    AccessRequest,
    AccessRequestStatus,
    EmergencyProfile,
)
from sharing.services._common import grant_create, own_active_records
from sharing.services.share_links import share_link_create

REQUEST_LIFETIME = timedelta(hours=72)
REQUEST_MIN_DURATION = timedelta(hours=1)
REQUEST_MAX_DURATION = timedelta(days=30)

logger = logging.getLogger(__name__)


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
        # Typed by anyone at the emergency page: it goes into the patient's e-mail and push with no link left.
        params={"name": without_links(access_request.name)},
        url=reverse("sharing:request", args=[access_request.public_id]),
    )
    if access_request.contact_email:
        transaction.on_commit(lambda: _send_status_address(access_request), robust=True)
    return access_request


def access_request_status_path(access_request: AccessRequest) -> str:
    nonce = access_request.token_nonce
    token = tokens.derived_token_in_use(tokens.REQUEST_STATUS, nonce, access_request.status_token_hash)
    return reverse("sharing:request_status", args=[token or tokens.request_status_token(nonce)])


def access_request_status_url(access_request: AccessRequest) -> str:
    return absolute_url(access_request_status_path(access_request))


def access_request_link_url(access_request: AccessRequest) -> str:
    """The link an approved visitor opens the documents with, while it works; "" otherwise."""
    link = access_request.share_link
    if link is None or not link.is_usable:
        return ""
    token = tokens.derived_token_in_use(tokens.REQUEST_LINK, access_request.token_nonce, link.token_hash)
    if token is None:  # made with a key since removed: the link no longer opens (selectors.share_link_by_token)
        return ""
    return absolute_url(reverse("sharing:link_open", args=[token]))


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
    policy.require(actor, policy.Action.SHARE, access_request.patient)
    access_request = _pending(access_request)
    if not REQUEST_MIN_DURATION <= duration <= REQUEST_MAX_DURATION:
        raise ValidationError(_("Choose a duration from 1 hour to 30 days."), code="duration")
    patient, token = actor, ""
    requester = access_request.requester
    if requester is not None and requester.is_professional:
        access_request.grant = grant_create(
            patient=patient,
            professional=requester,
            scope=scope,
            permission=permission,
            records=own_active_records(patient, records),
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
        transaction.on_commit(lambda: _tell_visitor_the_answer(access_request), robust=True)
    return access_request, token


@transaction.atomic
def access_request_refuse(*, actor, access_request: AccessRequest, request=None) -> AccessRequest:
    policy.require(actor, policy.Action.SHARE, access_request.patient)
    access_request = _pending(access_request)
    access_request.status = AccessRequestStatus.REFUSED
    access_request.answered_at = timezone.now()
    access_request.save()
    if access_request.requester is None:
        transaction.on_commit(lambda: _tell_visitor_the_answer(access_request), robust=True)
    else:
        notify_translated(
            recipient=access_request.requester,
            event=Event.ACCESS_REQUEST_ANSWERED,
            text=gettext_noop("%(name)s did not accept your access request."),
            params={"name": actor.full_name},
            actor=actor,
        )
    return access_request
