"""Pages read as natural French: real plurals, words in their context, record kinds in words."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from access.models import Permission, Scope
from health_records.services import health_record_create, health_record_update
from notifications.models import Notification
from sharing import services as sharing
from tests.factories import HealthRecordFactory, MedicationFactory, TreatmentFactory
from treatments.units import unit_for_dose


def french_page(client, user, url) -> str:
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_the_care_team_names_the_chosen_kinds_and_what_the_professional_may_do(client, alice, bob):
    sharing.grant_give(
        actor=alice, professional=bob, scope=Scope.KINDS, kinds=["imaging", "photo"], permission=Permission.READ
    )

    page = french_page(client, alice, reverse("sharing:care_team"))

    assert "(Imagerie, Photo)" in page
    assert "<dt>Peut</dt><dd>Lecture</dd>" in page


@pytest.mark.parametrize(
    ("dose", "unit", "written"),
    [
        (1, "comprimé", "comprimé"),
        (1.5, "comprimé", "comprimé"),
        (2, "comprimé", "comprimés"),
        (3, "cuillère à café", "cuillères à café"),
        (20, "gouttes", "gouttes"),
        (500, "mg", "mg"),
    ],
)
def test_a_counted_unit_takes_the_french_plural_from_two(dose, unit, written):
    assert unit_for_dose(unit, dose) == written


def test_a_treatment_page_reads_two_tablets_in_the_plural(client, alice):
    treatment = TreatmentFactory(patient=alice)
    MedicationFactory(treatment=treatment, dose=2)

    page = french_page(client, alice, reverse("treatments:detail", args=[treatment.public_id]))

    assert "2 comprimés" in page


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (1, "1 médicament trouvé. Vérifiez-le avant qu’il ne devienne un traitement."),
        (3, "3 médicaments trouvés. Vérifiez-les avant qu’ils ne deviennent un traitement."),
    ],
)
def test_the_reading_panel_speaks_of_one_medication_in_the_singular(count, sentence):
    reading = SimpleNamespace(
        public_id="0", is_working=False, status="ready", result={"medications": [{}] * count}, record_file=None
    )

    with translation.override("fr"):
        html = render_to_string("treatments/_reading_panel.html", {"reading": reading, "can_review": False})

    assert sentence in html


def test_quiet_hours_read_as_times_of_day(client, alice):
    page = french_page(client, alice, reverse("notifications:preferences"))

    assert 'for="id_quiet_start">De <span' in page and 'for="id_quiet_end">À <span' in page


def test_a_records_history_names_fields_and_values_in_french(client, alice):
    record = HealthRecordFactory(patient=alice, kind="lab_result", clinical_date=datetime.date(2025, 5, 22))
    health_record_update(
        actor=alice, record=record, fields={"kind": "imaging", "clinical_date": datetime.date(2025, 6, 1)}
    )

    page = french_page(client, alice, reverse("health_records:detail", args=[record.public_id]))

    assert "<del>Résultat d’analyse</del> → <ins>Imagerie</ins>" in page
    assert "<del>22 mai 2025</del> → <ins>1 juin 2025</ins>" in page
    # Codes may sit in the markup for scripts (the photo check's kinds of paper), never in what is read.
    text = re.sub(r"<[^>]*>", " ", page)
    assert "clinical_date" not in text and "lab_result" not in text


def test_a_notification_speaks_the_recipients_language_not_the_actors(alice, bob):
    bob.language = "en"
    bob.save()

    with translation.override("fr"):  # alice browses in French
        sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    with translation.override("en"):  # bob browses in English
        health_record_create(
            actor=bob, patient=alice, kind="lab_result", title="NFS", clinical_date=datetime.date.today()
        )

    assert Notification.objects.get(recipient=bob).message == f"{alice.full_name} gave you access to their file."
    assert Notification.objects.get(recipient=alice).message == f"{bob.full_name} a ajouté un document à votre dossier."
