"""Reads of comments. The policy says who reaches a record; on top of its answer, professionals-only
comments are kept to professional members who reach the record through a grant: never the patient, never
a share-link holder (whatever profession they state): access.policy.sees_professional_comments."""

import re

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from access import policy
from access.models import Grant
from access.policy import Access, Action
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from comments.models import Comment, CommentRead, Visibility
from health_records import selectors as record_selectors
from health_records.models import HealthRecord
from relyfe.search import fold

MENTION_SUGGESTIONS = 8


def _visible_filter(viewer, access: Access) -> Q:
    return Q() if policy.sees_professional_comments(viewer, access) else Q(visibility=Visibility.EVERYONE)


def can_see(viewer, access: Access, comment: Comment) -> bool:
    return bool(access) and (not comment.is_for_professionals or policy.sees_professional_comments(viewer, access))


def record_for_comments(*, user, public_id, action: Action = Action.VIEW) -> tuple[HealthRecord, Access]:
    """The record whose discussion `user` reads (VIEW) or writes in (COMMENT); 404 without access."""
    return record_selectors.health_record_for_action(user=user, public_id=public_id, action=action)


def record_thread(*, user, record: HealthRecord, access: Access) -> QuerySet[Comment]:
    """The top-level comments `user` may see, each with the replies `user` may see, oldest first.

    No access event: the record page (or the API call) that shows the discussion writes it."""
    visible = Comment.objects.filter(_visible_filter(user, access))
    replies = visible.select_related("author", "record_file").prefetch_related("mentions")
    return (
        visible.filter(record=record, parent__isnull=True)
        .select_related("author", "record_file")
        .prefetch_related("mentions", Prefetch("replies", replies, to_attr="visible_replies"))
    )


def record_comments(*, user, record: HealthRecord, access: Access, request=None) -> QuerySet[Comment]:
    """Every comment of the record `user` may see, replies included, for the API. Writes a `list` event."""
    audit.record(
        actor=user,
        patient=record.patient,
        object_type=ObjectType.COMMENT,
        object_id=None,
        action=AuditAction.LIST,
        access=access,
        request=request,
    )
    return (
        Comment.objects.filter(_visible_filter(user, access), record=record)
        .select_related("author", "record", "record_file", "parent")
        .prefetch_related("mentions")
    )


def comment_get_for_user(
    *, user, public_id, action: Action = Action.VIEW, request=None, audited: bool = False
) -> tuple[Comment, Access]:
    """A comment `user` may see; 404 for one they may not, as if it did not exist."""
    comment = Comment.objects.select_related("record__patient", "author", "parent").filter(public_id=public_id).first()
    if comment is None:
        raise Http404
    access = record_selectors.health_record_for_action(user=user, public_id=comment.record.public_id, action=action)[1]
    if not can_see(user, access, comment):
        raise Http404
    if audited:
        audit.record(
            actor=user,
            patient=comment.patient,
            object_type=ObjectType.COMMENT,
            object_id=comment.public_id,
            action=AuditAction.VIEW,
            access=access,
            request=request,
        )
    return comment, access


def unread_counts(*, user, records: list[HealthRecord], access: Access | None = None) -> dict[int, int]:
    """How many comments `user` has not read yet, per record pk, counting only what they may see:
    what others wrote since they last opened the record, neither deleted nor hidden. `access` is the policy's
    answer for `user` viewing these records' patient when the caller already asked it and chose the records
    through it (the timeline's page): all of `records` are then that patient's, and reached by `access`."""
    counts: dict[int, int] = {}
    by_patient = _by_patient(records)
    if access is not None and len(by_patient) > 1:
        raise ValueError("One access answers for one patient's records.")
    for patient_records in by_patient.values():
        if access is not None:
            patient_access, covered = access, [record.pk for record in patient_records]
        else:
            patient_access = policy.decide(user, Action.VIEW, patient_records[0].patient)
            if not patient_access:
                continue
            reached = HealthRecord.objects.filter(pk__in=[record.pk for record in patient_records]).active()
            if patient_access.records is not None:
                reached = reached.filter(patient_access.records)
            covered = list(reached.values_list("pk", flat=True))
        counts.update(_unread_in(user, patient_access, covered))
    return counts


def _by_patient(records) -> dict[int, list[HealthRecord]]:
    grouped: dict[int, list[HealthRecord]] = {}
    for record in records:
        grouped.setdefault(record.patient_id, []).append(record)
    return grouped


# In SQL: the timeline asks it for every page, and the ORM took ten times as long to build the query as the
# database to answer it (bench/timeline.py). A comment with no author was written through a share link.
_UNREAD = (
    "SELECT comment.record_id, COUNT(*) FROM {comments} comment"
    " LEFT JOIN {reads} seen ON seen.record_id = comment.record_id AND seen.user_id = %s"
    " WHERE comment.record_id IN ({ids}) AND comment.deleted_at IS NULL AND comment.hidden_at IS NULL"
    " AND (comment.author_id IS NULL OR comment.author_id <> %s)"
    " AND (seen.last_read_at IS NULL OR comment.created_at > seen.last_read_at){visibility}"
    " GROUP BY comment.record_id"
)


def _unread_in(user, access: Access, record_ids: list[int]) -> dict[int, int]:
    if not record_ids:
        return {}
    everyone_only = not policy.sees_professional_comments(user, access)
    sql = _UNREAD.format(
        comments=Comment._meta.db_table,
        reads=CommentRead._meta.db_table,
        ids=", ".join(["%s"] * len(record_ids)),
        visibility=" AND comment.visibility = %s" if everyone_only else "",
    )
    params = [user.pk, *record_ids, user.pk, *([Visibility.EVERYONE.value] if everyone_only else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def professionals_with_access(*, record: HealthRecord) -> list[User]:
    """The professionals who may read `record`, as the policy answers for each of them."""
    candidates = User.objects.filter(
        role=Role.PROFESSIONAL,
        is_active=True,
        pk__in=Grant.objects.active().filter(patient=record.patient).values("professional"),
    ).order_by("last_name", "first_name")
    return [
        professional
        for professional in candidates
        if policy.decide(professional, Action.VIEW, record.patient, record=record)
    ]


def mention_suggestions(*, record: HealthRecord, query: str) -> list[User]:
    words = fold(query).split()
    matching = [
        professional
        for professional in professionals_with_access(record=record)
        if all(word in fold(professional.full_name) for word in words)
    ]
    return matching[:MENTION_SUGGESTIONS]


MENTION = re.compile(r"@\[(?P<name>[^\]\n]{1,100})\]\((?P<public_id>[0-9a-f-]{36})\)")


def mentioned_ids(text: str) -> set[str]:
    return {match["public_id"] for match in MENTION.finditer(text)}
