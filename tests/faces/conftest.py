import pytest
from django.utils import timezone

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
def doctor(bob, bob_sees_alice):
    """Bob, verified, in alice's care team with the right to add to her file."""
    return verify(bob)
