from collections.abc import Iterable
from uuid import UUID

from audit.models import AccessEvent


def client_ip(request) -> str | None:
    """The client's address as the web server saw it (a proxy in front must set REMOTE_ADDR right)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _event(*, actor, patient, object_type, object_id, action, access_path, request, actor_label) -> AccessEvent:
    label = actor_label or (actor.full_name or str(actor) if actor is not None else "")
    return AccessEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=label[:200],
        patient=patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access_path=access_path,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )


def record(
    *,
    actor,
    patient,
    object_type: str,
    object_id: UUID | None,
    action: str,
    access_path: str,
    request=None,
    actor_label: str = "",
) -> AccessEvent:
    """Writes one access event. Services and selectors call it; signals never do."""
    event = _event(
        actor=actor,
        patient=patient,
        object_type=object_type,
        object_id=object_id,
        action=action,
        access_path=access_path,
        request=request,
        actor_label=actor_label,
    )
    event.save()
    return event


def record_many(*, actor, objects: Iterable, object_type: str, action: str, access_path: str, request=None) -> None:
    """One event per object (each with a `patient` and a `public_id`), written in one query."""
    AccessEvent.objects.bulk_create(
        _event(
            actor=actor,
            patient=obj.patient,
            object_type=object_type,
            object_id=obj.public_id,
            action=action,
            access_path=access_path,
            request=request,
            actor_label="",
        )
        for obj in objects
    )
