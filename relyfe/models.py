from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task to hand to the broker, written in the transaction of the change that needs it (the
    transactional outbox): committed with that change, or rolled back with it, and sent until the broker
    took it. Its arguments are ids only, never health data."""

    class State(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # One row per piece of work: queuing it again re-arms the row rather than adding another.
    key = models.CharField(_("key"), max_length=200, unique=True)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("ids"), default=list)
    # Not to run before (a task queued with a delay, e.g. after an undo window).
    eta = models.DateTimeField(_("not before"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_try_at = models.DateTimeField(_("next try"), default=timezone.now)
    created_at = models.DateTimeField(_("creation date"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["state", "next_try_at"], name="outbox_state_next_try")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "sent", "failed"]), name="outbox_state_is_known"),
        ]

    def __str__(self):
        return f"{self.key} {self.state}"
