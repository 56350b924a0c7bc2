"""The policy reads a pair's grant and caregiver row in SQL (access/policy.py says why): the rows it finds are
those Grant.objects.active() and Caregiver.objects.active() find, whatever the state of each row. And which kinds
of records an access may reach, answered from the access alone."""

import datetime

import pytest
from django.utils import timezone

from access import policy
from access.models import Caregiver, Grant, Scope
from access.policy import Action
from tests.factories import CaregiverFactory, GrantFactory, PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "in_force"),
    [
        ({}, True),
        ({"starts_at": NOW + DAY}, False),  # not started yet
        ({"starts_at": NOW - 3 * DAY, "ends_at": NOW - DAY}, False),  # over
        ({"starts_at": NOW - 3 * DAY, "ends_at": NOW + DAY}, True),  # ends tomorrow
        ({"revoked_at": NOW - DAY}, False),
    ],
)
def test_the_grant_the_policy_reads_is_the_active_one(alice, fields, in_force):
    professional = ProfessionalFactory()
    grant = GrantFactory(patient=alice, professional=professional, **fields)
    GrantFactory(patient=PatientFactory(), professional=professional)  # another patient's: never this pair's

    found = policy._active_grant(alice, professional)

    assert found == Grant.objects.active().filter(patient=alice, professional=professional).first()
    assert found == (grant if in_force else None)


@pytest.mark.parametrize(
    ("fields", "in_force"),
    [({}, True), ({"accepted_at": None}, False), ({"revoked_at": NOW}, False)],
)
def test_the_caregiver_row_the_policy_reads_is_the_active_one(alice, dave, fields, in_force):
    row = CaregiverFactory(patient=alice, caregiver=dave, **fields)
    CaregiverFactory(patient=PatientFactory(), caregiver=dave)  # another patient's

    found = policy._active_caregiver(alice, dave)

    assert found == Caregiver.objects.active().filter(patient=alice, caregiver=dave).first()
    assert found == (row if in_force else None)


@pytest.mark.parametrize(
    ("grant", "reaches"),
    [
        ({}, True),  # the whole file
        ({"scope": Scope.KINDS, "kinds": ["lab_result", "imaging"]}, True),
        ({"scope": Scope.KINDS, "kinds": ["imaging"]}, False),
    ],
)
def test_a_kind_is_within_reach_unless_a_grant_names_other_kinds(alice, grant, reaches):
    professional = ProfessionalFactory()
    GrantFactory(patient=alice, professional=professional, **grant)

    access = policy.decide(professional, Action.VIEW, alice)

    assert policy.may_reach_kind(access, "lab_result") is reaches
    assert policy.may_reach_kind(policy.decide(alice, Action.VIEW, alice), "lab_result") is True


def test_a_caregiver_who_sees_treatments_only_reaches_no_kind(alice, dave):
    CaregiverFactory(patient=alice, caregiver=dave)

    assert policy.may_reach_kind(policy.decide(dave, Action.VIEW, alice), "lab_result") is False
