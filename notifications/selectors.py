"""Reads of notifications. A user only ever sees their own; another user's notification is a 404."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import Http404

from notifications.models import (
    ALWAYS_ON,
    Channels,
    Event,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
    default_channels,
)
from notifications.webpush import vapid_keys


def notifications_for_user(*, user) -> QuerySet[Notification]:
    """The user's notification centre, newest first."""
    return Notification.objects.filter(recipient=user, in_app=True).order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def notification_get_for_user(*, user, public_id) -> Notification:
    notification = notifications_for_user(user=user).filter(public_id=public_id).first()
    if notification is None:
        raise Http404
    return notification


def preferences_for_user(*, user) -> dict[str, Channels]:
    """Every event with the channels the user gets it on: their choice, or the default."""
    chosen = {preference.event: preference.channels for preference in NotificationPreference.objects.filter(user=user)}
    return {event: effective_channels(event, chosen.get(event)) for event in Event.values}


def channels_for(*, user, event: str) -> Channels:
    preference = NotificationPreference.objects.filter(user=user, event=event).first()
    return effective_channels(event, preference.channels if preference else None)


def effective_channels(event: str, chosen: Channels | None) -> Channels:
    """The channels of `event` for a user whose preference for it is `chosen` (None: they never chose)."""
    if event in ALWAYS_ON:
        return Channels(in_app=True, email=True, push=True)
    return chosen or default_channels(event)


def notification_settings_for_user(*, user) -> NotificationSettings:
    """The user's settings; an unsaved row with no quiet hours when they never set any."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def in_quiet_hours(user, at: datetime) -> bool:
    """Whether `at` falls in the user's quiet hours, read on the clock of the user's own time zone."""
    quiet_hours = notification_settings_for_user(user=user)
    if not quiet_hours.has_quiet_hours:
        return False
    return quiet_hours.is_quiet_at(at.astimezone(ZoneInfo(user.time_zone)).time())


def push_available() -> bool:
    """Whether this server can send pushes at all (it has a VAPID key pair)."""
    return vapid_keys() is not None


def can_push_to(*, user) -> bool:
    return push_available() and PushSubscription.objects.filter(user=user).exists()
