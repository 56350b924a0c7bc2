"""Comments on health records: a discussion between the patient and the care team, some of it between
professionals only. Comments are never deleted: a deletion blanks the text (kept in a revision) and
leaves a mark in the thread, so that the discussion and its history stay true."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from health_records.models import HealthRecord, RecordFile

TEXT_MAX_LENGTH = 5000
EDIT_WINDOW = timedelta(minutes=15)


class Visibility(models.TextChoices):
    EVERYONE = "everyone", _("Everyone who sees the record")
    PROFESSIONALS = "professionals", _("Professionals only")


class Comment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="comments")
    # The record's patient, kept here so that the access log and the policy need no join.
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record_file = models.ForeignKey(
        RecordFile, on_delete=models.PROTECT, null=True, blank=True, related_name="comments", verbose_name=_("file")
    )
    # One level of replies: a reply belongs to a top-level comment.
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.EVERYONE
    )
    # A member, or nobody when a share-link holder wrote it (then `share_link` says through which link).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    share_link = models.ForeignKey(
        "sharing.ShareLink", on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    # The author as shown in the thread, at the time of writing (a link holder's declared name).
    author_label = models.CharField(_("author"), max_length=200)
    text = models.TextField(_("comment"), max_length=TEXT_MAX_LENGTH, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(_("written on"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited on"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted on"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden on"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["record", "created_at"], name="comment_record_time")]
        constraints = [
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="comment_visibility_known"),
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(share_link__isnull=False), name="comment_has_an_author"
            ),
            # A deleted comment keeps no text: the words live on in its revisions only.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(text=""), name="comment_deleted_has_no_text"
            ),
        ]

    def __str__(self):
        return f"{self.author_label} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    def written_by(self, actor) -> bool:
        """A link holder has no account to prove they wrote a comment: only members edit or delete theirs."""
        return bool(actor is not None and actor.is_authenticated and self.author_id == actor.pk)

    @property
    def is_for_professionals(self) -> bool:
        return self.visibility == Visibility.PROFESSIONALS

    @property
    def shown_text(self) -> str:
        """What the thread shows: nothing once deleted or hidden (the thread shows a mark instead)."""
        return "" if self.is_deleted or self.is_hidden else self.text

    def editable_until(self):
        return self.created_at + EDIT_WINDOW


class RevisionKind(models.TextChoices):
    EDITED = "edited", _("edited")
    DELETED = "deleted", _("deleted")


class CommentRevision(models.Model):
    """The text a comment had before an edit or a deletion: the history the audit trail points to."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="revisions")
    kind = models.CharField(max_length=8, choices=RevisionKind.choices)
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["replaced_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=RevisionKind.values), name="revision_kind_known")]

    def __str__(self):
        return f"{self.comment_id} · {self.kind} · {self.replaced_at:%Y-%m-%d %H:%M}"


class CommentRead(models.Model):
    """Until when a member read the discussion of a record: what came after is unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(HealthRecord, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "record"], name="comment_read_once_per_record")]

    def __str__(self):
        return f"{self.user_id} · {self.record_id} · {self.last_read_at:%Y-%m-%d %H:%M}"
