"""labs.selectors: the observations a viewer may see are those of the records they may see, grouped by
analyte for the pages."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone, translation

from access import policy
from access.models import AccessPath
from access.policy import Action
from audit.models import AccessEvent
from labs import selectors
from tests.factories import CaregiverFactory, GrantFactory, ObservationFactory

pytestmark = pytest.mark.django_db


def visible_to(user, patient):
    return selectors.observations_of_patient(user=user, patient_id=patient.public_id)[2]


def test_a_viewer_sees_the_observations_of_the_records_they_see(alice, bob, bob_sees_alice, kate, lena, rob, lab_file):
    everything = set(visible_to(alice, alice))

    assert len(everything) == 7
    assert set(visible_to(bob, alice)) == everything
    assert set(visible_to(lena, alice)) == everything
    assert set(visible_to(kate, alice)) == set()
    assert {observation.record for observation in visible_to(rob, alice)} == {lab_file["spring"]}


def test_each_read_writes_one_access_event(alice, bob, bob_sees_alice, lab_file):
    list(visible_to(bob, alice))

    assert AccessEvent.objects.filter(actor=bob, patient=alice).count() == 1


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_no_access_is_a_404(request, alice, lab_file, who):
    with pytest.raises(Http404):
        visible_to(request.getfixturevalue(who), alice)


def test_a_caregiver_who_sees_treatments_only_reaches_no_observation(alice, dave, lab_file):
    CaregiverFactory(patient=alice, caregiver=dave)

    with pytest.raises(Http404):
        visible_to(dave, alice)


def test_the_timeline_question_agrees_with_the_pages(alice, bob, bob_sees_alice, kate, rob, lab_file):
    for viewer, expected in [(alice, True), (bob, True), (kate, False), (rob, True)]:
        access = policy.decide(viewer, Action.VIEW, alice)
        assert selectors.shows_lab_results(patient=alice, access=access) is expected
    for record in (lab_file["spring"], lab_file["autumn"]):
        record.archived_at, record.archived_by = timezone.now(), alice
        record.save()
    assert not selectors.shows_lab_results(patient=alice, access=policy.decide(alice, Action.VIEW, alice))


def test_the_analytes_are_grouped_oldest_value_first_and_unknown_ones_kept_apart(alice, lab_file):
    with translation.override("fr"):
        summaries, others = selectors.analyte_summaries(visible_to(alice, alice))

    assert [(summary.name, summary.count) for summary in summaries] == [
        ("Créatinine", 3),
        ("Hémoglobine glyquée (HbA1c)", 3),
    ]
    hba1c = summaries[1]
    assert [item.value for item in hba1c.observations] == [Decimal("5.6"), Decimal("5.9"), Decimal("6.8")]
    assert hba1c.latest.sampled_on == datetime.date(2026, 10, 5)
    assert hba1c.first_date == datetime.date(2024, 12, 1)
    assert [observation.label for observation in others] == ["Vitamine D (25-OH)"]


def test_a_value_with_a_loinc_code_the_table_does_not_know_is_kept_apart(alice):
    ObservationFactory(record__patient=alice, loinc="1234-5", label="Analyte rare")

    summaries, others = selectors.analyte_summaries(visible_to(alice, alice))

    assert (summaries, [observation.label for observation in others]) == ([], ["Analyte rare"])


def test_a_break_glass_access_sees_every_value_and_is_logged_as_an_emergency(alice, lab_file):
    doctor = GrantFactory(patient=alice, break_glass=True).professional

    assert len(visible_to(doctor, alice)) == 7
    assert AccessEvent.objects.get(actor=doctor).access_path == AccessPath.EMERGENCY
