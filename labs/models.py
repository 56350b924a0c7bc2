"""Lab results: reading a lab report's file into proposed values, and the values a person confirmed
(observations), each linked to the record it was read from. Nothing is kept as an observation without that
confirmation."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from health_records.models import HealthRecord


class LabReading(models.Model):
    """Reading one file of a lab result record: progress while a worker reads it, then the proposed values,
    which a person reviews and confirms."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to be read")
        READING = "reading", _("being read")
        READY = "ready", _("ready to review")
        FAILED = "failed", _("could not be read")
        CONFIRMED = "confirmed", _("confirmed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="lab_readings")
    record_file = models.OneToOneField(
        "health_records.RecordFile", on_delete=models.PROTECT, related_name="lab_reading"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    engine = models.CharField(max_length=30, blank=True)
    # The proposal, as `extract_labs --json` prints it for one file.
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # As PrescriptionReading: when it was last queued, the runs a worker started (relyfe.outbox.run_started).
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("lab report reading")
        verbose_name_plural = _("lab report readings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="lab_reading_progress_is_a_percentage"),
        ]

    def __str__(self):
        return f"{self.record_id} {self.status}"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.READING)


class Observation(models.Model):
    """One lab value of a patient: an analyte (LOINC), the value and unit as the report gives them, the same
    value in the analyte's own unit (for trends across laboratories), the reference range and the flag."""

    class Flag(models.TextChoices):
        NONE = "", _("within range")
        HIGH = "H", _("high")
        LOW = "L", _("low")

    class Comparator(models.TextChoices):
        EQUAL = "", "="
        BELOW = "<", "<"
        AT_MOST = "<=", "≤"
        ABOVE = ">", ">"
        AT_LEAST = ">=", "≥"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observations")
    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="observations")
    reading = models.ForeignKey(
        LabReading, on_delete=models.PROTECT, null=True, blank=True, related_name="observations"
    )
    # The LOINC code of labs.analytes; blank for a value whose analyte is not in the table (kept, not charted).
    loinc = models.CharField(_("LOINC code"), max_length=10, blank=True)
    # The analyte as the report names it ("Hémoglobine glyquée (HbA1c)").
    label = models.CharField(_("analyte"), max_length=200)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    # The value in the analyte's own unit (labs.analytes); null when the unit does not convert.
    unified_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_low = models.DecimalField(
        _("reference range, low"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    reference_high = models.DecimalField(
        _("reference range, high"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    flag = models.CharField(_("flag"), max_length=1, choices=Flag.choices, blank=True, default="")
    sampled_on = models.DateField(_("sample date"))
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    # The report's line the value was read from (blank for a value a person added).
    source_line = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lab result value")
        verbose_name_plural = _("lab result values")
        ordering = ["-sampled_on", "label", "-id"]
        indexes = [models.Index(fields=["patient", "loinc", "sampled_on"], name="observation_trend")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_low__isnull=True)
                | Q(reference_high__isnull=True)
                | Q(reference_low__lte=models.F("reference_high")),
                name="observation_range_in_order",
            ),
            models.CheckConstraint(condition=Q(flag__in=["", "H", "L"]), name="observation_flag_known"),
        ]

    def __str__(self):
        return f"{self.loinc or self.label} {self.sampled_on}"
