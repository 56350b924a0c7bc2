"""The scheduling rules: moments, time zones, daylight-saving days, first and last days, days of the week."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from treatments.models import DEFAULT_MOMENT_TIMES, Medication
from treatments.schedule import due_instant, slots_of

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def medication(**fields):
    values = {
        "morning": False,
        "noon": False,
        "evening": False,
        "bedtime": False,
        "times": [],
        "weekdays": [],
        "start_date": datetime.date(2026, 1, 1),
        "end_date": None,
        "as_needed": False,
    }
    return Medication(**(values | fields))


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=UTC)


def test_moments_become_instants_in_the_patients_zone():
    slots = slots_of(medication(morning=True, evening=True), datetime.date(2026, 1, 15), DEFAULT_MOMENT_TIMES, PARIS)

    assert [(slot.moment, slot.due_at) for slot in slots] == [
        ("morning", utc(2026, 1, 15, 7, 0)),  # 08:00 in Paris in winter is 07:00 UTC
        ("evening", utc(2026, 1, 15, 18, 0)),
    ]


def test_the_same_moment_is_a_different_instant_in_another_zone():
    tokyo = slots_of(medication(morning=True), datetime.date(2026, 1, 15), DEFAULT_MOMENT_TIMES, ZoneInfo("Asia/Tokyo"))

    assert tokyo[0].due_at == utc(2026, 1, 14, 23, 0)


@pytest.mark.parametrize("day", [datetime.date(2026, 3, 29), datetime.date(2026, 10, 25)])
def test_on_daylight_saving_days_each_moment_is_due_once(day):
    every = medication(morning=True, noon=True, evening=True, bedtime=True, times=["02:30"])

    slots = slots_of(every, day, DEFAULT_MOMENT_TIMES, PARIS)

    assert [slot.moment for slot in slots] == ["02:30", "morning", "noon", "evening", "bedtime"]
    assert len({slot.due_at for slot in slots}) == 5


def test_a_time_in_the_spring_gap_is_due_just_after_it():
    # 02:30 does not exist in Paris on 29 March 2026: clocks go from 02:00 to 03:00.
    assert due_instant(datetime.date(2026, 3, 29), datetime.time(2, 30), PARIS) == utc(2026, 3, 29, 1, 30)
    assert due_instant(datetime.date(2026, 3, 29), datetime.time(8, 0), PARIS) == utc(2026, 3, 29, 6, 0)


def test_a_time_that_happens_twice_in_autumn_is_due_at_its_first_occurrence():
    assert due_instant(datetime.date(2026, 10, 25), datetime.time(2, 30), PARIS) == utc(2026, 10, 25, 0, 30)
    assert due_instant(datetime.date(2026, 10, 25), datetime.time(8, 0), PARIS) == utc(2026, 10, 25, 7, 0)


def test_doses_are_due_on_the_first_and_last_day_and_not_outside():
    course = medication(morning=True, start_date=datetime.date(2026, 2, 1), end_date=datetime.date(2026, 2, 7))

    def due_on(day):
        return bool(slots_of(course, day, DEFAULT_MOMENT_TIMES, PARIS))

    assert due_on(datetime.date(2026, 2, 1)) and due_on(datetime.date(2026, 2, 7))
    assert not due_on(datetime.date(2026, 1, 31)) and not due_on(datetime.date(2026, 2, 8))


def test_days_of_the_week_and_as_needed():
    mondays = medication(morning=True, weekdays=[0])
    as_needed = medication(as_needed=True, morning=True)

    assert slots_of(mondays, datetime.date(2026, 2, 2), DEFAULT_MOMENT_TIMES, PARIS)  # a Monday
    assert not slots_of(mondays, datetime.date(2026, 2, 3), DEFAULT_MOMENT_TIMES, PARIS)
    assert not slots_of(as_needed, datetime.date(2026, 2, 2), DEFAULT_MOMENT_TIMES, PARIS)
