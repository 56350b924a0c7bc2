"""Writes of the calendar feed: make one (ending the one in force), name the medications or not, revoke it,
and note that a calendar app read it.

Who manages a patient's feed: what the policy allows for SHARE on the patient, i.e. the patient and a
guardian or caregiver who manages the file, never a professional. A feed URL shows the patient's schedule to
whoever holds it, which is sharing (a professional's "contribute" grant allows UPDATE, and must not let them
publish the patient's schedule).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access import policy
from access.models import AccessPath
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from treatments.calendar_feed import calendar_feed_of, new_token, token_hash
from treatments.models import CalendarFeed

# A calendar app polls every few minutes to hours: one access event per hour at most says "your calendar
# read your schedule, from this address" without flooding the patient's access log with the same line.
READ_LOGGED_EVERY = datetime.timedelta(hours=1)
READER_LABEL = "iCalendar"


@dataclass(frozen=True)
class NewCalendarFeed:
    feed: CalendarFeed
    token: str  # shown once; only its hash is stored


def _record(*, actor, feed: CalendarFeed, action: AuditAction, access, request) -> None:
    audit.record(
        actor=actor,
        patient=feed.patient,
        object_type=ObjectType.CALENDAR_FEED,
        object_id=feed.public_id,
        action=action,
        access=access,
        request=request,
    )


def _revoke(*, actor, feed: CalendarFeed, access, request) -> None:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    _record(actor=actor, feed=feed, action=AuditAction.REVOKE, access=access, request=request)


@transaction.atomic
def calendar_feed_create(*, actor, patient, show_drug_names: bool = False, request=None) -> NewCalendarFeed:
    """A new feed for `patient`: the one in force (if any) is revoked first, so its URL stops working."""
    access = policy.require(actor, Action.SHARE, patient)
    in_force = CalendarFeed.objects.select_for_update().filter(patient=patient, revoked_at__isnull=True).first()
    if in_force is not None:
        _revoke(actor=actor, feed=in_force, access=access, request=request)
    token = new_token()
    feed = CalendarFeed(patient=patient, token_hash=token_hash(token), show_drug_names=show_drug_names)
    feed.full_clean()
    feed.save()
    _record(actor=actor, feed=feed, action=AuditAction.CREATE, access=access, request=request)
    return NewCalendarFeed(feed=feed, token=token)


@transaction.atomic
def calendar_feed_revoke(*, actor, patient, request=None) -> bool:
    """Ends the patient's feed in force; False when there was none."""
    access = policy.require(actor, Action.SHARE, patient)
    feed = CalendarFeed.objects.select_for_update().filter(patient=patient, revoked_at__isnull=True).first()
    if feed is None:
        return False
    _revoke(actor=actor, feed=feed, access=access, request=request)
    return True


@transaction.atomic
def calendar_feed_set_names(*, actor, patient, show_drug_names: bool, request=None) -> CalendarFeed | None:
    """Whether the feed in force names the medications (same URL); None when there is no feed."""
    access = policy.require(actor, Action.SHARE, patient)
    feed = calendar_feed_of(patient=patient)
    if feed is None:
        return None
    if feed.show_drug_names != show_drug_names:
        feed.show_drug_names = show_drug_names
        feed.save(update_fields=["show_drug_names"])
        _record(actor=actor, feed=feed, action=AuditAction.UPDATE, access=access, request=request)
    return feed


def calendar_feed_read(*, feed: CalendarFeed, request=None, now: datetime.datetime | None = None) -> None:
    """Notes that the feed was read: `last_read_at` and an access event, at most once per `READ_LOGGED_EVERY`.
    The reader is whoever holds the URL (the patient's calendar app, or someone it leaked to): the event goes
    through the link path with its address, so that the patient can tell an unexpected reader."""
    now = now or timezone.now()
    with transaction.atomic():
        # One conditional update: of two reads at the same time, only one writes the event.
        due = CalendarFeed.objects.filter(
            Q(last_read_at__isnull=True) | Q(last_read_at__lt=now - READ_LOGGED_EVERY), pk=feed.pk
        )
        if not due.update(last_read_at=now):
            return
        audit.record(
            actor=None,
            patient=feed.patient,
            object_type=ObjectType.CALENDAR_FEED,
            object_id=feed.public_id,
            action=AuditAction.VIEW,
            access=AccessPath.LINK,
            request=request,
            label=READER_LABEL,
        )
