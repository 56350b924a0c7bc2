"""When doses are due: pure functions of a medication, the patient's moments and time zone, and a date.

All arithmetic happens on aware datetimes: a moment is a wall-clock time in the patient's zone, turned
into an instant for a given day. On daylight-saving days a wall-clock time that does not exist (02:30 in
March in Paris) falls after the gap, and one that exists twice (02:30 in October) counts once, at its
first occurrence, because a reminder is keyed by (day, moment), never by instant.
"""

import datetime
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from treatments.models import DEFAULT_MOMENT_TIMES, Medication, Moment

UTC = datetime.UTC


@dataclass(frozen=True)
class Slot:
    """A moment of a day when a dose is due: `moment` is a moment of the day or an "HH:MM" time."""

    local_date: datetime.date
    moment: str
    due_at: datetime.datetime  # UTC

    @property
    def sort_key(self):
        return (self.due_at, self.moment)


@functools.lru_cache(maxsize=4096)
def due_instant(day: datetime.date, at: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The UTC instant of a wall-clock time on a day in a zone."""
    local = datetime.datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    # A time inside a spring-forward gap does not exist: round-tripping through UTC moves it after the gap.
    return local.astimezone(UTC).astimezone(zone).astimezone(UTC)


def moment_times(reminder_settings) -> dict[str, datetime.time]:
    if reminder_settings is None:
        return dict(DEFAULT_MOMENT_TIMES)
    return {moment: reminder_settings.time_of(moment) for moment in Moment.values}


def parse_clock_time(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


def slots_of(medication: Medication, day: datetime.date, times: dict[str, datetime.time], zone: ZoneInfo) -> list[Slot]:
    """The doses of `medication` due on `day`: none when it is as needed or not taken that day."""
    if medication.as_needed or not medication.is_taken_on(day):
        return []
    slots = [Slot(day, moment, due_instant(day, times[moment], zone)) for moment in medication.moments]
    slots += [Slot(day, clock, due_instant(day, parse_clock_time(clock), zone)) for clock in medication.times]
    return sorted(slots, key=lambda slot: slot.sort_key)


def local_days_between(start: datetime.datetime, end: datetime.datetime, zone: ZoneInfo) -> list[datetime.date]:
    """The local dates that the instants from `start` to `end` touch in `zone` (a day more on each side, so
    that a moment moved by a change of zone or of daylight-saving time is not missed)."""
    first = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(zone).date() + datetime.timedelta(days=1)
    return [first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1)]
