"""The patient's exports ("Download all my data"): one row per ZIP a worker builds, kept until it expires.

Only the ExportJob model lives here; portability/models.py imports it so that Django finds it (the import
feature of the same app keeps its own models in its own module)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_file_key(instance, filename):
    """A server-made key: nothing of the patient in the storage's names."""
    return f"exports/{instance.public_id.hex[:2]}/{instance.public_id.hex}.zip"


def default_expiry():
    return timezone.now() + timedelta(days=settings.EXPORT_EXPIRES_DAYS)


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("being prepared")
    READY = "ready", _("ready to download")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


WORKING = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportJob(models.Model):
    """One export of one patient's file, asked by the patient or by a professional with the whole file.
    The ZIP is in the private storage under a server-made key; it is deleted when the export expires."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=export_file_key, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("asked on"), default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), default=default_expiry)
    # Why it failed, in words for the person who asked (never the file's content).
    error = models.CharField(max_length=300, blank=True)
    # The worker's runs (relyfe.outbox.run_started): when last queued, how many started, when the last did.
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_status_known"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_is_a_percentage"),
            # One export at work per patient and requester: asking again while one runs shows that one.
            models.UniqueConstraint(
                fields=["patient", "requested_by"],
                condition=Q(status__in=["queued", "running"]),
                name="one_running_export_per_patient_and_requester",
            ),
        ]

    def __str__(self):
        return f"{self.patient_id} {self.status} {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        """The page where the requester follows and downloads the export: never the file itself."""
        if self.patient_id == self.requested_by_id:
            return reverse("portability:export")
        return reverse("portability:patient_export", args=[self.patient.public_id])

    @property
    def is_working(self) -> bool:
        return self.status in WORKING

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.READY and bool(self.file) and self.expires_at > timezone.now()
