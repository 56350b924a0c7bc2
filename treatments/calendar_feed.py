"""The private iCalendar feed: the feed behind a token, and the calendar it shows.

The URL is the only key (calendar apps send no session), so what it shows is chosen for a stranger who
might hold it: the planned doses say "your medications" unless the patient opted in to names. The dose
times come from the schedule (`selectors.day_plan`), the renewals from `supply.renewal_due_on`: the feed,
the pages and the reminders agree.
"""

import datetime
import hashlib
import secrets
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from treatments import selectors
from treatments.models import CalendarFeed, Moment, TreatmentStatus
from treatments.supply import renewal_due_on

DAYS_BEFORE = 7
DAYS_AFTER = 30
DOSE_MINUTES = 15
PRODUCT_ID = "-//ReLyfe//Calendar feed//FR"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed in force behind `token`, or None. The lookup is by the token's SHA-256, an indexed equality:
    its timing depends on the hash, which tells nothing about a token one could guess."""
    return (
        CalendarFeed.objects.select_related("patient", "patient__reminder_settings")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, patient__is_active=True)
        .first()
    )


def calendar_feed_of(*, patient) -> CalendarFeed | None:
    """The patient's feed in force, for their settings page (which shows no token: it is never stored)."""
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()


def _uid(*parts) -> str:
    # Stable across reads (the calendar updates an event rather than adding a copy) and opaque: a calendar
    # service that syncs the feed learns no ReLyfe id.
    return hashlib.sha256("\0".join(str(part) for part in parts).encode()).hexdigest()[:32] + "@relyfe"


def _moment_label(moment: str) -> str:
    return str(Moment(moment).label).lower() if moment in Moment.values else moment


def _dose_event(patient, group, show_names: bool, now) -> icalendar.Event:
    zone = ZoneInfo(patient.time_zone)
    start = group["due_at"].astimezone(zone)
    event = icalendar.Event()
    event.add("uid", _uid(patient.public_id, "dose", start.date(), group["moment"]))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=DOSE_MINUTES))
    event.add("summary", _("Take your medications (%(moment)s)") % {"moment": _moment_label(group["moment"])})
    if show_names:
        event.add("description", "\n".join(item["medication"].name for item in group["items"]))
    event.add("transp", "TRANSPARENT")
    return event


def _day_event(uid: str, day: datetime.date, summary: str, now) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    return event


def _treatment_ends(patient, treatments, first, last, show_names, now):
    for treatment in treatments:
        if treatment.end_date is None or not first <= treatment.end_date <= last:
            continue
        if treatment.status in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
            continue
        summary = _("End of the treatment")
        if show_names:
            summary = _("End of the treatment: %(name)s") % {"name": treatment.title}
        yield _day_event(_uid(patient.public_id, "end", treatment.public_id), treatment.end_date, summary, now)


def _renewals(patient, treatments, first, last, show_names, now):
    for treatment in treatments:
        if treatment.status in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
            continue
        for medication in treatment.medications.all():
            due_on = renewal_due_on(medication) if medication.stopped_at is None else None
            if due_on is None or not first <= due_on <= last:
                continue
            summary = _("Prescription renewal due")
            if show_names:
                summary = _("Prescription renewal due: %(name)s") % {"name": medication.name}
            yield _day_event(_uid(patient.public_id, "renewal", medication.public_id, due_on), due_on, summary, now)


def calendar_of(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes:
    """The feed's calendar: the planned doses of the last `DAYS_BEFORE` days and the next `DAYS_AFTER`, in
    the patient's zone (with its VTIMEZONE), the ends of treatments and the renewals due, all in the
    patient's language."""
    patient = feed.patient
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(patient.time_zone)).date()
    first, last = today - datetime.timedelta(days=DAYS_BEFORE), today + datetime.timedelta(days=DAYS_AFTER)
    treatments = list(patient.treatments.prefetch_related("medications__dispensings"))
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    with translation.override(patient.language):
        calendar.add("x-wr-calname", _("My medications (ReLyfe)"))
        day = first
        while day <= last:
            for group in selectors.day_plan(patient=patient, day=day, treatments=treatments):
                calendar.add_component(_dose_event(patient, group, feed.show_drug_names, now))
            day += datetime.timedelta(days=1)
        for event in _treatment_ends(patient, treatments, first, last, feed.show_drug_names, now):
            calendar.add_component(event)
        for event in _renewals(patient, treatments, first, last, feed.show_drug_names, now):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
