"""What the access policy reads: grants, and the paths by which an access happens.

The foundation knows no feature app: records are referred to by their label ("health_records.HealthRecord")
and the user model through settings.AUTH_USER_MODEL.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from access.types import RecordLike, TreatmentLike

# The record kind that treatments belong to (health_records.models.RecordKind.PRESCRIPTION; a test holds
# the two equal).
PRESCRIPTION_KIND = "prescription"
# The role of the users who have a file (accounts.models.Role.PATIENT; a test holds the two equal).
PATIENT_ROLE = "patient"


class AccessPath(models.TextChoices):
    OWNER = "owner", _("own account")
    GRANT = "grant", _("access granted by the patient")
    LINK = "link", _("share link")
    EMERGENCY = "emergency", _("emergency access")
    STAFF = "staff", _("ReLyfe staff (administration)")
    IDENTIFICATION = "identification", _("face identification by a professional")
    CAREGIVER = "caregiver", _("caregiver chosen by the patient")
    GUARDIAN = "guardian", _("parent or guardian")


class Permission(models.TextChoices):
    READ = "read", _("Read")
    COMMENT = "comment", _("Read and comment")
    CONTRIBUTE = "contribute", _("Read, comment and add records")


class Scope(models.TextChoices):
    ALL = "all", _("The whole file")
    RECORDS = "records", _("Chosen records")
    KINDS = "kinds", _("Chosen kinds of records")


class GrantOrigin(models.TextChoices):
    PATIENT = "patient", _("given by the patient")
    ACCESS_REQUEST = "access_request", _("approved access request")
    BREAK_GLASS = "break_glass", _("emergency (break-glass) access")
    PROPOSAL = "proposal", _("proposed by the care team")
    QUICK_ACCOUNT = "quick_account", _("the professional who created the account")


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self, at: datetime.datetime | None = None) -> GrantQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )


class Grant(models.Model):
    """A professional's access to a patient's file. Never changed nor deleted: the patient changes a grant
    by revoking it and giving a new one, so the history of who could see what stays true."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given")
    professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_received")
    scope = models.CharField(_("what they see"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    records = models.ManyToManyField("health_records.HealthRecord", blank=True, related_name="grants")
    kinds = models.JSONField(_("kinds of records"), default=list, blank=True)
    permission = models.CharField(_("what they may do"), max_length=12, choices=Permission.choices)
    origin = models.CharField(max_length=16, choices=GrantOrigin.choices, default=GrantOrigin.PATIENT)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when grants lived in the sharing app.
        db_table = "sharing_grant"
        ordering = ["-starts_at", "-id"]
        constraints = [
            # One grant in force per professional and patient: a change revokes the old one first.
            models.UniqueConstraint(
                fields=["patient", "professional"],
                condition=Q(revoked_at__isnull=True),
                name="one_unrevoked_grant_per_pair",
            ),
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="grant_scope_known"),
            models.CheckConstraint(condition=Q(permission__in=Permission.values), name="grant_permission_known"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")), name="grant_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(patient=models.F("professional")), name="grant_not_to_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.professional} → {self.patient} ({self.scope}, {self.permission})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)

    def covers(self, record: RecordLike) -> bool:
        """Whether the grant's scope includes this record (a professional always sees what they added)."""
        if self.scope == Scope.ALL or record.author_id == self.professional_id:
            return True
        if self.scope == Scope.KINDS:
            return record.kind in self.kinds
        return self.records.filter(pk=record.pk).exists()

    def records_filter(self) -> Q:
        if self.scope == Scope.ALL:
            return Q()
        own = Q(author_id=self.professional_id)
        if self.scope == Scope.KINDS:
            return Q(kind__in=self.kinds) | own
        return Q(pk__in=self.records.values("pk")) | own

    @property
    def covers_all_treatments(self) -> bool:
        """Treatments belong to the prescription kind (see the policy's docstring)."""
        return self.scope == Scope.ALL or (self.scope == Scope.KINDS and PRESCRIPTION_KIND in self.kinds)

    def covers_treatment(self, treatment: TreatmentLike) -> bool:
        """Whether the grant's scope includes this treatment, saved or about to be created (a professional
        always sees the treatments they prescribed or created, and those of the prescriptions they added)."""
        if self.covers_all_treatments:
            return True
        if treatment.pk is not None and self.professional_id in (treatment.created_by_id, treatment.prescriber_id):
            return True
        if treatment.prescription_id is None:
            return False
        prescription = treatment.prescription
        return prescription is not None and self.covers(prescription)

    def treatments_filter(self) -> Q:
        """`covers_treatment` as a filter on Treatment."""
        if self.covers_all_treatments:
            return Q()
        own = Q(created_by_id=self.professional_id) | Q(prescriber_id=self.professional_id)
        return Q(prescription__in=self.records.model.objects.filter(self.records_filter()).values("pk")) | own


class CaregiverRight(models.TextChoices):
    """What a caregiver may do for the patient, each chosen by the patient (a dependant's guardian has them
    all). The value is the name of the boolean field on `Caregiver` (booleans, not a list, so that "which
    patients may this caregiver do this for" is a plain query on every database)."""

    VIEW_TREATMENTS = "view_treatments", _("See treatments and doses")
    ANSWER_DOSES = "answer_doses", _("Answer doses (taken, skipped)")
    MISSED_DOSE_ALERTS = "missed_dose_alerts", _("Be alerted when a dose is not answered")
    MANAGE_FILE = "manage_file", _("Manage the whole file")


class CaregiverQuerySet(models.QuerySet["Caregiver"]):
    def active(self) -> CaregiverQuerySet:
        """Caregivers in force: a member attached who accepted (being someone's caregiver means receiving
        their alerts: a member is asked too), and not revoked."""
        return self.filter(revoked_at__isnull=True, caregiver__isnull=False, accepted_at__isnull=False)

    def pending(self) -> CaregiverQuerySet:
        """Asked and not answered yet: an invitation (no member yet) or a member who has not accepted."""
        return self.filter(revoked_at__isnull=True, accepted_at__isnull=True)


class Caregiver(models.Model):
    """Someone who helps a patient with their care (Medisafe's "Medfriend"), with the rights the patient
    chose, or the parent or guardian of a dependant's file (`guardian`, every right). An invitation to
    someone who is not a member yet has no `caregiver` until it is accepted. Revoked, never deleted, so the
    history of who could act stays true."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caregivers")
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cared_for"
    )
    view_treatments = models.BooleanField(CaregiverRight.VIEW_TREATMENTS.label, default=True)
    answer_doses = models.BooleanField(CaregiverRight.ANSWER_DOSES.label, default=False)
    missed_dose_alerts = models.BooleanField(CaregiverRight.MISSED_DOSE_ALERTS.label, default=False)
    manage_file = models.BooleanField(CaregiverRight.MANAGE_FILE.label, default=False)
    guardian = models.BooleanField(_("parent or legal guardian"), default=False)
    # After how long an unanswered dose alerts the caregiver (when they have MISSED_DOSE_ALERTS).
    missed_dose_delay_minutes = models.PositiveSmallIntegerField(_("alert after (minutes)"), default=60)
    # An invitation: where it was sent, and the hash of its token (the token itself is only in the message).
    invited_email = models.EmailField(_("e-mail"), blank=True)
    invited_phone = models.CharField(_("phone"), max_length=20, blank=True)
    invitation_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaregiverQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=Q(revoked_at__isnull=True, caregiver__isnull=False),
                name="one_unrevoked_caregiver_per_pair",
            ),
            models.CheckConstraint(condition=~Q(patient=models.F("caregiver")), name="caregiver_not_oneself"),
            models.CheckConstraint(
                condition=Q(missed_dose_delay_minutes__gte=15, missed_dose_delay_minutes__lte=720),
                name="missed_dose_delay_between_15_minutes_and_12_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caregiver or self.invited_email or self.invited_phone} → {self.patient}"
