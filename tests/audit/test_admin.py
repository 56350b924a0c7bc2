"""The access log in the administration: read-only, filtered by patient, actor, access path and date,
labelled in French, and read in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from tests.factories import PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audit_accessevent_changelist"


def event(*, actor, patient, access_path="grant", days_ago=0):
    return AccessEvent.objects.create(
        actor=actor,
        actor_label=actor.full_name,
        patient=patient,
        object_type="health_record",
        action="view",
        access_path=access_path,
        at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def shown(client, **filters) -> list[AccessEvent]:
    return list(client.get(reverse(CHANGELIST), filters).context["cl"].result_list)


@pytest.fixture
def log(alice, bob, dave):
    alice.phone = "+33612345678"
    alice.save()
    return {
        "bob_reads_alice": event(actor=bob, patient=alice),
        "bob_reads_dave_last_month": event(actor=bob, patient=dave, days_ago=40),
        "alice_reads_alice": event(actor=alice, patient=alice, access_path="owner"),
        "dave_reads_dave": event(actor=dave, patient=dave, access_path="owner", days_ago=3),
    }


@pytest.mark.parametrize(
    "written", ["alice@example.org", "ALICE@example.org", "06 12 34 56 78", "0033612345678", "public_id"]
)
def test_staff_filter_the_log_by_patient_by_email_phone_or_relyfe_id(client, staff, alice, log, written):
    client.force_login(staff)
    value = str(alice.public_id) if written == "public_id" else written

    assert shown(client, patient=value) == [log["alice_reads_alice"], log["bob_reads_alice"]]


def test_staff_filter_the_log_by_actor_and_by_access_path(client, staff, bob, log):
    client.force_login(staff)

    assert shown(client, actor="bob@example.org") == [log["bob_reads_alice"], log["bob_reads_dave_last_month"]]
    assert shown(client, access_path__exact="owner") == [log["alice_reads_alice"], log["dave_reads_dave"]]
    assert shown(client, actor="bob@example.org", patient="dave@example.org") == [log["bob_reads_dave_last_month"]]


def test_an_unknown_person_finds_nothing(client, staff, log):
    client.force_login(staff)

    assert shown(client, patient="nobody@example.org") == []
    assert shown(client, actor="not an identifier") == []


def test_staff_filter_the_log_by_date(client, english, staff, log):
    client.force_login(staff)
    changelist = client.get(reverse(CHANGELIST)).context["cl"]
    date_filter = next(spec for spec in changelist.filter_specs if spec.title == "date")
    past_week = next(choice for choice in date_filter.choices(changelist) if choice["display"] == "Past 7 days")

    in_past_week = client.get(reverse(CHANGELIST) + past_week["query_string"]).context["cl"].result_list
    last_month = timezone.localtime(log["bob_reads_dave_last_month"].at)
    by_day = shown(client, at__year=last_month.year, at__month=last_month.month, at__day=last_month.day)

    assert set(in_past_week) == {log["bob_reads_alice"], log["alice_reads_alice"], log["dave_reads_dave"]}
    assert by_day == [log["bob_reads_dave_last_month"]]


def test_the_person_filter_keeps_the_other_filters(client, staff, log):
    client.force_login(staff)

    page = client.get(reverse(CHANGELIST), {"access_path__exact": "owner", "patient": "alice@example.org"})

    html = page.content.decode()
    assert '<input type="hidden" name="access_path__exact" value="owner">' in html
    assert 'name="patient" value="alice@example.org"' in html


def test_the_log_is_labelled_in_french(client, staff, log):
    client.force_login(staff)

    html = client.get(reverse(CHANGELIST)).content.decode()

    for column in ["Date", "Patient", "Qui", "Opération", "Objet", "Voie d’accès", "Adresse IP"]:
        assert f">{column}</a>" in html or f">{column}</span>" in html, column
    for title in [
        "Par patient (e-mail, téléphone ou identifiant ReLyfe)",
        "Par auteur (e-mail, téléphone ou identifiant ReLyfe)",
        "Par voie d’accès",
        "Par date",
    ]:
        assert title in html, title
    assert "4 événements d’accès" in html
    assert "accès accordé par le patient" in html and "consulté" in html


def test_the_log_is_read_in_a_fixed_number_of_queries(client, staff, django_assert_max_num_queries):
    for _number in range(30):
        event(actor=ProfessionalFactory(), patient=PatientFactory())
    client.force_login(staff)
    client.get(reverse(CHANGELIST))

    # 11 with the session's row, which says whether it was signed out from another browser (accounts.middleware).
    with django_assert_max_num_queries(11):
        response = client.get(reverse(CHANGELIST), {"patient": "nobody@example.org", "access_path__exact": "grant"})
    with django_assert_max_num_queries(11):
        response = client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == 30


def test_the_log_stays_read_only_in_the_administration(client, staff, log):
    client.force_login(staff)
    event_pk = log["bob_reads_alice"].pk

    assert client.get(reverse("admin:audit_accessevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_accessevent_delete", args=[event_pk]), {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=event_pk).exists()
