"""The virtual printer: each professional's IPP printer, the jobs printed to it, and their documents,
which wait in the professional's print inbox until they are assigned to a patient (or dismissed)."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from printing.selectors import Proposal


class Printer(models.Model):
    """One professional's printer. Its id is in the printer's URL; its secret, only as a keyed hash."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="printers", verbose_name=_("owner")
    )
    slug = models.SlugField(_("printer id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120, default="ReLyfe")
    secret_hash = models.CharField(max_length=64)
    secret_rotated_at = models.DateTimeField(default=timezone.now, verbose_name=_("secret changed on"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("creation date"))
    is_active = models.BooleanField(_("accepts jobs"), default=True)

    class Meta:
        verbose_name = _("printer")
        verbose_name_plural = _("printers")
        constraints = [models.UniqueConstraint(fields=["owner"], name="one_printer_per_professional")]

    def __str__(self):
        return f"{self.slug} ({self.owner})"

    @property
    def ipp_uuid(self) -> uuid.UUID:
        """printer-uuid: the same for the printer's life, so that computers recognise it; derived from the
        id alone, so that it can be given before the computer has sent the secret."""
        return ipp_uuid_of(self.slug)


def ipp_uuid_of(slug: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"relyfe-printer:{slug}")


class PrintJobQuerySet(models.QuerySet):
    def in_inbox(self):
        """Printed, not yet assigned nor dismissed."""
        return self.filter(
            state=JobState.COMPLETED, assigned_at__isnull=True, dismissed_at__isnull=True, documents__isnull=False
        ).distinct()


class JobState(models.IntegerChoices):
    """IPP's job states (RFC 8011 §5.3.7), kept as IPP numbers so the printer reports them as they are."""

    PENDING = 3, _("pending")
    HELD = 4, _("held")
    PROCESSING = 5, _("receiving")
    STOPPED = 6, _("stopped")
    CANCELED = 7, _("canceled")
    ABORTED = 8, _("aborted")
    COMPLETED = 9, _("received")


class JobSource(models.TextChoices):
    IPP = "ipp", _("printed")
    API = "api", _("sent by software (API)")


class PrintJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    printer = models.ForeignKey(Printer, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("printer"))
    # IPP's job-id: 1, 2, 3… for each printer.
    number = models.PositiveIntegerField(verbose_name=_("number"))
    source = models.CharField(max_length=8, choices=JobSource.choices, default=JobSource.IPP, verbose_name=_("channel"))
    name = models.CharField(_("job name"), max_length=255, blank=True)
    user_name = models.CharField(_("printed by"), max_length=255, blank=True)
    state = models.PositiveSmallIntegerField(
        choices=JobState.choices, default=JobState.PROCESSING, verbose_name=_("state")
    )
    state_message = models.CharField(max_length=255, blank=True)
    accepting_documents = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("creation date"))
    completed_at = models.DateTimeField(null=True, blank=True)
    # The inbox: the patient ReLyfe proposes (and why), then the one the professional chose.
    proposed_patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposal_reason = models.CharField(max_length=32, blank=True)
    # Where the document names the proposed patient: {"page": 1, "lines": ["DUPONT Marie née le 05/03/1948"]}.
    # Health data: shown to the printer's owner only, never logged.
    proposal_evidence = models.JSONField(default=dict, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("filed on"))
    record = models.ForeignKey(
        "health_records.HealthRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dismissed on"))

    objects = PrintJobQuerySet.as_manager()

    # Set by printing.selectors for the pages: the record's title the job name suggests, the proposed
    # patient while the professional may still add to their file, and whether the filed record still shows.
    suggested_title: str
    proposal: Proposal | None
    record_shown: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        constraints = [
            models.UniqueConstraint(fields=["printer", "number"], name="print_job_number_unique_per_printer"),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="print_job_state_known"),
            models.CheckConstraint(
                condition=Q(assigned_at__isnull=True) | Q(record__isnull=False), name="assigned_job_has_a_record"
            ),
        ]

    def __str__(self):
        return f"{self.printer.slug} #{self.number}"

    @property
    def size(self) -> int:
        return sum(document.size for document in self.documents.all())

    @property
    def title(self) -> str:
        return self.name or _("Printed document")

    @property
    def file_stem(self) -> str:
        """A file name for its documents, from the job's name without the extension the computer added."""
        return slugify(os.path.splitext(self.name)[0])[:60] or "ordonnance"


def print_document_key(instance, filename):
    """A server-made key: the job name never reaches the storage."""
    return f"printing/{instance.public_id.hex[:2]}/{instance.public_id.hex}{instance.extension}"


class PrintDocument(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(PrintJob, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=print_document_key, max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.job} {self.content_type}"
