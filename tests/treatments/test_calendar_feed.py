import datetime
import hashlib
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from access.models import AccessPath, Caregiver
from audit.models import AccessEvent, ObjectType
from audit.models import Action as AuditAction
from tests.factories import MedicationFactory, PatientFactory, TreatmentFactory, api_token_for
from treatments import calendar_services
from treatments.models import CalendarFeed, Dispensing

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=PARIS)


def feed_url(token: str) -> str:
    return reverse("treatments:calendar_feed", args=[token])


def read_calendar(client, token: str) -> icalendar.Calendar:
    response = client.get(feed_url(token))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def doses(calendar):
    return [event for event in events(calendar) if isinstance(event.decoded("dtstart"), datetime.datetime)]


def all_day(calendar):
    return [event for event in events(calendar) if not isinstance(event.decoded("dtstart"), datetime.datetime)]


def a_feed(patient, *, show_drug_names=False) -> str:
    return calendar_services.calendar_feed_create(actor=patient, patient=patient, show_drug_names=show_drug_names).token


@pytest.fixture
def alice_takes_doliprane(alice):
    treatment = TreatmentFactory(
        patient=alice, title="Angine", start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2026, 3, 20)
    )
    return MedicationFactory(treatment=treatment, name="DOLIPRANE 1000 mg", morning=True, evening=True)


@time_machine.travel(NOW, tick=False)
def test_the_feed_shows_each_planned_dose_at_the_patients_wall_clock_time_without_names(client, alice_takes_doliprane):
    token = a_feed(alice_takes_doliprane.treatment.patient)

    calendar = read_calendar(client, token)

    planned = doses(calendar)
    # From 3 March (7 days back) to the treatment's end on 20 March: 18 days, morning and evening.
    assert len(planned) == 18 * 2
    starts = sorted(event.decoded("dtstart") for event in planned)
    assert starts[0].astimezone(PARIS) == datetime.datetime(2026, 3, 3, 8, 0, tzinfo=PARIS)
    assert starts[-1].astimezone(PARIS) == datetime.datetime(2026, 3, 20, 19, 0, tzinfo=PARIS)
    assert {start.astimezone(PARIS).time() for start in starts} == {datetime.time(8, 0), datetime.time(19, 0)}
    assert str(planned[0]["dtstart"].params["TZID"]) == "Europe/Paris"
    assert {tz["tzid"] for tz in calendar.walk("VTIMEZONE")} == {"Europe/Paris"}
    summaries = {str(event["summary"]) for event in planned}
    assert summaries == {"Prendre vos médicaments (matin)", "Prendre vos médicaments (soir)"}
    assert b"DOLIPRANE" not in calendar.to_ical() and b"Angine" not in calendar.to_ical()
    assert [(event.decoded("dtstart"), str(event["summary"])) for event in all_day(calendar)] == [
        (datetime.date(2026, 3, 20), "Fin du traitement")
    ]


def test_times_follow_the_patients_own_zone_across_its_daylight_saving_change(client):
    patient = PatientFactory(time_zone="America/New_York", language="en")
    treatment = TreatmentFactory(patient=patient, start_date=datetime.date(2026, 3, 1))
    MedicationFactory(treatment=treatment, morning=True)
    token = a_feed(patient)

    # New York moves its clocks on 8 March 2026: 08:00 is 13:00 UTC before, 12:00 UTC after.
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=NEW_YORK), tick=False):
        calendar = read_calendar(client, token)

    by_day = {
        event.decoded("dtstart").astimezone(NEW_YORK).date(): event.decoded("dtstart") for event in doses(calendar)
    }
    assert by_day[datetime.date(2026, 3, 7)].astimezone(datetime.UTC).hour == 13
    assert by_day[datetime.date(2026, 3, 9)].astimezone(datetime.UTC).hour == 12
    assert {start.astimezone(NEW_YORK).time() for start in by_day.values()} == {datetime.time(8, 0)}
    assert str(doses(calendar)[0]["summary"]) == "Take your medications (morning)"


@time_machine.travel(NOW, tick=False)
def test_an_event_keeps_its_uid_from_one_read_to_the_next_so_calendars_update_it(client, alice_takes_doliprane):
    token = a_feed(alice_takes_doliprane.treatment.patient)

    first = {str(event["uid"]) for event in events(read_calendar(client, token))}
    second = {str(event["uid"]) for event in events(read_calendar(client, token))}

    assert first == second and len(first) == len(events(read_calendar(client, token)))
    assert not any(str(alice_takes_doliprane.treatment.patient.public_id) in uid for uid in first)


@time_machine.travel(NOW, tick=False)
def test_names_appear_only_when_the_patient_opts_in(client, alice, alice_takes_doliprane):
    token = a_feed(alice)

    calendar_services.calendar_feed_set_names(actor=alice, patient=alice, show_drug_names=True)
    calendar = read_calendar(client, token)

    assert {str(event["description"]) for event in doses(calendar)} == {"DOLIPRANE 1000 mg"}
    assert [str(event["summary"]) for event in all_day(calendar)] == ["Fin du traitement : Angine"]


@time_machine.travel(NOW, tick=False)
def test_a_renewal_due_is_an_all_day_event(client, alice):
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 20))
    medication = MedicationFactory(treatment=treatment, name="KARDEGIC 75 mg", renewals=2, supply_days=28)
    Dispensing.objects.create(medication=medication, dispensed_on=datetime.date(2026, 2, 20), recorded_by=alice)
    token = a_feed(alice, show_drug_names=True)

    calendar = read_calendar(client, token)

    assert [(event.decoded("dtstart"), str(event["summary"])) for event in all_day(calendar)] == [
        (datetime.date(2026, 3, 20), "Renouvellement d’ordonnance : KARDEGIC 75 mg")
    ]


def test_the_feed_is_private_to_the_device_and_not_indexed(client, alice):
    response = client.get(feed_url(a_feed(alice)))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private")
    assert "noindex" in response["X-Robots-Tag"]


def test_only_the_hash_of_the_token_is_stored(alice):
    token = a_feed(alice)

    feed = CalendarFeed.objects.get()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not CalendarFeed.objects.filter(token_hash=token).exists()


def test_a_revoked_or_replaced_address_is_not_found(client, alice):
    first = a_feed(alice)
    second = a_feed(alice)

    assert client.get(feed_url(first)).status_code == 404
    assert client.get(feed_url(second)).status_code == 200
    calendar_services.calendar_feed_revoke(actor=alice, patient=alice)
    assert client.get(feed_url(second)).status_code == 404
    assert client.get(feed_url("made-up")).status_code == 404
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_guessing_addresses_is_refused_past_the_limit(client, alice, settings):
    settings.TOKEN_GUESSES_PER_ADDRESS = 2
    token = a_feed(alice)

    answers = [client.get(feed_url(f"guess-{number}")).status_code for number in range(3)]

    assert answers == [404, 404, 429]
    assert client.get(feed_url(token)).status_code == 200


def test_making_changing_and_revoking_are_in_the_access_log_and_reads_once_an_hour(client, alice):
    token = a_feed(alice)
    calendar_services.calendar_feed_set_names(actor=alice, patient=alice, show_drug_names=True)
    calendar_services.calendar_feed_revoke(actor=alice, patient=alice)
    token = a_feed(alice)
    start = timezone.now()
    for minutes in (0, 20, 50, 65):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            client.get(feed_url(token))

    logged = AccessEvent.objects.filter(object_type=ObjectType.CALENDAR_FEED).order_by("pk")
    assert [event.action for event in logged] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.REVOKE,
        AuditAction.CREATE,
        AuditAction.VIEW,
        AuditAction.VIEW,
    ]
    reads = logged.filter(action=AuditAction.VIEW)
    assert {(event.access_path, event.actor_id) for event in reads} == {(AccessPath.LINK, None)}
    assert CalendarFeed.objects.get(revoked_at__isnull=True).last_read_at == start + datetime.timedelta(minutes=65)


def test_a_stranger_or_a_professional_cannot_manage_anothers_feed(alice, dave, bob_sees_alice, bob):
    for actor in (dave, bob):
        with pytest.raises(PermissionDenied):
            calendar_services.calendar_feed_create(actor=actor, patient=alice)
        with pytest.raises(PermissionDenied):
            calendar_services.calendar_feed_revoke(actor=actor, patient=alice)
    assert not CalendarFeed.objects.exists()


def test_a_guardian_manages_the_feed_of_the_patient_they_look_after(client, alice):
    parent = PatientFactory()
    Caregiver.objects.create(
        patient=alice, caregiver=parent, guardian=True, accepted_at=timezone.now(), created_by=alice
    )

    response = client.post(
        reverse("api:calendar-feed"),
        {"patient": str(alice.public_id)},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {api_token_for(parent)}",
    )

    assert response.status_code == 201
    assert CalendarFeed.objects.get().patient == alice
    assert client.get(response.json()["url"]).status_code == 200


def test_through_the_api_the_url_is_given_once_and_delete_ends_it(client, alice, dave):
    headers = {"HTTP_AUTHORIZATION": f"Token {api_token_for(alice)}"}

    made = client.post(
        reverse("api:calendar-feed"), {"show_drug_names": True}, content_type="application/json", **headers
    )
    url = made.json()["url"]
    refused = client.post(
        reverse("api:calendar-feed"),
        {"patient": str(alice.public_id)},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {api_token_for(dave)}",
    )

    assert made.status_code == 201 and made.json()["show_drug_names"] is True
    assert made.json()["webcal_url"].startswith("webcal://")
    assert refused.status_code == 404
    assert client.get(url).status_code == 200
    assert client.delete(reverse("api:calendar-feed"), **headers).status_code == 204
    assert client.get(url).status_code == 404


def test_the_settings_page_shows_the_address_once_then_only_that_it_exists(client, alice):
    client.force_login(alice)

    made = client.post(reverse("treatments:calendar_feed_create"), {"show_drug_names": "on"})
    token_url = made.context["calendar_urls"]["url"]
    later = client.get(reverse("treatments:settings"))

    assert made.status_code == 200 and token_url.split("/")[-1].removesuffix(".ics") not in later.content.decode()
    assert "webcal://" in made.content.decode()
    assert CalendarFeed.objects.get().show_drug_names is True
    assert "Toute personne qui a cette adresse voit votre planning" in later.content.decode()
    client.post(reverse("treatments:calendar_feed_names"), {})
    assert CalendarFeed.objects.get().show_drug_names is False
    client.post(reverse("treatments:calendar_feed_revoke"))
    assert client.get(token_url).status_code == 404
