"""The shapes the policy reads from objects that live in the layers above it.

`access` is the foundation: it may not import health_records, treatments or sharing. What it needs of a
record, a treatment and a share link is written here as a Protocol, which the models satisfy (mypy checks
that where the policy is called). The patient is the user model itself (accounts.models.User), imported for
type checking only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import Manager


class RecordLike(Protocol):
    """What the policy reads of a health record (health_records.models.HealthRecord)."""

    @property
    def pk(self) -> Any: ...
    @property
    def author_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def is_archived(self) -> bool: ...


class TreatmentLike(Protocol):
    """What the policy reads of a treatment (treatments.models.Treatment), saved or about to be created."""

    @property
    def pk(self) -> Any: ...
    @property
    def patient_id(self) -> int: ...
    @property
    def prescription_id(self) -> int | None: ...
    @property
    def created_by_id(self) -> int: ...
    @property
    def prescriber_id(self) -> int | None: ...
    @property
    def prescription(self) -> RecordLike | None: ...


class ShareLinkLike(Protocol):
    """What the policy reads of a share link (sharing.models.ShareLink)."""

    @property
    def patient_id(self) -> int: ...
    @property
    def allow_comments(self) -> bool: ...
    @property
    def is_usable(self) -> bool: ...
    @property
    def records(self) -> Manager[Any]: ...


class EmergencyProfileLike(Protocol):
    """What the policy reads of an emergency profile (sharing.models.EmergencyProfile)."""

    @property
    def enabled(self) -> bool: ...
    @property
    def break_glass_enabled(self) -> bool: ...
