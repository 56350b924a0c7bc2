from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from sharing import services as sharing
from sharing.models import Permission, Scope

FACES = Path(settings.BASE_DIR).parent / "shared" / "data" / "faces"


def photo(name: str) -> bytes:
    """One of the shared photos of public figures (see its README)."""
    return (FACES / name).read_bytes()


def verify(professional):
    profile = professional.professional_profile
    profile.verified, profile.verified_at = True, timezone.now()
    profile.save()
    return professional


@pytest.fixture
def doctor(alice, bob):
    """Bob, verified, in alice's care team with the right to add to her file."""
    sharing.grant_give(actor=alice, professional=verify(bob), scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    return bob
