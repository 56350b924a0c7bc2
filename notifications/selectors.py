"""Reads of notifications. A user only ever sees their own; another user's notification is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from notifications.models import ALWAYS_ON, Channels, Event, Notification, NotificationPreference, default_channels


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
    return {event: _effective(event, chosen.get(event)) for event in Event.values}


def channels_for(*, user, event: str) -> Channels:
    preference = NotificationPreference.objects.filter(user=user, event=event).first()
    return _effective(event, preference.channels if preference else None)


def _effective(event: str, chosen: Channels | None) -> Channels:
    if event in ALWAYS_ON:
        return Channels(in_app=True, email=True)
    return chosen or default_channels(event)
