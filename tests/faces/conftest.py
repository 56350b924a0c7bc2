import functools

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


@pytest.fixture
def bands(settings):
    """Explicit bands rather than the shipped ones, which are calibrated elsewhere: with the local model the
    obama and kit_harington photos these tests pair are at least 98.9 alike (a strong match here), obama and biden
    0.2 (none)."""
    settings.FACES_MATCH_THRESHOLD = 90.0
    settings.FACES_STRONG_MATCH_THRESHOLD = 98.5
    settings.FACES_AMBIGUITY_MARGIN = 0.5
    settings.FACES_CONFIRMATION_ATTEMPTS = 3
    return settings


@functools.cache
def similarity(name_a: str, name_b: str) -> float:
    """How alike the engine finds two test photos, as a search would score them: tests set their bands around it."""
    from faces.services import engine

    return engine().compare(photo(name_a), photo(name_b))
