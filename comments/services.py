"""Writes of comments. Each asks the policy, validates, writes the access event, and tells the people
concerned — with no word of the comment in the message, and never about a comment they may not see."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.policy import Access, Action, Channel, LinkVisitor
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from comments import selectors
from comments.models import Comment, CommentRead, CommentRevision, RevisionKind, Visibility
from health_records.models import HealthRecord, RecordFile
from notifications.models import Event
from notifications.services import notify_translated


def _logged_as(comment: Comment) -> ObjectType:
    # Professionals-only comments are logged apart: the patient's log must not reveal that they exist.
    return ObjectType.PROFESSIONAL_COMMENT if comment.is_for_professionals else ObjectType.COMMENT


def _cleaned_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something first."), code="empty")
    return text


def _visibility_for(actor, access: Access, visibility: str, parent: Comment | None) -> str:
    """A reply to a professionals-only comment stays among professionals; nobody else writes there."""
    if parent is not None and parent.is_for_professionals:
        visibility = Visibility.PROFESSIONALS
    if visibility == Visibility.PROFESSIONALS and not policy.sees_professional_comments(actor, access):
        raise ValidationError(_("Only professionals can write to professionals only."), code="visibility")
    return visibility


def _check_place(actor, access: Access, record: HealthRecord, record_file: RecordFile | None, parent) -> None:
    if record_file is not None and record_file.record_id != record.pk:
        raise ValidationError(_("This file is not part of the record."), code="file")
    if parent is None:
        return
    if parent.record_id != record.pk or not selectors.can_see(actor, access, parent):
        raise PermissionDenied
    if parent.parent_id is not None or parent.is_deleted or parent.is_hidden:
        raise ValidationError(_("This comment cannot be answered."), code="parent")


def _authorship(actor) -> dict:
    if isinstance(actor, LinkVisitor):
        return {"author": None, "share_link": actor.link}
    return {"author": actor, "share_link": None}


def comment_create(
    *,
    actor,
    record: HealthRecord,
    text: str,
    visibility: str = Visibility.EVERYONE,
    record_file: RecordFile | None = None,
    parent: Comment | None = None,
    request=None,
) -> Comment:
    """A comment on the record (or on one of its files), or a reply to one of its top-level comments."""
    access = policy.require(actor, Action.COMMENT, record.patient, record=record)
    _check_place(actor, access, record, record_file, parent)
    comment = Comment(
        record=record,
        patient=record.patient,
        record_file=record_file,
        parent=parent,
        visibility=_visibility_for(actor, access, visibility, parent),
        author_label=actor.full_name,
        text=_cleaned_text(text),
        **_authorship(actor),
    )
    with transaction.atomic():
        comment.full_clean()
        comment.save()
        mentioned = _mentionable(comment)
        comment.mentions.set(mentioned)
        audit.record(
            actor=actor,
            patient=comment.patient,
            object_type=_logged_as(comment),
            object_id=comment.public_id,
            action=AuditAction.CREATE,
            access=access,
            request=request,
        )
        _tell_mentioned(actor=actor, comment=comment, users=mentioned)
        _tell_followers(actor=actor, comment=comment, skip=mentioned)
    return comment


def comment_update(*, actor, comment: Comment, text: str, request=None) -> Comment:
    """The author rewrites their comment within the edit window; the former text becomes a revision."""
    access = policy.require(actor, Action.COMMENT, comment.record.patient, record=comment.record)
    if not comment.written_by(actor):
        raise PermissionDenied
    text = _cleaned_text(text)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("record__patient").get(pk=comment.pk)
        if comment.is_deleted or comment.is_hidden:
            raise ValidationError(_("This comment can no longer be changed."), code="gone")
        if timezone.now() > comment.editable_until():
            raise ValidationError(_("A comment can be changed for 15 minutes after it is written."), code="late")
        if text == comment.text:
            return comment
        CommentRevision.objects.create(comment=comment, kind=RevisionKind.EDITED, text=comment.text)
        already_mentioned = set(comment.mentions.all())
        comment.text, comment.edited_at = text, timezone.now()
        comment.full_clean()
        comment.save()
        mentioned = _mentionable(comment)
        comment.mentions.set(mentioned)
        audit.record(
            actor=actor,
            patient=comment.patient,
            object_type=_logged_as(comment),
            object_id=comment.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
        )
        newly_mentioned = [user for user in mentioned if user not in already_mentioned]
        _tell_mentioned(actor=actor, comment=comment, users=newly_mentioned)
    return comment


def comment_delete(*, actor, comment: Comment, request=None) -> Comment:
    """The author withdraws their comment: the thread keeps a "deleted" mark, the text goes to a revision.
    The audit log has no "delete": the comment is archived, as records are."""
    access = policy.require(actor, Action.VIEW, comment.record.patient, record=comment.record)
    if not comment.written_by(actor):
        raise PermissionDenied
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_deleted:
            return comment
        CommentRevision.objects.create(comment=comment, kind=RevisionKind.DELETED, text=comment.text)
        comment.text, comment.deleted_at = "", timezone.now()
        comment.save(update_fields=["text", "deleted_at"])
        audit.record(
            actor=actor,
            patient=comment.patient,
            object_type=_logged_as(comment),
            object_id=comment.public_id,
            action=AuditAction.ARCHIVE,
            access=access,
            request=request,
        )
    return comment


def comment_hide(*, actor, comment: Comment, request=None) -> Comment:
    """Staff moderation, from the administration: the comment leaves every thread, its text is kept."""
    access = policy.require(actor, Action.VIEW, comment.patient, channel=Channel.ADMIN)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_hidden:
            return comment
        comment.hidden_at, comment.hidden_by = timezone.now(), actor
        comment.save(update_fields=["hidden_at", "hidden_by"])
        audit.record(
            actor=actor,
            patient=comment.patient,
            object_type=_logged_as(comment),
            object_id=comment.public_id,
            action=AuditAction.ARCHIVE,
            access=access,
            request=request,
        )
    return comment


def comments_mark_read(*, user, record: HealthRecord) -> None:
    """`user` has just seen the record's discussion (the caller got the record through a selector)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return
    CommentRead.objects.update_or_create(user=user, record=record, defaults={"last_read_at": timezone.now()})


# --- Who is told ----------------------------------------------------------------------------------


def _sees(user: User, comment: Comment) -> bool:
    access = policy.decide(user, Action.VIEW, comment.patient, record=comment.record)
    return selectors.can_see(user, access, comment)


def _mentionable(comment: Comment) -> list[User]:
    """The professionals the text mentions who may see the comment; anyone else mentioned is ignored."""
    candidates = User.objects.filter(
        public_id__in=selectors.mentioned_ids(comment.text), role=Role.PROFESSIONAL, is_active=True
    )
    # A share-link holder's comment has no author: pk=None is Django's IS NULL, which the stubs reject.
    candidates = candidates.exclude(pk=comment.author_id)  # type: ignore[misc]
    return [user for user in candidates if _sees(user, comment)]


def _followers(comment: Comment) -> list[User]:
    """The patient and the members who wrote in the thread, who may see this comment."""
    root = comment.parent or comment
    writer_ids = {root.author_id, *root.replies.values_list("author", flat=True), comment.patient_id}
    followers = User.objects.filter(pk__in=writer_ids - {None, comment.author_id}, is_active=True)
    return [user for user in followers if _sees(user, comment)]


def _link(comment: Comment) -> str:
    return reverse("health_records:detail", args=[comment.record.public_id])


def _sender(actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _tell_mentioned(*, actor, comment: Comment, users: list[User]) -> None:
    for user in users:
        notify_translated(
            recipient=user,
            event=Event.MENTION,
            text=gettext_noop("%(name)s mentioned you in a comment on a record."),
            params={"name": actor.full_name},
            url=_link(comment),
            actor=_sender(actor),
        )


def _tell_followers(*, actor, comment: Comment, skip: list[User]) -> None:
    for user in _followers(comment):
        if user in skip:
            continue
        if user.pk == comment.patient_id:
            text = gettext_noop("%(name)s commented on a record in your file.")
        else:
            text = gettext_noop("%(name)s commented in a discussion you take part in.")
        notify_translated(
            recipient=user,
            event=Event.COMMENT,
            text=text,
            params={"name": actor.full_name},
            url=_link(comment),
            actor=_sender(actor),
        )
