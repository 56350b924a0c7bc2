"""How each access reads to the patient, in French and in English."""

import pytest
from django.urls import reverse

from access.models import AccessPath
from audit import services as audit
from audit.models import EMERGENCY_PAGE_VISITOR, Action


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
        access_path=path,
        actor_label=label,
    )


@pytest.mark.parametrize(
    ("object_type", "action", "french", "english"),
    [
        ("timeline", Action.LIST, "a parcouru la liste de vos dossiers", "listed your records"),
        ("health_record", Action.VIEW, "a consulté un dossier", "viewed a record"),
        ("grant", Action.REVOKE, "a retiré un accès", "revoked an access"),
        ("treatments", Action.LIST, "a parcouru vos traitements", "listed your treatments"),
        ("intake", Action.UPDATE, "a modifié une prise", "changed a dose"),
        ("something_new", Action.VIEW, "a consulté vos données", "viewed your data"),
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
