"""Writing the access log. `record` is the one call every service, selector and admin page makes."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID, uuid4

from django.db import connection, transaction

from access.models import AccessPath
from access.policy import Access
from audit.models import AccessEvent, Action, ObjectType
from relyfe.abuse import client_address


def client_ip(request) -> str | None:
    """The client's address, through the trusted proxies (relyfe.abuse.client_address)."""
    if request is None:
        return None
    return client_address(request) or None


def _path_of(access: Access | AccessPath) -> AccessPath:
    return access.logged_path if isinstance(access, Access) else access


def _event(*, actor, patient, object_type, object_id, action, access, request, label) -> AccessEvent:
    label = label or (actor.full_name or str(actor) if actor is not None else "")
    return AccessEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=label[:200],
        patient=patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access_path=_path_of(access),
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )


def record(
    *,
    actor,
    patient,
    object_type: ObjectType,
    object_id: UUID | None,
    action: Action,
    access: Access | AccessPath,
    request=None,
    label: str = "",
) -> AccessEvent:
    """Writes one access event: `actor` did `action` on `patient`'s object through `access` (the policy's
    answer, or the path itself when no policy question was asked, e.g. staff in the administration).
    `label` names someone without an account (a link holder); members are named after themselves.
    Services and selectors call it; signals never do."""
    event = _event(
        actor=actor,
        patient=patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access=access,
        request=request,
        label=label,
    )
    event.save()
    return event


def record_many(
    *, actor, objects: Iterable, object_type: ObjectType, action: Action, access: Access | AccessPath, request=None
) -> None:
    """`record` for many objects at once (each with a `patient` and a `public_id`), written in one query."""
    AccessEvent.objects.bulk_create(
        _event(
            actor=actor,
            patient=obj.patient,
            object_type=object_type,
            object_id=obj.public_id,
            action=action,
            access=access,
            request=request,
            label="",
        )
        for obj in objects
    )


# --- The two exceptions to append-only: erasure and retention ---------------------------------------------------
# The log is append-only for everyone else (AccessEvent's save, delete and queryset refuse). The law keeps a
# row for its retention period and no longer, and an erased patient's rows stay but say no more who they were:
# these two functions, and only they, change rows, through the model's plain base manager.


@contextmanager
def log_maintenance() -> Iterator[None]:
    """A transaction in which the access log may change: on PostgreSQL a trigger refuses any other update or
    deletion of its rows (migration 0007). Only the erasure's pseudonymisation and the retention's purge use it."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL relyfe.audit_log_maintenance = 'on'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL relyfe.audit_log_maintenance = 'off'")


def access_events_pseudonymise(*, user, actor_label: str) -> int:
    """After `user`'s erasure: the rows about them keep who accessed their file and when, but each object id
    becomes a random one (the same for all rows of one object, so the log still tells one object from another);
    the rows where they acted lose their name, address and browser. The patient column points to the erased
    account's tombstone, whose id is itself new and random. Returns how many rows changed."""
    rows = AccessEvent._base_manager
    changed = 0
    with log_maintenance():
        object_ids = rows.filter(patient=user, object_id__isnull=False).values_list("object_id", flat=True)
        for object_id in list(object_ids.distinct()):
            changed += rows.filter(patient=user, object_id=object_id).update(object_id=uuid4())
        changed += rows.filter(actor=user).update(actor_label=actor_label[:200], ip_address=None, user_agent="")
    return changed


PURGE_BATCH = 1000


def access_events_purge(*, older_than: datetime) -> int:
    """Deletes the rows written before `older_than`, in batches (a year of a busy site must not hold one long
    lock). Returns how many went."""
    rows = AccessEvent._base_manager
    purged = 0
    while ids := list(rows.filter(at__lt=older_than).order_by("at").values_list("pk", flat=True)[:PURGE_BATCH]):
        with log_maintenance():
            purged += rows.filter(pk__in=ids).delete()[0]
    return purged
