"""An import of a FHIR Bundle: the uploaded file, read by a worker into a proposal that the patient reviews;
nothing becomes a record or a treatment before they confirm it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def import_upload_key(instance, filename):
    """A server-made key: the original name never reaches the storage."""
    return f"imports/{instance.public_id.hex[:2]}/{instance.public_id.hex}.upload"


def import_file_key(instance, filename):
    folder = instance.job.public_id.hex
    return f"imports/{folder[:2]}/{folder}/{instance.public_id.hex}{instance.extension}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("waiting to be read")
        READING = "reading", _("being read")
        READY = "ready", _("ready to review")
        CONFIRMED = "confirmed", _("imported")
        FAILED = "failed", _("could not be read")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    # Emptied once the import is confirmed: what it held now lives in the records and treatments.
    file = models.FileField(upload_to=import_upload_key, max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # What would be created (records, treatments, allergies, and what is not imported), as the reading
    # found it; the review's changes are applied at confirmation.
    proposal = models.JSONField(default=dict, blank=True)
    # What the confirmation created: {"records": n, "treatments": n, "medications": n, "allergies": n}.
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The reading's task (relyfe.outbox.run_started), as for a prescription's reading.
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_is_a_percentage"),
        ]

    def __str__(self):
        return f"{self.public_id} {self.status}"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.READING)


class ImportFile(models.Model):
    """A file a proposed record brings, already through the upload checks (the bytes to store)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    # The proposed record it belongs to ("r0", "r1"…).
    record_key = models.CharField(max_length=20)
    file = models.FileField(upload_to=import_file_key, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name
