"""Writes of notifications: what other apps call to tell a user something, reading, preferences, quiet
hours, device subscriptions, and the e-mail and push channels."""

import hashlib
import json
import logging
from datetime import datetime, time
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator

from notifications import selectors
from notifications.models import (
    ALWAYS_ON,
    MESSAGE_MAX_LENGTH,
    SENT_DURING_QUIET_HOURS,
    Channels,
    Delivery,
    Event,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
    validate_actions,
    validate_relative_url,
)
from notifications.tasks import push_notification as push_notification_task
from notifications.tasks import push_notifications as push_notifications_task
from notifications.tasks import send_notification_email as send_notification_email_task
from notifications.tasks import send_notification_emails as send_notification_emails_task
from notifications.webpush import Outcome, PushServiceUnavailable, push_send, vapid_keys
from relyfe import outbox
from relyfe.bulk import insert_rows

logger = logging.getLogger(__name__)

SUBJECT_MESSAGE_LENGTH = 70
USER_AGENT_MAX_LENGTH = 300
MAX_SUBSCRIPTIONS_PER_USER = 10


def notify(
    *, recipient, event: str, message: str, url: str = "", actor=None, actions: list[dict] | None = None
) -> Notification | None:
    """Tells `recipient` that `event` happened: in the app, by e-mail and by push, as their preferences say.

    `message` is plain text, already translated (in the recipient's language: wrap the call in
    `translation.override(recipient.language)`), at most 300 characters (longer is cut). It must never
    carry a health detail: "Dr Martin added a document to your file", never the document's title, kind
    or content — it is stored as is, shown to anyone who sees the recipient's screen, sent by e-mail and
    shown on the lock screen of their phone.
    `url` is a path on this site ("/records/…"); anything else is refused.
    `actions` are at most two buttons, `{"action": "taken", "title": <translated label>, "url": "/…"}`,
    each posted to its path on this site (a path, like `url`). A device posts them without the page's
    CSRF token: the path must carry its own proof (a signed token in the query string).

    Creates the in-app notification unless the recipient turned in-app off for this event, and queues
    the e-mail and the push once the transaction commits, for the channels that are on, unless the
    recipient is in their quiet hours. Returns the notification the centre shows, or None when it
    shows none.
    """
    if not recipient.is_active:
        return None
    channels = selectors.channels_for(user=recipient, event=event)
    quiet = event not in SENT_DURING_QUIET_HOURS and selectors.in_quiet_hours(recipient, timezone.now())
    send_email = channels.email and bool(recipient.email) and not quiet
    send_push = channels.push and not quiet and selectors.can_push_to(user=recipient)
    if not channels.in_app and not send_email and not send_push:
        return None
    with transaction.atomic():
        notification = Notification(
            recipient=recipient,
            event=event,
            message=Truncator(message).chars(MESSAGE_MAX_LENGTH),
            url=url,
            actions=actions or [],
            actor=actor,
            in_app=channels.in_app,
            email_state=Delivery.PENDING if send_email else Delivery.NOT_ASKED,
            push_state=Delivery.PENDING if send_push else Delivery.NOT_ASKED,
            delivery_queued_at=timezone.now() if send_email or send_push else None,
        )
        # The recipient and actor are objects in hand and the public id is a fresh UUID: validating the
        # fields is enough, without a query per foreign key and unique field.
        notification.full_clean(exclude=["recipient", "actor"], validate_unique=False)
        notification.save()
        if send_email:
            _queue_email(notification)
        if send_push:
            _queue_push(notification)
    return notification if channels.in_app else None


class Outgoing(NamedTuple):
    """One message of `notify_many`: as `notify`'s arguments, the message already in the recipient's language."""

    recipient: Any
    message: str
    url: str = ""
    actions: list[dict] | None = None


# Deliveries are queued this many notifications to a task: a moment's reminders make a few outbox rows, not one
# per patient, and a worker sends each batch's e-mails or pushes one after the other.
DELIVERY_BATCH = 100


def notify_many(*, event: str, outgoing: list[Outgoing]) -> list[int | None]:
    """`notify` for many recipients at once, with a fixed number of queries whatever their number: their
    preferences, quiet hours and devices read in one query each, the notifications inserted together (rows, not
    models: `relyfe.bulk.insert_rows`), and their e-mails and pushes queued in batches of DELIVERY_BATCH
    (`send_notification_emails`, `push_notifications`). Same rules as `notify` for each; returns, in the same order,
    the id of each notification the centre shows (None where it shows none). A recipient is a user, or anything
    with its `pk`, `is_active`, `email` and `time_zone`. Call it inside a transaction."""
    if event not in Event.values:
        raise ValueError(f"Unknown event {event!r}")
    recipients = [each.recipient.pk for each in outgoing if each.recipient.is_active]
    chosen = {
        preference.user_id: preference.channels
        for preference in NotificationPreference.objects.filter(user__in=recipients, event=event)
    }
    quiet_hours = (
        {}
        if event in SENT_DURING_QUIET_HOURS
        else {each.user_id: each for each in NotificationSettings.objects.filter(user__in=recipients)}
    )
    with_devices = (
        set(PushSubscription.objects.filter(user__in=recipients).values_list("user_id", flat=True).distinct())
        if selectors.push_available()
        else set()
    )
    now = timezone.now()
    rows: list[_NotificationRow] = []
    # For each message, the index of its row, or None when nothing is made for it.
    row_of: list[int | None] = []
    for each in outgoing:
        recipient = each.recipient
        if not recipient.is_active:
            row_of.append(None)
            continue
        channels = selectors.effective_channels(event, chosen.get(recipient.pk))
        settings_of_recipient = quiet_hours.get(recipient.pk)
        quiet = settings_of_recipient is not None and settings_of_recipient.is_quiet_at(
            now.astimezone(ZoneInfo(recipient.time_zone)).time()
        )
        send_email = channels.email and bool(recipient.email) and not quiet
        send_push = channels.push and not quiet and recipient.pk in with_devices
        if not channels.in_app and not send_email and not send_push:
            row_of.append(None)
            continue
        # What `full_clean` would refuse that a caller can get wrong, without its cost per row (a query per
        # constraint): a link or an action leaving the site.
        validate_relative_url(each.url)
        validate_actions(each.actions or [])
        message = each.message
        if len(message) > MESSAGE_MAX_LENGTH:
            message = Truncator(message).chars(MESSAGE_MAX_LENGTH)
        row_of.append(len(rows))
        rows.append(
            _NotificationRow(
                recipient=recipient.pk,
                event=event,
                message=message,
                url=each.url,
                actions=each.actions or [],
                in_app=channels.in_app,
                email_state=Delivery.PENDING if send_email else Delivery.NOT_ASKED,
                push_state=Delivery.PENDING if send_push else Delivery.NOT_ASKED,
                delivery_queued_at=now if send_email or send_push else None,
                created_at=now,
            )
        )
    ids = insert_rows(Notification, _NotificationRow._fields, rows, returning_ids=True)
    made = list(zip(ids, rows, strict=True))
    _queue_in_batches(send_notification_emails_task, [pk for pk, row in made if row.email_state == Delivery.PENDING])
    _queue_in_batches(push_notifications_task, [pk for pk, row in made if row.push_state == Delivery.PENDING])
    return [None if index is None or not rows[index].in_app else ids[index] for index in row_of]


class _NotificationRow(NamedTuple):
    """The columns `notify_many` writes; the others take their defaults."""

    recipient: int
    event: str
    message: str
    url: str
    actions: list
    in_app: bool
    email_state: str
    push_state: str
    delivery_queued_at: datetime | None
    created_at: datetime


def _queue_in_batches(task, notification_ids: list[int]) -> None:
    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        batch = notification_ids[start : start + DELIVERY_BATCH]
        # The default key (the task and every id) would outgrow the column: the first id and a digest name it.
        digest = hashlib.sha256(",".join(map(str, batch)).encode()).hexdigest()[:16]
        outbox.enqueue(task, *batch, key=f"{task.name}:{batch[0]}:{digest}")


def notification_emails_send(*, notification_ids: list[int]) -> None:
    """A batch of e-mails, one after the other. One that fails for now (the mail server away) goes to its own
    task, which retries it with its backoff: the rest of the batch is not held back for it."""
    for notification_id in notification_ids:
        try:
            notification_email_send(notification_id=notification_id)
        except OSError:
            logger.info("Notification %s: e-mail handed to its own task to retry", notification_id)
            outbox.enqueue(send_notification_email_task, notification_id)


def notification_pushes_send(*, notification_ids: list[int]) -> None:
    """A batch of pushes, one after the other; one whose push service is busy goes to its own task to retry."""
    for notification_id in notification_ids:
        try:
            notification_push_send(notification_id=notification_id)
        except PushServiceUnavailable:
            logger.info("Notification %s: push handed to its own task to retry", notification_id)
            outbox.enqueue(push_notification_task, notification_id)


def _queue_email(notification: Notification) -> None:
    outbox.enqueue(send_notification_email_task, notification.pk)


def _queue_push(notification: Notification) -> None:
    outbox.enqueue(push_notification_task, notification.pk)


def notify_translated(
    *,
    recipient,
    event: str,
    text: str,
    params: dict | None = None,
    url: str = "",
    actor=None,
    actions: list[dict] | None = None,
):
    """`notify` with a message written as `gettext_noop("%(name)s did …")`: it is translated in the
    recipient's language, whatever the language of the person whose action caused it. The titles of
    `actions` are the caller's to translate (in `translation.override(recipient.language)`)."""
    with translation.override(recipient.language):
        message = translation.gettext(text) % (params or {})
    return notify(recipient=recipient, event=event, message=message, url=url, actor=actor, actions=actions)


def notify_patient_of_change(*, actor, patient, text: str, url: str) -> None:
    """Someone else added to or changed the patient's file: the patient hears who did (`text` has a
    %(name)s), never what the document or the treatment says. Their own changes tell them nothing."""
    if actor.pk == patient.pk:
        return
    notify_translated(
        recipient=patient,
        event=Event.RECORD_ADDED,
        text=text,
        params={"name": actor.full_name},
        url=url,
        actor=actor,
    )


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


def preferences_update(*, actor, values: dict[str, Channels]) -> None:
    """Stores the actor's channels, event -> (in_app, email, push). Events that are always on keep all."""
    with transaction.atomic():
        for event, (in_app, email, push) in values.items():
            if event in ALWAYS_ON:
                continue
            preference = NotificationPreference.objects.filter(user=actor, event=event).first()
            preference = preference or NotificationPreference(user=actor, event=event)
            preference.in_app, preference.email, preference.push = in_app, email, push
            preference.full_clean()
            preference.save()


def quiet_hours_update(*, actor, start: time | None, end: time | None) -> NotificationSettings:
    """Sets the actor's quiet hours, in their own time zone; both None turns them off."""
    with transaction.atomic():
        notification_settings = selectors.notification_settings_for_user(user=actor)
        notification_settings.quiet_start, notification_settings.quiet_end = start, end
        notification_settings.full_clean()
        notification_settings.save()
    return notification_settings


def push_subscription_save(*, actor, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Stores the subscription of the actor's current browser, or renews it.

    An endpoint belongs to one browser: when another user subscribed it before (a shared computer),
    it now follows the person signed in there, so that the previous user's notifications stop
    appearing on a device someone else uses."""
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        subscription = subscription or PushSubscription(endpoint=endpoint)
        subscription.user = actor
        subscription.p256dh, subscription.auth = p256dh, auth
        subscription.user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
        subscription.full_clean()
        subscription.save()
        _forget_oldest_subscriptions(actor)
    logger.info("Push subscription %s saved for user %s", subscription.pk, actor.pk)
    return subscription


def _forget_oldest_subscriptions(user) -> None:
    """Keeps a user's devices to a bounded number: a browser that was reset leaves a dead subscription
    behind, and nothing else would ever remove it unless a push to it fails."""
    kept = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")[:MAX_SUBSCRIPTIONS_PER_USER]
    PushSubscription.objects.filter(user=user).exclude(pk__in=list(kept.values_list("pk", flat=True))).delete()


def push_subscription_delete(*, actor, endpoint: str) -> bool:
    """Forgets the actor's subscription at `endpoint`; another user's is left alone. True if one went."""
    with transaction.atomic():
        deleted, _by_model = PushSubscription.objects.filter(user=actor, endpoint=endpoint).delete()
    return deleted > 0


def notification_email_send(*, notification_id: int) -> None:
    """Sends the notification's e-mail once. The row stays locked while sending, so that two workers
    given the same task do not both send; a failed send leaves `emailed_at` empty for the retry."""
    if not _run_started(notification_id, EMAIL):
        return
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
            notification.email_state = Delivery.SKIPPED
            notification.save(update_fields=["email_state"])
            return
        with translation.override(recipient.language):
            subject, body = _render_email(notification)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        # A worker killed after the mail server took the message, before the row says so, sends it again on
        # its next run: under the same Message-ID, which mail servers and clients keep once.
        message.extra_headers["Message-ID"] = email_message_id(notification)
        message.send()
        notification.emailed_at, notification.email_state = timezone.now(), Delivery.SENT
        notification.save(update_fields=["emailed_at", "email_state"])
    logger.info("Notification %s e-mailed", notification_id)


def notification_push_send(*, notification_id: int) -> None:
    """Pushes the notification to each of the recipient's devices, once.

    The row stays locked while sending, so that two workers given the same task do not both push.
    When no device could be reached for now, `pushed_at` stays empty and PushServiceUnavailable asks
    for a retry; once one device got it, the others are not tried again (the message is in the app too).
    """
    if not _run_started(notification_id, PUSH):
        return
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.pushed_at is not None:
            return
        keys = vapid_keys()
        subscriptions = list(PushSubscription.objects.filter(user=notification.recipient_id))
        if keys is None or not subscriptions or not notification.recipient.is_active:
            logger.info("Notification %s not pushed: no key or no device", notification_id)
            notification.push_state = Delivery.SKIPPED
            notification.save(update_fields=["push_state"])
            return
        payload = _push_payload(notification)
        outcomes = {subscription.pk: push_send(subscription, payload, keys) for subscription in subscriptions}
        _record_outcomes(notification, outcomes)
    logger.info("Notification %s pushed: %s", notification_id, sorted(outcome.value for outcome in outcomes.values()))
    # Raised once the transaction is over, so that the subscriptions found gone stay deleted.
    if notification.pushed_at is None:
        raise PushServiceUnavailable(f"notification {notification_id}")


def _record_outcomes(notification: Notification, outcomes: dict[int, Outcome]) -> None:
    def having(outcome):
        return [pk for pk, each in outcomes.items() if each is outcome]

    PushSubscription.objects.filter(pk__in=having(Outcome.GONE)).delete()
    now = timezone.now()
    PushSubscription.objects.filter(pk__in=having(Outcome.DELIVERED)).update(last_success_at=now)
    if having(Outcome.DELIVERED) or not having(Outcome.UNAVAILABLE):
        notification.pushed_at = now
        notification.push_state = Delivery.SENT if having(Outcome.DELIVERED) else Delivery.SKIPPED
        notification.save(update_fields=["pushed_at", "push_state"])


def _push_payload(notification: Notification) -> str:
    """What the service worker shows. Links are absolute: the worker runs outside any page."""
    site_url = settings.SITE_URL.rstrip("/")
    payload = {
        "title": "ReLyfe",
        "body": notification.message,
        "url": site_url + (notification.url or reverse("notifications:list")),
        "actions": [
            {"action": action.get("action", ""), "title": action.get("title", ""), "url": site_url + action["url"]}
            for action in notification.actions_on_this_site
        ],
        "tag": str(notification.public_id),
    }
    # UTF-8 rather than \u escapes: an accented message stays well under the push service's 4 KB.
    return json.dumps(payload, ensure_ascii=False)


def email_message_id(notification: Notification) -> str:
    """The notification's e-mail's Message-ID: the same at each send of it, unique to it."""
    return f"<notification.{notification.public_id}@{urlsplit(settings.SITE_URL).hostname or 'relyfe'}>"


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


SWEEP_BATCH = 500


class Channel(NamedTuple):
    name: str  # in the failure's reason, kept for the admin (never the message: it is the notification's text)
    state: str
    sent_at: str
    attempts: str
    started_at: str
    task: Any


EMAIL = Channel(
    "e-mail", "email_state", "emailed_at", "email_attempts", "email_started_at", send_notification_email_task
)
PUSH = Channel("push", "push_state", "pushed_at", "push_attempts", "push_started_at", push_notification_task)


def _runs_allowed(channel: Channel) -> int:
    # Each retry the task asks Celery for (a mail server away, a push service busy) is a run too.
    return settings.STUCK_MAX_ATTEMPTS + (channel.task.max_retries or 0)


def _run_started(notification_id: int, channel: Channel) -> bool:
    """Counts the run before the send; False when there is nothing to send, or when the channel's runs are
    used up without finishing (a send that kills its worker each time): the channel is then marked failed."""
    not_sent = Notification.objects.filter(pk=notification_id, **{f"{channel.sent_at}__isnull": True})
    if outbox.run_started(
        not_sent, attempts=channel.attempts, started_at=channel.started_at, limit=_runs_allowed(channel)
    ):
        return True
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is not None and getattr(notification, channel.state) == Delivery.PENDING:
            _channel_failed(notification, channel)
    return False


def deliveries_sweep(now) -> None:
    """Registered with the outbox's sweeper: an e-mail or a push still pending STUCK_AFTER after it was queued,
    and whose last run (if any) started before that, lost its task. It is sent again under the same key — a
    send no worker took costs no attempt — unless its runs are used up without finishing (STUCK_MAX_ATTEMPTS,
    plus the task's own retries): then the channel is marked failed with the reason."""
    deadline = now - settings.STUCK_AFTER

    def stuck(channel: Channel) -> Q:
        return Q(**{channel.state: Delivery.PENDING}) & (
            Q(**{f"{channel.started_at}__isnull": True}) | Q(**{f"{channel.started_at}__lt": deadline})
        )

    candidates = Notification.objects.filter(stuck(EMAIL) | stuck(PUSH), delivery_queued_at__lt=deadline)
    for notification_id in candidates.values_list("pk", flat=True)[:SWEEP_BATCH]:
        with transaction.atomic():
            notification = candidates.select_for_update().filter(pk=notification_id).first()
            if notification is None:
                continue
            for channel in (EMAIL, PUSH):
                if not Notification.objects.filter(stuck(channel), pk=notification_id).exists():
                    continue
                if getattr(notification, channel.attempts) >= _runs_allowed(channel):
                    _channel_failed(notification, channel)
                    continue
                notification.delivery_queued_at = now
                notification.save(update_fields=["delivery_queued_at"])
                outbox.resend(channel.task, notification_id)
                logger.info("Notification %s: %s sent again", notification_id, channel.name)


def _channel_failed(notification: Notification, channel: Channel) -> None:
    setattr(notification, channel.state, Delivery.FAILED)
    attempts = getattr(notification, channel.attempts)
    reasons = [notification.delivery_failed_reason, f"{channel.name} not delivered after {attempts} attempts"]
    notification.delivery_failed_reason = "; ".join(filter(None, reasons))[:200]
    notification.save(update_fields=[channel.state, "delivery_failed_reason"])
    logger.warning("Notification %s: %s", notification.pk, notification.delivery_failed_reason)


def notification_delivery_retry(*, actor, notification: Notification) -> Notification:
    """The "Try again" of an e-mail or a push that failed: only its recipient may, and the failed channels are
    queued again with their runs counted from zero."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        retried = [channel for channel in (EMAIL, PUSH) if getattr(notification, channel.state) == Delivery.FAILED]
        for channel in retried:
            setattr(notification, channel.state, Delivery.PENDING)
            setattr(notification, channel.attempts, 0)
            setattr(notification, channel.started_at, None)
        if retried:
            notification.delivery_failed_reason, notification.delivery_queued_at = "", timezone.now()
            notification.save()
            for channel in retried:
                outbox.enqueue(channel.task, notification.pk)
    return notification
