"""How each access reads to the patient, in French and in English."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from access.models import AccessPath
from audit import services as audit
from audit.models import EMERGENCY_PAGE_VISITOR, Action, ObjectType


def access_log(client, patient, language: str) -> str:
    client.force_login(patient)
    return client.get(reverse("audit:access_log"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def log(patient, *, actor=None, object_type="health_record", action=Action.VIEW, path=AccessPath.GRANT, label=""):
    audit.record(
        actor=actor,
        patient=patient,
        object_type=object_type,
        object_id=None,
        action=action,
        access=path,
        label=label,
    )


@pytest.mark.parametrize(
    ("object_type", "action", "french", "english"),
    [
        ("timeline", Action.LIST, "a parcouru la liste de vos dossiers", "listed your records"),
        ("health_record", Action.VIEW, "a consulté un dossier", "viewed a record"),
        ("grant", Action.REVOKE, "a retiré un accès", "revoked an access"),
        ("treatments", Action.LIST, "a parcouru vos traitements", "listed your treatments"),
        ("intake", Action.UPDATE, "a modifié une prise", "changed a dose"),
        ("treatment", Action.UPDATE, "a modifié un traitement", "changed a treatment"),
        ("medication", Action.CREATE, "a créé un médicament", "created a medication"),
        (
            "care_team_proposal",
            Action.CREATE,
            "a créé une proposition pour votre équipe soignante",
            "created a proposal for your care team",
        ),
        (
            "grant",
            Action.BREAK_GLASS,
            "a ouvert votre dossier en urgence (bris de glace)",
            "opened your file in an emergency (break-glass)",
        ),
        ("face_search", Action.IDENTIFY, "vous a identifié à partir d’une photo", "identified you from a photo"),
    ],
)
def test_each_access_reads_as_one_sentence(client, alice, bob, object_type, action, french, english):
    log(alice, actor=bob, object_type=object_type, action=action)

    assert french in access_log(client, alice, "fr")
    assert english in access_log(client, alice, "en")


def test_an_emergency_page_visitor_is_named_in_the_readers_language(client, alice):
    log(alice, object_type="emergency_profile", path=AccessPath.EMERGENCY, label=EMERGENCY_PAGE_VISITOR)

    assert "Visiteur de la page d’urgence" in access_log(client, alice, "fr")
    assert "Emergency page visitor" in access_log(client, alice, "en")


def test_the_origin_column_is_not_a_start_date(client, alice, bob):
    log(alice, actor=bob)

    page = access_log(client, alice, "fr")

    assert '<th scope="col">Provenance</th>' in page


def test_a_link_holder_logged_with_english_words_reads_in_the_readers_language(client, alice):
    log(alice, path=AccessPath.LINK, label="Dr Durand (radiologue) — share link")

    page = access_log(client, alice, "fr")

    assert "Dr Durand (radiologue)" in page and "lien de partage" in page
    assert "share link" not in page


@pytest.mark.parametrize("object_type", [choice for choice in ObjectType if choice != ObjectType.PROFESSIONAL_COMMENT])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_object_type_reads_as_words_in_the_readers_language(client, alice, bob, object_type, language):
    log(alice, actor=bob, object_type=object_type, action=Action.VIEW)
    with translation.override(language):
        sentence = f"{Action.VIEW.label} {object_type.label}"

    assert sentence in access_log(client, alice, language)


def test_the_database_refuses_an_unknown_object_type(alice, bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        log(alice, actor=bob, object_type="something_new")
