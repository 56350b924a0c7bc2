import base64
import binascii
import ipaddress
import uuid
from datetime import time
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 300


class Event(models.TextChoices):
    RECORD_ADDED = "record_added", _("A professional added a document to your file")
    EMERGENCY_PROFILE_VIEWED = "emergency_profile_viewed", _("Your emergency profile was viewed")
    ACCESS_REQUEST_RECEIVED = "access_request_received", _("Someone asks for access to your file")
    ACCESS_REQUEST_ANSWERED = "access_request_answered", _("Your access request was answered")
    SHARE_LINK_OPENED = "share_link_opened", _("A share link was opened")
    GRANT_GIVEN = "grant_given", _("A patient gave you access to their file")
    GRANT_REVOKED = "grant_revoked", _("Access to a file was withdrawn")
    BREAK_GLASS = "break_glass", _("Emergency access to your file")
    COMMENT = "comment", _("A new comment on a record")
    MENTION = "mention", _("You were mentioned in a comment")
    REMINDER = "reminder", _("Time for your medications")
    FACE_ENROLLED = "face_enrolled", _("Your face was enrolled for identification")
    EXPORT_READY = "export_ready", _("Your data export is ready")
    ACCOUNT_SECURITY = "account_security", _("A change to how you sign in")
    NEW_DEVICE = "new_device", _("A new device signed in to your account")
    SUPPLY = "supply", _("A renewal is due or a medication runs out")
    RENEWAL_REQUEST = "renewal_request", _("A patient asks you to renew a treatment")
    CAREGIVER = "caregiver", _("Someone asks you to be their caregiver, or answered")
    MISSED_DOSE = "missed_dose", _("A dose was not answered")


# A patient is always told when someone used emergency access to their file, on every channel; and anyone,
# when a way into their account was added or removed or a device they never used signed in: if it was not
# them, they must hear it.
ALWAYS_ON = frozenset({Event.BREAK_GLASS, Event.ACCOUNT_SECURITY, Event.NEW_DEVICE})
# A share link can be opened many times a day: one e-mail each time would be noise. A reminder is for
# the moment it pops up; an e-mail read an hour later is no reminder.
EMAIL_OFF_BY_DEFAULT = frozenset({Event.SHARE_LINK_OPENED, Event.REMINDER})
PUSH_OFF_BY_DEFAULT = frozenset({Event.SHARE_LINK_OPENED})
# The patient chose the times of their reminders, and a security alert must wake them: quiet hours
# hold back the e-mail and the push of every other event.
SENT_DURING_QUIET_HOURS = frozenset({Event.REMINDER, Event.BREAK_GLASS, Event.ACCOUNT_SECURITY, Event.NEW_DEVICE})


class Channels(NamedTuple):
    in_app: bool
    email: bool
    push: bool


def default_channels(event: str) -> Channels:
    """The channels of a user who never changed their preference for `event`."""
    return Channels(in_app=True, email=event not in EMAIL_OFF_BY_DEFAULT, push=event not in PUSH_OFF_BY_DEFAULT)


def is_relative_url(url: str) -> bool:
    """A path on this site ("/records/…"); not "//host/…", "/\\host/…" nor "https://…"."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


def validate_relative_url(url: str) -> None:
    if url and not is_relative_url(url):
        raise ValidationError(_("Enter a path on this site, starting with “/”."), code="not_relative")


# Browsers show at most two buttons on a notification; short fields also keep the whole push payload
# under the 4 KB a push service accepts.
MAX_ACTIONS = 2
ACTION_NAME_MAX_LENGTH = 40
ACTION_TITLE_MAX_LENGTH = 40
ACTION_URL_MAX_LENGTH = 300
ACTION_KEYS = frozenset({"action", "title", "url"})


def validate_actions(actions) -> None:
    """A list of at most two {"action", "title", "url"}: a short name, a button label, a path on this site."""
    if not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
        raise ValidationError(_("At most %(count)s actions.") % {"count": MAX_ACTIONS}, code="actions")
    for action in actions:
        if not isinstance(action, dict) or set(action) != ACTION_KEYS:
            raise ValidationError(_("Each action has a name, a title and a link."), code="actions")
        if not all(isinstance(value, str) and value for value in action.values()):
            raise ValidationError(_("Each action has a name, a title and a link."), code="actions")
        if (
            len(action["action"]) > ACTION_NAME_MAX_LENGTH
            or len(action["title"]) > ACTION_TITLE_MAX_LENGTH
            or len(action["url"]) > ACTION_URL_MAX_LENGTH
        ):
            raise ValidationError(_("An action's name, title or link is too long."), code="actions")
        validate_relative_url(action["url"])
    if len({action["action"] for action in actions}) != len(actions):
        raise ValidationError(_("Two actions have the same name."), code="actions")


class Delivery(models.TextChoices):
    """What became of a notification's e-mail or push."""

    NOT_ASKED = "", _("not asked")
    PENDING = "pending", _("to send")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("nowhere to send")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One event told to one user. The message is plain text and carries no health detail."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    message = models.CharField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    url = models.CharField(_("link"), max_length=500, blank=True, validators=[validate_relative_url])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Buttons next to the message, in the centre and on the device (titles already translated).
    actions = models.JSONField(_("actions"), default=list, blank=True, validators=[validate_actions])
    # False when the recipient turned the in-app channel off but still wants the e-mail or the push:
    # the row only exists for those tasks and the centre never shows it.
    in_app = models.BooleanField(_("shown in the app"), default=True)
    created_at = models.DateTimeField(_("creation date"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed"), null=True, blank=True)
    # Whether each channel was asked for and what became of it: the sweeper queues again an e-mail or a
    # push still pending past its deadline, a bounded number of times, then marks it failed with the reason.
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=Delivery.choices, default=Delivery.NOT_ASKED, blank=True
    )
    push_state = models.CharField(
        _("push"), max_length=10, choices=Delivery.choices, default=Delivery.NOT_ASKED, blank=True
    )
    # When last queued, then per channel how many runs a worker started and when the last one did
    # (relyfe.outbox.run_started).
    delivery_queued_at = models.DateTimeField(_("delivery queued"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_started_at = models.DateTimeField(_("e-mail last tried"), null=True, blank=True)
    push_attempts = models.PositiveSmallIntegerField(_("push attempts"), default=0)
    push_started_at = models.DateTimeField(_("push last tried"), null=True, blank=True)
    delivery_failed_reason = models.CharField(_("why it was not delivered"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        constraints = [
            models.CheckConstraint(condition=Q(event__in=Event.values), name="notification_event_is_known"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.recipient_id}"

    @property
    def delivery_failures(self) -> list[str]:
        """What the recipient reads about a channel that failed, next to its "Try again"."""
        failures = []
        if self.email_state == Delivery.FAILED:
            failures.append(_("This notification could not be sent to you by e-mail."))
        if self.push_state == Delivery.FAILED:
            failures.append(_("This notification could not be sent to your devices."))
        return failures

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def actions_on_this_site(self) -> list[dict]:
        """The actions, without any whose link leaves the site. notify() refuses those, but a row written
        another way must not make the page post its CSRF token, or a device its cookies, elsewhere."""
        return [
            action
            for action in self.actions
            if isinstance(action, dict) and isinstance(action.get("url"), str) and is_relative_url(action["url"])
        ]


class NotificationPreference(models.Model):
    """A user's choice of channels for one event. No row means the defaults (`default_channels`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    push = models.BooleanField(_("on your devices"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_preference_once_per_event"),
            models.CheckConstraint(condition=Q(event__in=Event.values), name="notification_preference_event_is_known"),
            models.CheckConstraint(
                condition=~Q(event__in=sorted(ALWAYS_ON)) | Q(in_app=True, email=True, push=True),
                name="notification_preference_always_on_stays_on",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.event}"

    @property
    def channels(self) -> Channels:
        return Channels(in_app=self.in_app, email=self.email, push=self.push)


class NotificationSettings(models.Model):
    """A user's settings that hold for every event. No row means no quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    # In the user's own time zone, so that 22:00 stays 22:00 for them when the clocks change.
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (Q(quiet_start__isnull=False, quiet_end__isnull=False) & ~Q(quiet_start=models.F("quiet_end"))),
                name="notification_settings_quiet_hours_are_a_window",
            ),
        ]

    def __str__(self):
        return f"{self.user_id}"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None

    def is_quiet_at(self, local_time: time) -> bool:
        """Whether `local_time` (in the user's zone) falls in the window, which may wrap past midnight."""
        if not self.has_quiet_hours:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= local_time < self.quiet_end
        return local_time >= self.quiet_start or local_time < self.quiet_end


ENDPOINT_MAX_LENGTH = 1000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def validate_push_endpoint(endpoint: str) -> None:
    """An https address of a push service. Plain http, and only to this machine, is for development.

    ReLyfe POSTs to this address, so an address inside the server's own network is refused too."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if settings.DEBUG and parts.scheme == "http" and host in LOCAL_HOSTS:
        return
    if parts.scheme != "https" or not host or host in LOCAL_HOSTS or _is_ip_address(host):
        raise ValidationError(_("Enter the https address of a push service."), code="push_endpoint")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def decode_base64url(value: str) -> bytes | None:
    """The bytes of a base64url string, padded or not; None when it is not one."""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def validate_p256dh(value: str) -> None:
    """The browser's public key: an uncompressed P-256 point, 65 bytes starting with 0x04."""
    key = decode_base64url(value)
    if key is None or len(key) != 65 or key[0] != 4:
        raise ValidationError(_("This is not a browser's public key."), code="p256dh")


def validate_auth_secret(value: str) -> None:
    key = decode_base64url(value)
    if key is None or len(key) != 16:
        raise ValidationError(_("This is not a browser's authentication secret."), code="auth")


class PushSubscription(models.Model):
    """One browser on one device that agreed to receive ReLyfe's pushes for a user.

    The endpoint is a secret address at the browser's push service: it is never logged nor shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=ENDPOINT_MAX_LENGTH, unique=True, validators=[validate_push_endpoint])
    p256dh = models.CharField(max_length=100, validators=[validate_p256dh])
    auth = models.CharField(max_length=40, validators=[validate_auth_secret])
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("creation date"), default=timezone.now, editable=False)
    last_success_at = models.DateTimeField(_("last push delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return f"{self.user_id} · {self.pk}"

    def as_subscription_info(self) -> dict:
        """The shape pywebpush (and the browser's PushSubscription.toJSON()) uses."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
