import uuid
from typing import NamedTuple

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


# A patient is always told when someone used emergency access to their file, on every channel.
ALWAYS_ON = frozenset({Event.BREAK_GLASS})
# A share link can be opened many times a day: one e-mail each time would be noise.
EMAIL_OFF_BY_DEFAULT = frozenset({Event.SHARE_LINK_OPENED})


class Channels(NamedTuple):
    in_app: bool
    email: bool


def default_channels(event: str) -> Channels:
    """The channels of a user who never changed their preference for `event`."""
    return Channels(in_app=True, email=event not in EMAIL_OFF_BY_DEFAULT)


def is_relative_url(url: str) -> bool:
    """A path on this site ("/records/…"); not "//host/…", "/\\host/…" nor "https://…"."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


def validate_relative_url(url: str) -> None:
    if url and not is_relative_url(url):
        raise ValidationError(_("Enter a path on this site, starting with “/”."), code="not_relative")


class Notification(models.Model):
    """One event told to one user. The message is plain text and carries no health detail."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    message = models.CharField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    url = models.CharField(_("link"), max_length=500, blank=True, validators=[validate_relative_url])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # False when the recipient turned the in-app channel off but still wants the e-mail: the row
    # only exists for the e-mail task and the centre never shows it.
    in_app = models.BooleanField(_("shown in the app"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

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
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choice of channels for one event. No row means the defaults (`default_channels`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_preference_once_per_event"),
            models.CheckConstraint(condition=Q(event__in=Event.values), name="notification_preference_event_is_known"),
            models.CheckConstraint(
                condition=~Q(event__in=sorted(ALWAYS_ON)) | Q(in_app=True, email=True),
                name="notification_preference_always_on_stays_on",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.event}"

    @property
    def channels(self) -> Channels:
        return Channels(in_app=self.in_app, email=self.email)
