import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from faces.models import FaceConsent, FaceSearch, FaceSearchCandidate, FaceTemplate
from faces.tasks import erase_face_templates
from relyfe.undo import UNDO_WINDOW

pytestmark = pytest.mark.django_db

# Bytes no page could show by accident: the embedding must never reach the HTML, in any form.
EMBEDDING = bytes(range(256)) * 2


@pytest.fixture(autouse=True)
def english_and_local_backend(settings):
    settings.LANGUAGE_CODE = "en"
    settings.FACES_BACKEND = "local"


@pytest.fixture
def enrolled(alice, bob):
    """Alice's consent, recorded by bob, and one face enrolled under it."""
    consent = FaceConsent.objects.create(patient=alice, method="recorded", recorded_by=bob)
    template = FaceTemplate.objects.create(
        patient=alice, consent=consent, backend="local", face_id="x", embedding=EMBEDDING, enrolled_by=bob
    )
    return consent, template


@pytest.fixture
def search(alice, bob):
    search = FaceSearch.objects.create(searcher=bob, backend="local", threshold=99.0, outcome="match")
    FaceSearchCandidate.objects.create(search=search, patient=alice, similarity=99.6, rank=1)
    return search


def embedding_forms():
    return [EMBEDDING.hex(), repr(EMBEDDING)[2:40], str(list(EMBEDDING[:16]))[1:-1]]


def test_staff_see_the_three_lists_and_never_an_embedding(client, staff, enrolled, search):
    consent, template = enrolled
    client.force_login(staff)
    pages = [
        client.get(reverse("admin:faces_facetemplate_changelist")),
        client.get(reverse("admin:faces_facetemplate_change", args=[template.pk])),
        client.get(reverse("admin:faces_faceconsent_changelist")),
        client.get(reverse("admin:faces_faceconsent_change", args=[consent.pk])),
        client.get(reverse("admin:faces_facesearch_changelist")),
        client.get(reverse("admin:faces_facesearch_change", args=[search.pk])),
    ]

    assert [page.status_code for page in pages] == [200] * 6
    for page in pages:
        html = page.content.decode()
        assert "embedding" not in html.lower()
        assert not any(form in html for form in embedding_forms())
    assert str(template.patient) in pages[0].content.decode()
    assert "99.6" in pages[5].content.decode()


def test_the_search_list_counts_the_patients_found(client, staff, search):
    client.force_login(staff)

    response = client.get(reverse("admin:faces_facesearch_changelist"))

    assert [row.candidate_count for row in response.context["cl"].result_list] == [1]


def test_staff_reading_face_data_is_in_the_patients_access_log(client, staff, alice, enrolled, search):
    consent, _template = enrolled
    client.force_login(staff)

    client.get(reverse("admin:faces_facetemplate_changelist"))
    client.get(reverse("admin:faces_faceconsent_change", args=[consent.pk]))
    client.get(reverse("admin:faces_facesearch_change", args=[search.pk]))

    events = AccessEvent.objects.filter(actor=staff, patient=alice, access_path="staff")
    assert sorted(events.values_list("object_type", "action")) == [
        ("face_consent", "view"),
        ("face_search", "view"),
        ("face_template", "list"),
    ]


def test_staff_cannot_add_change_or_delete_face_data_directly(client, staff, enrolled, search):
    consent, template = enrolled
    client.force_login(staff)

    assert client.get(reverse("admin:faces_facetemplate_add")).status_code == 403
    assert client.get(reverse("admin:faces_faceconsent_add")).status_code == 403
    assert client.get(reverse("admin:faces_facesearch_add")).status_code == 403
    assert client.post(reverse("admin:faces_facetemplate_delete", args=[template.pk])).status_code == 403
    assert client.post(reverse("admin:faces_faceconsent_delete", args=[consent.pk])).status_code == 403
    assert client.post(reverse("admin:faces_facesearch_delete", args=[search.pk])).status_code == 403
    client.post(reverse("admin:faces_faceconsent_change", args=[consent.pk]), {"text_version": "changed"})
    consent.refresh_from_db()
    assert consent.text_version != "changed"
    assert FaceTemplate.objects.filter(pk=template.pk).exists()


def test_the_erase_action_removes_the_faces_and_withdraws_the_consent(client, staff, alice, dave, enrolled):
    consent, _template = enrolled
    withdrawn = FaceConsent.objects.create(patient=dave, method="self", recorded_by=dave)
    FaceConsent.objects.filter(pk=withdrawn.pk).update(withdrawn_at=consent.given_at, withdrawn_by=dave)
    client.force_login(staff)

    response = client.post(
        reverse("admin:faces_faceconsent_changelist"),
        {"action": "erase_face_data", "_selected_action": [consent.pk, withdrawn.pk]},
        follow=True,
    )

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == staff
    FaceConsent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now() - UNDO_WINDOW * 2)
    erase_face_templates(consent.pk)  # the task queued by the withdrawal, once the undo window is over
    assert not FaceTemplate.objects.filter(patient=alice).exists()
    messages = [str(message) for message in response.context["messages"]]
    assert "Face data of 1 patient erased; their consent is marked withdrawn." in messages
    assert AccessEvent.objects.filter(
        actor=staff, patient=alice, object_type="face_template", action="revoke", access_path="staff"
    ).exists()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_patients_and_professionals_have_no_access_to_the_face_admin(client, who, request):
    client.force_login(request.getfixturevalue(who))

    for name in ["facetemplate", "faceconsent", "facesearch"]:
        response = client.get(reverse(f"admin:faces_{name}_changelist"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
