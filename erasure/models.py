"""A request to delete an account: made by the patient (with a grace period they may cancel) or by staff on the
patient's request. The row outlives the erasure: it points to what is left of the user (a tombstone without
personal data, see erasure/services.py) and says who asked, when, why (staff) and when it was done."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountDeletionQuerySet(models.QuerySet):
    def pending(self):
        """Neither cancelled nor done: the account waits for its erasure."""
        return self.filter(cancelled_at__isnull=True, erased_at__isnull=True)

    def due(self, at=None):
        return self.pending().filter(erase_after__lte=at or timezone.now())


class AccountDeletion(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_deletions", verbose_name=_("account")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    erase_after = models.DateTimeField(_("erased after"))
    # The patient themself, or the staff member who erased the account on the patient's request.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    # Why staff erased the account (required from staff; never the patient's name or address).
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    objects = AccountDeletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(cancelled_at__isnull=True), name="one_live_deletion_per_account"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(erased_at__isnull=True),
                name="deletion_cancelled_or_erased_not_both",
            ),
        ]

    def __str__(self):
        return str(self.public_id)

    @property
    def is_pending(self) -> bool:
        return self.cancelled_at is None and self.erased_at is None

    @property
    def by_staff(self) -> bool:
        return self.requested_by_id != self.user_id
