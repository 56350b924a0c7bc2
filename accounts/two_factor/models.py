"""The models of the second factor that django-otp does not bring: the text-message device of patients, and
the append-only history of each account's second-factor changes (staff read it in the admin).

Imported at the end of accounts/models.py, so that they belong to the accounts app."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class SmsDevice(Device):
    """A code texted to the patient's confirmed phone, through the same path as the other phone codes
    (accounts.phone_services: drawn and sent by the worker, hashed, a few minutes, a few attempts).
    Patients only: for professionals and staff a text message is not a strong enough factor."""

    # The number the device was set up with: a number changed since no longer receives codes.
    phone = models.CharField(_("mobile phone"), max_length=16)

    class Meta:
        verbose_name = _("text-message second factor")
        verbose_name_plural = _("text-message second factors")

    def is_interactive(self) -> bool:
        return True

    def usable(self) -> bool:
        user = self.user
        return bool(user.is_patient and user.phone_is_verified and user.phone == self.phone)

    def generate_challenge(self) -> str:
        from accounts import phone_services
        from accounts.models import PhoneCodePurpose

        if not self.usable():
            return ""
        phone_services.phone_code_request(user=self.user, purpose=PhoneCodePurpose.SECOND_FACTOR)
        return str(_("sent by text message"))

    def verify_token(self, token) -> bool:
        from accounts import phone_services
        from accounts.models import PhoneCodePurpose

        if not self.usable() or not str(token).isdigit():
            return False
        return phone_services.phone_code_check(
            user=self.user, purpose=PhoneCodePurpose.SECOND_FACTOR, phone=self.phone, code=str(token)
        )


class SecondFactorChange(models.TextChoices):
    AUTHENTICATOR_ADDED = "authenticator_added", _("authenticator app added")
    AUTHENTICATOR_REMOVED = "authenticator_removed", _("authenticator app removed")
    RECOVERY_CODES_MADE = "recovery_codes_made", _("new recovery codes")
    SMS_ADDED = "sms_added", _("text-message codes turned on")
    SMS_REMOVED = "sms_removed", _("text-message codes turned off")
    RESET_BY_STAFF = "reset_by_staff", _("second factor reset by staff")


class SecondFactorEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Second-factor events cannot be changed.")

    def delete(self):
        raise TypeError("Second-factor events cannot be deleted.")

    def erase_of(self, user) -> int:
        """The one deletion allowed: a patient's own history, when their account is erased."""
        return models.QuerySet.delete(self.filter(user=user))[0]


class SecondFactorEvent(models.Model):
    """One change to an account's second factor: who made it (the owner, or staff with their reason), when,
    from where. Append-only: audit.AccessEvent is about a patient's data, this is about an account."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor_events", verbose_name=_("user")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    change = models.CharField(_("what changed"), max_length=32, choices=SecondFactorChange.choices)
    reason = models.TextField(_("reason"), blank=True)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = SecondFactorEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("second-factor change")
        verbose_name_plural = _("second-factor changes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change__in=SecondFactorChange.values), name="second_factor_change_is_known"
            ),
            models.CheckConstraint(
                condition=~Q(change=SecondFactorChange.RESET_BY_STAFF) | ~Q(reason=""),
                name="second_factor_reset_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_change_display()} — {self.user}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("update_fields") == ["notified_at"]:
            raise TypeError("Second-factor events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Second-factor events cannot be deleted.")
