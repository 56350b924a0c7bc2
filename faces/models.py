"""Face identification: the patient's consent, the face templates enrolled under it, and the log of
searches. No photo is ever stored: an enrolment keeps only the backend's template (an embedding for the
local model, a face id in the AWS collection), and a search keeps only who searched, when and the result."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The consent text is versioned: a consent records the version the patient agreed to, and a new version
# is a new text in templates/faces/consent_text.html with a new number here.
CONSENT_TEXT_VERSION = "2026-11"
MAX_TEMPLATES_PER_PATIENT = 5


class ConsentMethod(models.TextChoices):
    SELF = "self", _("given by the patient in their account")
    RECORDED = "recorded", _("given to a professional, who recorded it")


class ConfirmationFactor(models.TextChoices):
    """What the patient chose to prove it is them when a face search finds them: a match never opens a file
    by itself, the professional asks the patient (or reads their card) for this."""

    BIRTH_DATE = "birth_date", _("my birth date")
    PHONE_DIGITS = "phone_digits", _("the last four digits of my mobile phone")
    HEART_CODE = "heart_code", _("my Heart-Code card")


class FaceConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class FaceConsent(models.Model):
    """The patient's explicit consent to face identification. Withdrawn, never deleted, so that the
    history of who agreed to what stays true."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="face_consents")
    method = models.CharField(_("how consent was given"), max_length=16, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    text_version = models.CharField(_("version of the consent text"), max_length=16, default=CONSENT_TEXT_VERSION)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    confirm_with = models.CharField(
        _("how a professional confirms it is me"),
        max_length=16,
        choices=ConfirmationFactor.choices,
        default=ConfirmationFactor.BIRTH_DATE,
    )

    objects = FaceConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("face identification consent")
        verbose_name_plural = _("face identification consents")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(withdrawn_at__isnull=True), name="one_active_face_consent"
            ),
            models.CheckConstraint(condition=Q(method__in=ConsentMethod.values), name="face_consent_method_known"),
            models.CheckConstraint(
                condition=Q(confirm_with__in=ConfirmationFactor.values), name="face_consent_factor_known"
            ),
        ]

    def __str__(self):
        return f"{self.patient} ({self.text_version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class FaceTemplate(models.Model):
    """One enrolled face: what the backend needs to find the patient again, never the photo.
    Deleted (here and in the backend) when the patient withdraws consent or asks for erasure."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="face_templates")
    consent = models.ForeignKey(FaceConsent, on_delete=models.PROTECT, related_name="templates")
    backend = models.CharField(max_length=16, verbose_name=_("engine"))
    # The backend's id: the FaceId in the Rekognition collection, a random id for the local model.
    face_id = models.CharField(max_length=64)
    # The local model's 128 float32 values; empty for Rekognition, which keeps the template itself.
    embedding = models.BinaryField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolled by")
    )
    enrolled_at = models.DateTimeField(default=timezone.now, verbose_name=_("enrolled on"))
    # What the quality gates measured on the enrolment photo (sharpness, brightness, face size, pose): numbers
    # only, never the photo.
    quality = models.JSONField(default=dict, blank=True, verbose_name=_("photo quality"))

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("enrolled face")
        verbose_name_plural = _("enrolled faces")
        constraints = [
            models.UniqueConstraint(fields=["backend", "face_id"], name="face_template_unique_in_backend"),
        ]

    def __str__(self):
        return f"{self.patient} ({self.backend})"


class SearchOutcome(models.TextChoices):
    MATCH = "match", _("one or more patients found")
    AMBIGUOUS = "ambiguous", _("several patients look alike")
    NO_MATCH = "no_match", _("nobody found")
    UNUSABLE_PHOTO = "unusable_photo", _("the photo could not be used")


class FaceSearch(models.Model):
    """One identification attempt: who searched, when, with which backend and threshold, and what came
    out. The photo is not kept."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    searcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("searched by")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("date"))
    backend = models.CharField(max_length=16, verbose_name=_("engine"))
    threshold = models.FloatField(verbose_name=_("threshold"))
    outcome = models.CharField(max_length=16, choices=SearchOutcome.choices, verbose_name=_("outcome"))
    problem = models.CharField(max_length=32, blank=True, verbose_name=_("problem"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("face search")
        verbose_name_plural = _("face searches")
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=SearchOutcome.values), name="face_search_outcome_known"),
        ]

    def __str__(self):
        return f"{self.searcher} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class MatchBand(models.TextChoices):
    """What a similarity means, in words (faces/bands.py): the number alone reads as a certainty it is not."""

    STRONG = "strong", _("strong match")
    POSSIBLE = "possible", _("possible match")


class FaceSearchCandidate(models.Model):
    search = models.ForeignKey(FaceSearch, on_delete=models.CASCADE, related_name="candidates")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=16, choices=MatchBand.choices, default=MatchBand.POSSIBLE)
    # The second factor: when the professional gave the right one, and how many wrong ones they gave.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    failed_confirmations = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["search", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["search", "patient"], name="face_candidate_once_per_search"),
            models.CheckConstraint(condition=Q(band__in=MatchBand.values), name="face_candidate_band_known"),
        ]

    def __str__(self):
        return f"{self.patient} {self.similarity:.2f}"
