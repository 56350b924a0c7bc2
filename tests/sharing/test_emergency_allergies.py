"""The emergency page shows the structured allergies the patient chose, with their reaction and severity, in
its "allergies" section; the free text stays, as other allergies."""

import pytest
from django.urls import reverse

from sharing import services as sharing
from treatments import allergy_services
from treatments.models import Allergy, DrugClass

pytestmark = pytest.mark.django_db


def emergency_page(client, profile) -> str:
    return client.get(reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])).content.decode()


def profile_of(alice, sections):
    profile = sharing.emergency_profile_ensure(patient=alice)
    return sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "allergies": "Pollens de graminées"},
        visible_sections=sections,
    )


@pytest.fixture
def allergies(alice):
    shown = allergy_services.allergy_add(
        actor=alice,
        patient=alice,
        label="Pénicilline",
        drug_class=DrugClass.PENICILLINS,
        reaction="Éruption cutanée",
        severity=Allergy.Severity.MODERATE,
    )
    kept_private = allergy_services.allergy_add(
        actor=alice, patient=alice, label="Codéine", substance="codéine", on_emergency_profile=False
    )
    return shown, kept_private


def test_the_emergency_page_shows_the_allergies_the_patient_chose_in_french(client, alice, allergies):
    page = emergency_page(client, profile_of(alice, ["allergies"]))

    assert "Pénicilline" in page and "Éruption cutanée" in page and "modérée" in page
    assert "Codéine" not in page
    assert "Autres allergies" in page and "Pollens de graminées" in page


def test_without_the_allergies_section_none_is_shown(client, alice, allergies):
    page = emergency_page(client, profile_of(alice, ["blood_group"]))

    assert "Pénicilline" not in page and "Pollens" not in page


def test_a_removed_allergy_leaves_the_page(client, alice, allergies):
    allergy_services.allergy_remove(actor=alice, allergy=allergies[0])

    page = emergency_page(client, profile_of(alice, ["allergies"]))

    assert "Pénicilline" not in page


def test_the_profile_editor_links_to_my_allergies(client, alice, allergies):
    profile_of(alice, ["allergies"])
    client.force_login(alice)

    page = client.get(reverse("sharing:emergency")).content.decode()

    assert reverse("treatments:allergies", args=[alice.public_id]) in page and "Mes allergies" in page
