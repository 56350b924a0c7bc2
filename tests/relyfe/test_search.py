"""Every search box ignores accents and case. These tests run on SQLite and, in CI, again on PostgreSQL."""

import datetime

import pytest
from django.urls import reverse

from access.models import Permission, Scope
from health_records.models import HealthRecord
from printing import selectors as printing_selectors
from relyfe.search import fold
from sharing import selectors as sharing_selectors
from sharing import services as sharing
from tests.factories import HealthRecordFactory, PatientFactory, ProfessionalFactory


@pytest.fixture
def penicillin(alice):
    return HealthRecordFactory(
        patient=alice,
        kind="allergy",
        title="Pénicilline",
        description="Urticaire",
        clinical_date=datetime.date(2025, 5, 22),
    )


@pytest.fixture
def helene(db):
    professional = ProfessionalFactory(first_name="Hélène", last_name="Lefèvre")
    profile = professional.professional_profile
    profile.specialty, profile.city = "Médecine générale", "Besançon"
    profile.listed = profile.specialty_public = profile.city_public = True
    profile.save()
    return professional


def test_folding_drops_accents_ligatures_and_case():
    assert fold("Pénicilline ŒDÈME Ærø Łódź Straße") == "penicilline oedeme aero lodz strasse"


@pytest.mark.parametrize("query", ["penicilline", "PENICILLINE", "pénicilline", "Pénicilline", "nicil"])
def test_the_timeline_search_ignores_accents_and_case(client, alice, penicillin, query):
    HealthRecordFactory(patient=alice, title="Radiographie du genou")
    client.force_login(alice)

    page = client.get(reverse("health_records:timeline", args=[alice.public_id]), {"q": query}).content.decode()

    assert "Pénicilline" in page
    assert "Radiographie du genou" not in page


def test_the_timeline_search_finds_every_word_anywhere_in_the_record(client, alice, penicillin):
    client.force_login(alice)

    found = client.get(reverse("health_records:timeline", args=[alice.public_id]), {"q": "urticaire penicilline"})
    missed = client.get(reverse("health_records:timeline", args=[alice.public_id]), {"q": "urticaire genou"})

    assert "Pénicilline" in found.content.decode()
    assert "Pénicilline" not in missed.content.decode()


def test_a_search_treats_percent_and_underscore_as_letters(alice, penicillin):
    assert not HealthRecord.objects.filter(title__folded="p%e").exists()
    assert not HealthRecord.objects.filter(title__folded="p_nicilline").exists()


def test_a_restored_timeline_url_shows_the_whole_filtered_page(client, alice, penicillin):
    """Back or reload on a URL htmx pushed: htmx asks again, and must get the page, not its middle part."""
    client.force_login(alice)

    response = client.get(
        reverse("health_records:timeline", args=[alice.public_id]),
        {"q": "penicilline"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    page = response.content.decode()
    assert "<html" in page and 'value="penicilline"' in page and "Pénicilline" in page


def test_the_directory_ignores_accents_and_case(client, alice, helene):
    client.force_login(alice)
    directory = reverse("accounts:directory")

    for query in ({"q": "helene"}, {"q": "LEFEVRE"}, {"q": "medecine generale"}, {"city": "besancon"}):
        assert "Lefèvre" in client.get(directory, query).content.decode(), query
    assert "Lefèvre" not in client.get(directory, {"q": "helena"}).content.decode()


@pytest.mark.parametrize("query", ["lefevre", "HELENE", "besancon", "helene besancon"])
def test_choosing_a_professional_to_share_with_finds_a_name_or_city_without_accents(helene, query):
    """The picker says "Name, city or RPPS number": every word is looked for in each of them."""
    assert list(sharing_selectors.professionals_matching(query=query)) == [helene]


def test_the_print_inbox_patient_search_ignores_accents_and_case(bob):
    zoe = PatientFactory(first_name="Zoé", last_name="Lefèvre")
    sharing.grant_give(actor=zoe, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)

    assert printing_selectors.patients_matching(user=bob, query="zoe LEFEVRE") == [zoe]


def test_mention_suggestions_ignore_accents_and_case(client, alice, helene, penicillin):
    sharing.grant_give(actor=alice, professional=helene, scope=Scope.ALL, permission=Permission.COMMENT)
    client.force_login(alice)

    response = client.get(reverse("comments:mention_suggestions", args=[penicillin.public_id]), {"q": "HELENE"})

    assert "Hélène Lefèvre" in response.content.decode()


@pytest.mark.postgres
def test_postgresql_folds_like_python(alice):
    """translate() in PostgreSQL and the function SQLite gets must fold exactly as `fold` does."""
    HealthRecordFactory(patient=alice, title="ŒDÈME de Quincke, Łódź")

    for query in ("oedeme", "ŒDÈME", "quincke", "lodz"):
        assert HealthRecord.objects.filter(title__folded=query).count() == 1, query


def test_the_admin_finds_a_patients_records_by_name_without_accents(client, staff, penicillin):
    penicillin.patient.last_name = "Lefèvre"
    penicillin.patient.save()
    client.force_login(staff)

    page = client.get(reverse("admin:health_records_healthrecord_changelist"), {"q": "LEFEVRE"}).content.decode()

    assert "Pénicilline" in page
