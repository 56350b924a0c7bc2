"""policy.may_name_identified_patient: who a face search found is named only after the second factor, or for a
strong match to a professional who already has the file."""

import pytest
from django.contrib.auth.models import AnonymousUser

from access import policy
from tests.faces.conftest import verify
from tests.factories import PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, strong_match, confirmed, named",
    [
        # A verified professional with alice's whole file (bob).
        ("team", True, False, True),
        ("team", False, False, False),  # a possible match always needs the factor
        ("team", False, True, True),
        ("team", True, True, True),
        # A verified professional without access: the factor, always.
        ("stranger", True, False, False),
        ("stranger", False, False, False),
        ("stranger", False, True, True),
        ("stranger", True, True, True),
        # Nobody else searches by face, confirmed or not.
        ("unverified", True, True, False),
        ("patient", True, True, False),
        ("anonymous", True, True, False),
    ],
)
def test_a_face_match_is_named_only_as_the_policy_says(who, strong_match, confirmed, named, alice, bob, bob_sees_alice):
    actors = {
        "team": verify(bob),
        "stranger": verify(ProfessionalFactory()),
        "unverified": ProfessionalFactory(),
        "patient": PatientFactory(),
        "anonymous": AnonymousUser(),
    }

    answer = policy.may_name_identified_patient(actors[who], alice, strong_match=strong_match, confirmed=confirmed)

    assert answer is named
