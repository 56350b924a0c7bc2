"""Writes of notifications: what other apps call to tell a user something, reading, preferences, e-mail."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator

from notifications import selectors
from notifications.models import ALWAYS_ON, MESSAGE_MAX_LENGTH, Notification, NotificationPreference

logger = logging.getLogger(__name__)

SUBJECT_MESSAGE_LENGTH = 70


def notify(*, recipient, event: str, message: str, url: str = "", actor=None) -> Notification | None:
    """Tells `recipient` that `event` happened: in the app and by e-mail, as their preferences say.

    `message` is plain text, already translated (in the recipient's language: wrap the call in
    `translation.override(recipient.language)`), at most 300 characters (longer is cut). It must never
    carry a health detail: "Dr Martin added a document to your file", never the document's title, kind
    or content — it is stored as is, shown to anyone who sees the recipient's screen and sent by e-mail.
    `url` is a path on this site ("/records/…"); anything else is refused.

    Creates the in-app notification unless the recipient turned in-app off for this event, and queues
    the e-mail once the transaction commits when the recipient has an e-mail address and e-mail is on.
    Returns the notification the centre shows, or None when it shows none.
    """
    if not recipient.is_active:
        return None
    channels = selectors.channels_for(user=recipient, event=event)
    send_email = channels.email and bool(recipient.email)
    if not channels.in_app and not send_email:
        return None
    with transaction.atomic():
        notification = Notification(
            recipient=recipient,
            event=event,
            message=Truncator(message).chars(MESSAGE_MAX_LENGTH),
            url=url,
            actor=actor,
            in_app=channels.in_app,
        )
        notification.full_clean()
        notification.save()
        if send_email:
            _queue_email(notification)
    return notification if channels.in_app else None


def _queue_email(notification: Notification) -> None:
    from notifications.tasks import notification_send_email

    transaction.on_commit(lambda pk=notification.pk: notification_send_email.delay(pk))


def notify_translated(*, recipient, event: str, text: str, params: dict | None = None, url: str = "", actor=None):
    """`notify` with a message written as `gettext_noop("%(name)s did …")`: it is translated in the
    recipient's language, whatever the language of the person whose action caused it."""
    with translation.override(recipient.language):
        message = translation.gettext(text) % (params or {})
    return notify(recipient=recipient, event=event, message=message, url=url, actor=actor)


def notification_mark_read(*, actor, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is not None:
        return
    read_at = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=read_at)
    notification.read_at = read_at


def notifications_mark_all_read(*, actor) -> int:
    """Marks every unread notification of the actor as read; returns how many there were."""
    with transaction.atomic():
        unread = selectors.notifications_for_user(user=actor).filter(read_at__isnull=True)
        return unread.update(read_at=timezone.now())


def preferences_update(*, actor, values: dict[str, tuple[bool, bool]]) -> None:
    """Stores the actor's channels, event -> (in_app, email). Events that are always on keep both."""
    with transaction.atomic():
        for event, (in_app, email) in values.items():
            if event in ALWAYS_ON:
                continue
            preference = NotificationPreference.objects.filter(user=actor, event=event).first()
            preference = preference or NotificationPreference(user=actor, event=event)
            preference.in_app, preference.email = in_app, email
            preference.full_clean()
            preference.save()


def notification_email_send(*, notification_id: int) -> None:
    """Sends the notification's e-mail once. The row stays locked while sending, so that two workers
    given the same task do not both send; a failed send leaves `emailed_at` empty for the retry."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None:
            return
        recipient = notification.recipient
        # The address may have been removed, or the account closed, since the notification was made.
        if not recipient.email or not recipient.is_active:
            logger.info("Notification %s not e-mailed: the recipient has no address", notification_id)
            return
        with translation.override(recipient.language):
            subject, body = _render_email(notification)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    logger.info("Notification %s e-mailed", notification_id)


def _render_email(notification: Notification) -> tuple[str, str]:
    site_url = settings.SITE_URL.rstrip("/")
    # A subject is one line, whatever the message holds.
    one_line = " ".join(notification.message.split())
    subject = f"ReLyfe — {Truncator(one_line).chars(SUBJECT_MESSAGE_LENGTH)}"
    body = render_to_string(
        "notifications/email/notification.txt",
        {
            "first_name": notification.recipient.first_name,
            "message": notification.message,
            "link": site_url + (notification.url or reverse("notifications:list")),
            "preferences_link": site_url + reverse("notifications:preferences"),
        },
    )
    return subject, body
