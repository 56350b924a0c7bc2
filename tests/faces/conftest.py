import pytest
from django.utils import timezone

from access.models import Permission, Scope
from sharing import services as sharing
from tests.files import TEST_DATA

FACES = TEST_DATA / "faces"


def photo(name: str) -> bytes:
    """One of the photos of public figures in tests/data/faces (see its README)."""
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
