"""The emergency profile and its Heart-Code: the public page a first responder opens by scanning it."""

import hashlib
from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from access import policy
from access.models import AccessPath
from audit import services as audit
from audit.models import EMERGENCY_PAGE_VISITOR, ObjectType
from audit.models import Action as AuditAction
from notifications.models import Event
from notifications.services import notify_translated
from sharing import tokens
from sharing.models import EmergencyProfile


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
    """The Heart-Code's token, made again with the key that made it: printed cards keep working after a new
    key is added. Once that key is removed the old code is dead anyway: a new one is made with the newest
    key, so that the patient's page never shows a code that does not open."""
    token = tokens.derived_token_in_use(tokens.HEARTCODE, profile.token_nonce, profile.token_hash)
    if token is None:
        token = tokens.emergency_token(profile.token_nonce)
        profile.token_hash = tokens.token_hash(token)
        profile.save(update_fields=["token_hash", "updated_at"])
    return token


@transaction.atomic
def emergency_profile_update(*, actor, profile: EmergencyProfile, fields: dict, visible_sections, request=None):
    policy.require(actor, policy.Action.SHARE, profile.patient)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.visible_sections = [section for section in EmergencyProfile.SECTIONS if section in visible_sections]
    profile.full_clean()
    profile.save()
    audit.record(
        actor=actor,
        patient=profile.patient,
        object_type=ObjectType.EMERGENCY_PROFILE,
        object_id=None,
        action=AuditAction.UPDATE,
        access=AccessPath.OWNER,
        request=request,
    )
    return profile


@transaction.atomic
def emergency_profile_regenerate_code(*, actor, profile: EmergencyProfile, request=None) -> EmergencyProfile:
    """A new Heart-Code: the old URL (and every printed card) stops working at once."""
    policy.require(actor, policy.Action.SHARE, profile.patient)
    profile.token_nonce = tokens.new_nonce()
    profile.token_hash = tokens.token_hash(tokens.emergency_token(profile.token_nonce))
    profile.save(update_fields=["token_nonce", "token_hash", "updated_at"])
    audit.record(
        actor=actor,
        patient=profile.patient,
        object_type=ObjectType.EMERGENCY_PROFILE,
        object_id=None,
        action=AuditAction.UPDATE,
        access=AccessPath.OWNER,
        request=request,
    )
    return profile


# A visitor who reads the page again within this window (a first responder going back to it, a reload) tells
# the patient once: the access log still holds every view, and the notification links to it.
VIEW_NOTICE_WINDOW = timedelta(minutes=10)


def _view_notice_key(*, profile: EmergencyProfile, member, request) -> str:
    """Who "the same visitor" is: a member is themselves; anyone else is one browser at one address."""
    if member is not None:
        visitor = f"member\0{member.pk}"
    else:
        user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
        visitor = f"visitor\0{audit.client_ip(request) or ''}\0{user_agent}"
    digest = hashlib.sha256(f"{profile.patient.public_id}\0{visitor}".encode()).hexdigest()
    return f"emergency-view-told:{digest}"


def _view_recorded(*, profile: EmergencyProfile, member, request) -> None:
    audit.record(
        actor=member,
        patient=profile.patient,
        object_type=ObjectType.EMERGENCY_PROFILE,
        object_id=None,
        action=AuditAction.VIEW,
        access=AccessPath.EMERGENCY,
        request=request,
        label="" if member else EMERGENCY_PAGE_VISITOR,
    )


def emergency_profile_viewed(*, profile: EmergencyProfile, viewer, request=None) -> None:
    """Each view of the public page writes its access event; the patient hears of a visitor's views once per
    VIEW_NOTICE_WINDOW. The page is opened under pressure, by many at once (bench/load.py): a view the patient
    was already told of costs one INSERT, not a transaction with a notification, its outbox row and a message
    to the broker.

    The mark "told" is set once the notification is committed: a view whose notification was rolled back
    leaves none, and a cache that lost the mark (or two first views at the same moment) only tells the patient
    once more."""
    member = viewer if viewer is not None and viewer.is_authenticated else None
    notice_key = _view_notice_key(profile=profile, member=member, request=request)
    if cache.get(notice_key):
        _view_recorded(profile=profile, member=member, request=request)
        return
    if member:
        text, params = gettext_noop("%(name)s viewed your emergency profile."), {"name": member.full_name}
    else:
        text, params = gettext_noop("Someone viewed your emergency profile."), {}
    with transaction.atomic():
        _view_recorded(profile=profile, member=member, request=request)
        notify_translated(
            recipient=profile.patient,
            event=Event.EMERGENCY_PROFILE_VIEWED,
            text=text,
            params=params,
            url=reverse("audit:access_log"),
            actor=member,
        )
        # robust: a cache that fails to keep the mark must not turn the page, already committed, into an error.
        transaction.on_commit(partial(cache.set, notice_key, True, VIEW_NOTICE_WINDOW.total_seconds()), robust=True)
