import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from access.models import AccessPath


class AppendOnlyError(Exception):
    """The access log is append-only: an event is never changed or removed."""


class Action(models.TextChoices):
    LIST = "list", _("listed")
    VIEW = "view", _("viewed")
    DOWNLOAD = "download", _("downloaded")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    ARCHIVE = "archive", _("archived")
    RESTORE = "restore", _("restored")
    SHARE = "share", _("shared")
    EXPORT = "export", _("exported")
    REVOKE = "revoke", _("revoked")
    BREAK_GLASS = "break_glass", _("opened in an emergency (break-glass)")
    IDENTIFY = "identify", _("identified from a photo")


class ObjectType(models.TextChoices):
    """What an access event is about, worded as the patient reads it after a verb ("viewed a record")."""

    TIMELINE = "timeline", _("your records")
    HEALTH_RECORD = "health_record", _("a record")
    RECORD_FILE = "record_file", _("a file")
    GRANT = "grant", _("an access")
    CARE_TEAM_PROPOSAL = "care_team_proposal", _("a proposal for your care team")
    SHARE_LINK = "share_link", _("a share link")
    EMERGENCY_PROFILE = "emergency_profile", _("the emergency profile")
    ACCESS_REQUEST = "access_request", _("an access request")
    COMMENT = "comment", _("a comment")
    # Comments professionals write for each other: logged, but never listed to the patient.
    PROFESSIONAL_COMMENT = "professional_comment", _("a comment between professionals")
    ACCOUNT_CLAIM = "account_claim", _("the code to take over the account")
    FACE_CONSENT = "face_consent", _("consent to face identification")
    FACE_TEMPLATE = "face_template", _("an enrolled face")
    FACE_SEARCH = "face_search", _("a face identification")
    TREATMENTS = "treatments", _("your treatments")
    TREATMENT = "treatment", _("a treatment")
    MEDICATION = "medication", _("a medication")
    INTAKE = "intake", _("a dose")
    ALLERGY = "allergy", _("an allergy")
    SAFETY_OVERRIDE = "safety_override", _("a medication confirmed despite a warning")
    DISPENSING = "dispensing", _("a dispensing")
    RENEWAL_REQUEST = "renewal_request", _("a renewal request")
    CALENDAR_FEED = "calendar_feed", _("the calendar feed")
    CAREGIVER = "caregiver", _("a caregiver")
    PHOTO_ANNOTATION = "photo_annotation", _("the drawings on a photo")
    LAB_RESULTS = "lab_results", _("your lab results")


# The label stored for someone without an account: a key, shown in the reader's language (stored rows are
# append-only, so the English key stays).
EMERGENCY_PAGE_VISITOR = "Emergency page visitor"
VISITOR_LABELS = {EMERGENCY_PAGE_VISITOR: _("Emergency page visitor")}
# Until December 2026 a link holder's label ended with these English words; the access path now says it.
LEGACY_LINK_SUFFIX = " — share link"
# Actions whose words already say what was done to the patient: no object follows them.
WHOLE_SENTENCE_ACTIONS = {
    Action.BREAK_GLASS: _("opened your file in an emergency (break-glass)"),
    Action.IDENTIFY: _("identified you from a photo"),
}


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Access events cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Access events cannot be deleted.")


class AccessEvent(models.Model):
    """One read or write of a patient's data: who, which patient, which object, what, how, when, from where."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Who it was, as shown to the patient: the member's name at the time, or what a link holder declared.
    actor_label = models.CharField(_("who"), max_length=200)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    object_type = models.CharField(_("object type"), max_length=40, choices=ObjectType.choices)
    object_id = models.UUIDField(_("object id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    access_path = models.CharField(_("access path"), max_length=16, choices=AccessPath.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    at = models.DateTimeField(_("date"), default=timezone.now)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"], name="accessevent_patient_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=Action.values), name="accessevent_action_known"),
            models.CheckConstraint(
                condition=models.Q(access_path__in=AccessPath.values), name="accessevent_path_known"
            ),
            models.CheckConstraint(
                condition=models.Q(object_type__in=ObjectType.values), name="accessevent_object_type_known"
            ),
        ]

    def __str__(self):
        return f"{self.actor_label} {self.action} {self.object_type} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Access events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access events cannot be deleted.")

    @property
    def who(self) -> str:
        return str(VISITOR_LABELS.get(self.actor_label, self.actor_label.removesuffix(LEGACY_LINK_SUFFIX)))

    @property
    def what(self) -> str:
        """What was done, as the patient reads it in their log: "viewed a record", "a consulté un dossier"."""
        if self.action in WHOLE_SENTENCE_ACTIONS:
            return str(WHOLE_SENTENCE_ACTIONS[self.action])
        return pgettext("access log: an action, then its object", "%(action)s %(object)s") % {
            "action": self.get_action_display(),
            "object": self.get_object_type_display(),
        }
