import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    PRESCRIPTION = "prescription", _("Prescription")
    LAB_RESULT = "lab_result", _("Lab result")
    IMAGING = "imaging", _("Imaging")
    MEDICAL_REPORT = "medical_report", _("Medical report")
    PHOTO = "photo", _("Photo")
    # Two photos of one series side by side, saved: kept apart from the series, never a source photo.
    COMPARISON = "comparison", _("Photo comparison")
    VACCINATION = "vaccination", _("Vaccination")
    ALLERGY = "allergy", _("Allergy")
    CONDITION = "condition", _("Condition")
    SURGERY = "surgery", _("Surgery")
    HOSPITAL_STAY = "hospital_stay", _("Hospital stay")
    NOTE = "note", _("Note")
    OTHER = "other", _("Other")


class Tag(models.Model):
    """A patient's own label for records ("cardiology", "knee"). Each patient has their own set."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_tags")
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("patient", Lower("name"), name="tag_unique_per_patient")]

    def __str__(self):
        return self.name


class HealthRecordQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class HealthRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_records", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("title"), max_length=200)
    clinical_date = models.DateField(_("date"), help_text=_("When it happened, not when it was added."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_records", verbose_name=_("author")
    )
    description = models.TextField(_("description"), blank=True, max_length=20000)
    tags = models.ManyToManyField(Tag, blank=True, related_name="records", verbose_name=_("tags"))
    # Where on the body a photo was taken ("left knee"): photos of one site are compared over time.
    body_site = models.CharField(_("body site"), max_length=120, blank=True)
    # A saved comparison keeps the two photos it was made from.
    compared_files = models.ManyToManyField(
        "RecordFile", blank=True, related_name="comparisons", verbose_name=_("compared photos")
    )
    # How a saved comparison lined the two photos up: {"left": [[x, y], [x, y]], "right": [[x, y], [x, y]]},
    # two landmarks on each photo in its own upright pixels; empty when they were only scaled and centred.
    alignment = models.JSONField(_("alignment"), default=dict, blank=True)
    created_at = models.DateTimeField(_("added on"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed on"), auto_now=True)
    archived_at = models.DateTimeField(_("archived on"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = HealthRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["-clinical_date", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "-clinical_date", "-created_at"], name="record_timeline"),
            models.Index(fields=["patient", "kind"], name="record_patient_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RecordKind.values), name="record_kind_known"),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True, archived_by__isnull=True)
                | Q(archived_at__isnull=False, archived_by__isnull=False),
                name="record_archived_with_who_and_when",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def record_file_key(instance, filename):
    """A server-made key: the original name never reaches the storage."""
    return f"records/{instance.public_id.hex[:2]}/{instance.public_id.hex}{instance.extension}"


def thumbnail_key(instance, filename):
    return f"thumbnails/{instance.public_id.hex[:2]}/{instance.public_id.hex}.jpg"


def masked_key(instance, filename):
    return f"masked/{instance.public_id.hex[:2]}/{instance.public_id.hex}.jpg"


class MaskStatus(models.TextChoices):
    """Where the copy of a photo with its faces blurred stands."""

    NONE = "", _("not asked")
    PENDING = "pending", _("being made")
    READY = "ready", _("faces blurred")
    NO_FACE = "no_face", _("no face found")
    FAILED = "failed", _("could not be made")


class RecordFile(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=record_file_key, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_key, max_length=255, blank=True)
    # The thumbnail's task: when last queued, how many runs a worker started and when the last one did
    # (relyfe.outbox.run_started), and why no thumbnail will come (a short code, never the file's content).
    thumbnail_queued_at = models.DateTimeField(default=timezone.now)
    thumbnail_attempts = models.PositiveSmallIntegerField(default=0)
    thumbnail_started_at = models.DateTimeField(null=True, blank=True)
    thumbnail_failed_reason = models.CharField(max_length=100, blank=True)
    # Faces masked: a copy of the photo with every detected face blurred, shown instead of the original to
    # whoever does not hold the whole file (share links, scoped grants). The original stays as it was.
    mask_faces = models.BooleanField(_("blur faces for those who do not see the whole file"), default=False)
    masked = models.FileField(upload_to=masked_key, max_length=255, blank=True)
    masked_status = models.CharField(max_length=16, choices=MaskStatus.choices, default=MaskStatus.NONE, blank=True)
    masked_face_count = models.PositiveSmallIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def thumbnail_failure(self) -> str:
        """Why no preview will come, in words for the person who sees "preview failed" ("" while one may)."""
        if not self.thumbnail_failed_reason:
            return ""
        if self.thumbnail_failed_reason == "not_made_in_time":
            return _("The preview could not be made in time.")
        return _("This file could not be turned into a picture.")

    @property
    def patient(self):
        return self.record.patient

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class RecordChange(models.Model):
    """The history of a record: who changed what, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("changed")
        FILES_ADDED = "files_added", _("added files")
        ARCHIVED = "archived", _("archived")
        RESTORED = "restored", _("restored")

    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # {"field": [before, after]} for changes; {"files": [names]} when files are added.
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


def staged_upload_key(instance, filename):
    return f"staged/{instance.public_id.hex[:2]}/{instance.public_id.hex}{instance.extension}"


class StagedUpload(models.Model):
    """A file that passed the upload checks in a form sent back with an error: kept for its uploader, so
    that sending the form again files it without choosing it again. Used once, or swept after a day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=staged_upload_key, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class AnnotationKind(models.TextChoices):
    ARROW = "arrow", _("arrow")
    CIRCLE = "circle", _("circle")
    RULER = "ruler", _("ruler")
    REFERENCE = "reference", _("reference of known length")
    TEXT = "text", _("text")


class PhotoAnnotation(models.Model):
    """A layer drawn over a photo (arrows, circles, a ruler in millimetres once a reference of known length
    is marked), kept apart from the photo, which stays as it was taken. One layer per photo, edited over time.

    `shapes` is a list of {"kind": AnnotationKind, "points": [[x, y], ...], "label": str} in the photo's own
    upright pixels; `mm_per_pixel` comes from the reference shape, when there is one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record_file = models.OneToOneField(RecordFile, on_delete=models.CASCADE, related_name="annotation")
    shapes = models.JSONField(_("shapes"), default=list, blank=True)
    mm_per_pixel = models.FloatField(_("millimetres per pixel"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("changed on"), default=timezone.now)

    class Meta:
        verbose_name = _("photo annotation")
        verbose_name_plural = _("photo annotations")
        constraints = [
            models.CheckConstraint(
                condition=Q(mm_per_pixel__isnull=True) | Q(mm_per_pixel__gt=0), name="annotation_scale_positive"
            ),
        ]

    def __str__(self):
        return f"{self.record_file} ({len(self.shapes)})"
