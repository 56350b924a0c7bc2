"""A parent or guardian creates a dependant's file, keeps it through the patient pages, and hands it over."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.models import AccessPath, Caregiver
from accounts import dependant_services
from accounts.models import DependantRelation, User
from audit.models import AccessEvent
from health_records.models import HealthRecord
from notifications.models import Event, Notification
from tests.factories import HealthRecordFactory, PatientFactory, ProfessionalFactory
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"  # pragma: allowlist secret


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def paula(db):
    """A mother, a patient member."""
    return PatientFactory(email="paula@example.org", first_name="Paula", language="en", time_zone="America/Cayenne")


@pytest.fixture
def leo(paula):
    """Paula's son's file."""
    return dependant_services.dependant_create(
        actor=paula,
        first_name="Léo",
        last_name="Durand",
        birth_date=datetime.date(2019, 5, 4),
        relation=DependantRelation.CHILD,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_parent_creates_a_dependant_file_and_becomes_its_guardian(paula):
    client = signed_in(paula)

    response = client.post(
        reverse("accounts:dependant_new"),
        {"first_name": "Léo", "last_name": "Durand", "birth_date": "2019-05-04", "relation": "child"},
    )

    leo = User.objects.get(first_name="Léo")
    assert response.url == reverse("health_records:timeline", args=[leo.public_id])
    assert leo.is_patient and leo.claim_pending and not leo.has_usable_password()
    assert (leo.email, leo.phone) == (None, None)
    assert (leo.time_zone, leo.language) == ("America/Cayenne", "en")
    assert leo.patient_profile.birth_date == datetime.date(2019, 5, 4)
    assert leo.patient_profile.dependant_relation == DependantRelation.CHILD
    guardian = Caregiver.objects.get(patient=leo)
    assert (guardian.caregiver, guardian.guardian, guardian.created_by) == (paula, True, paula)
    assert guardian.accepted_at is not None
    event = AccessEvent.objects.get(patient=leo, object_type="caregiver")
    assert (event.actor, event.action, event.access_path) == (paula, "create", AccessPath.GUARDIAN)


def test_a_birth_date_in_the_future_is_refused(paula):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = signed_in(paula).post(
        reverse("accounts:dependant_new"),
        {"first_name": "Léo", "last_name": "Durand", "birth_date": tomorrow.isoformat(), "relation": "child"},
    )

    assert response.status_code == 200
    assert "The birth date cannot be in the future." in response.content.decode()
    assert not User.objects.filter(first_name="Léo").exists()


def test_staff_keep_no_dependants(staff):
    assert signed_in(staff).get(reverse("accounts:dependants")).status_code == 404
    assert signed_in(staff).get(reverse("accounts:dependant_new")).status_code == 404


def test_the_family_page_lists_the_dependants_with_links_to_their_file(paula, leo, dave):
    dependant_services.dependant_create(
        actor=dave, first_name="Zoé", last_name="Roux", birth_date=datetime.date(2015, 1, 1), relation="child"
    )

    page = signed_in(paula).get(reverse("accounts:dependants")).content.decode()

    assert "Léo Durand" in page and "Zoé" not in page
    assert reverse("health_records:timeline", args=[leo.public_id]) in page
    assert reverse("treatments:patient", args=[leo.public_id]) in page
    assert reverse("accounts:dependant_claim_code", args=[leo.public_id]) in page


def test_the_navigation_shows_files_i_manage_to_guardians_only(paula, dave):
    assert "Files I manage" not in signed_in(paula).get(reverse("accounts:profile")).content.decode()

    dependant_services.dependant_create(
        actor=paula, first_name="Léo", last_name="Durand", birth_date=datetime.date(2019, 5, 4), relation="child"
    )

    assert "Files I manage" in signed_in(paula).get(reverse("accounts:profile")).content.decode()
    assert "Files I manage" not in signed_in(dave).get(reverse("accounts:profile")).content.decode()


def test_the_guardian_opens_the_dependants_pages_and_adds_a_record_and_a_treatment(paula, leo):
    client = signed_in(paula)

    timeline = client.get(reverse("health_records:timeline", args=[leo.public_id]))
    treatments = client.get(reverse("treatments:patient", args=[leo.public_id]))
    photos = client.get(reverse("health_records:gallery", args=[leo.public_id]))
    client.post(
        reverse("health_records:create", args=[leo.public_id]),
        {"kind": "vaccination", "title": "ROR", "clinical_date": "2020-05-04", "tags": ""},
    )
    client.post(
        reverse("treatments:create", args=[leo.public_id]),
        {"title": "Otite", "start_date": timezone.localdate().isoformat(), "duration_days": 5},
    )

    assert "Records of Léo Durand" in timeline.content.decode()
    assert "Treatments of Léo Durand" in treatments.content.decode()
    assert photos.status_code == 200
    record = HealthRecord.objects.get(patient=leo)
    assert (record.title, record.author) == ("ROR", paula)
    assert Treatment.objects.get(patient=leo).title == "Otite"
    paths = set(AccessEvent.objects.filter(patient=leo, actor=paula).values_list("access_path", flat=True))
    assert paths == {AccessPath.GUARDIAN}
    assert AccessEvent.objects.filter(patient=leo, actor=paula, action="create", object_id=record.public_id).exists()


def test_the_guardian_archives_and_restores_a_record_of_the_dependant(paula, leo):
    record = HealthRecordFactory(patient=leo, author=paula, title="Ancien bilan")
    client = signed_in(paula)

    client.post(reverse("health_records:archive", args=[record.public_id]))
    archived = client.get(reverse("health_records:timeline", args=[leo.public_id]), {"archived": "on"})
    client.post(reverse("health_records:restore", args=[record.public_id]))

    assert "Ancien bilan" in archived.content.decode()
    record.refresh_from_db()
    assert not record.is_archived


def test_another_patient_gets_a_404_on_the_dependants_pages(paula, leo, dave):
    client = signed_in(dave)

    assert client.get(reverse("health_records:timeline", args=[leo.public_id])).status_code == 404
    assert client.get(reverse("treatments:patient", args=[leo.public_id])).status_code == 404
    assert client.post(reverse("accounts:dependant_claim_code", args=[leo.public_id])).status_code == 404
    assert "Léo" not in client.get(reverse("accounts:dependants")).content.decode()


def hand_over(paula, leo) -> str:
    page = signed_in(paula).post(reverse("accounts:dependant_claim_code", args=[leo.public_id])).content.decode()
    return page.split('class="claim-sheet__code">')[1].split("<")[0]


def test_the_dependant_takes_the_file_over_and_the_guardians_access_ends(paula, leo):
    code = hand_over(paula, leo)
    grown_up = Client()

    response = grown_up.post(
        reverse("accounts:claim"),
        {"code": code, "email": "leo@example.org", "phone": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.url == reverse("accounts:claim_done")
    leo.refresh_from_db()
    assert not leo.claim_pending and leo.email == "leo@example.org"
    assert Client().login(username="leo@example.org", password=NEW_PASSWORD)
    guardian = Caregiver.objects.get(patient=leo)
    assert guardian.revoked_at is not None and guardian.revoked_by == leo
    paula_client = signed_in(paula)
    assert paula_client.get(reverse("health_records:timeline", args=[leo.public_id])).status_code == 404
    assert "Léo" not in paula_client.get(reverse("accounts:dependants")).content.decode()
    told = Notification.objects.get(recipient=paula, event=Event.CAREGIVER)
    assert "Léo Durand took over their ReLyfe file" in told.message
    revoked = AccessEvent.objects.get(patient=leo, action="revoke", object_id=guardian.public_id)
    assert (revoked.actor, revoked.access_path) == (leo, AccessPath.OWNER)
    assert AccessEvent.objects.filter(patient=leo, object_type="account_claim", actor=paula, access_path="guardian")


def test_a_file_taken_over_gets_no_new_code(paula, leo):
    code = hand_over(paula, leo)
    Client().post(
        reverse("accounts:claim"),
        {"code": code, "email": "leo@example.org", "phone": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert signed_in(paula).post(reverse("accounts:dependant_claim_code", args=[leo.public_id])).status_code == 404


def test_a_new_code_replaces_the_previous_one(paula, leo):
    first = hand_over(paula, leo)
    second = hand_over(paula, leo)

    response = Client().post(
        reverse("accounts:claim"),
        {"code": first, "email": "leo@example.org", "phone": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert first != second
    assert response.status_code == 200
    assert User.objects.get(pk=leo.pk).claim_pending


@pytest.fixture
def marc(db):
    """Léo's father, a professional member (a parent may be either)."""
    return ProfessionalFactory(email="marc@example.org", phone="+33612345678", first_name="Marc", language="en")


def test_a_second_parent_is_asked_accepts_and_keeps_the_file_too(paula, leo, marc):
    signed_in(paula).post(reverse("accounts:guardian_invite", args=[leo.public_id]), {"identifier": "06 12 34 56 78"})
    marc_client = signed_in(marc)
    family = marc_client.get(reverse("accounts:dependants")).content.decode()
    invitation = Caregiver.objects.get(patient=leo, caregiver__isnull=True)
    before = marc_client.get(reverse("health_records:timeline", args=[leo.public_id])).status_code

    marc_client.post(reverse("accounts:guardian_invitation_answer", args=[invitation.public_id, "accept"]))

    assert "Paula" in family and "Léo Durand" in family
    assert Notification.objects.get(recipient=marc, event=Event.CAREGIVER).url == reverse("accounts:dependants")
    assert before == 404
    assert marc_client.get(reverse("health_records:timeline", args=[leo.public_id])).status_code == 200
    assert "Léo Durand" in marc_client.get(reverse("accounts:dependants")).content.decode()
    invitation.refresh_from_db()
    assert (invitation.caregiver, invitation.guardian) == (marc, True) and invitation.accepted_at is not None
    assert AccessEvent.objects.filter(patient=leo, actor=marc, object_type="caregiver", action="create").exists()


def test_both_guardians_lose_the_file_at_the_takeover_and_are_told(paula, leo, marc):
    signed_in(paula).post(reverse("accounts:guardian_invite", args=[leo.public_id]), {"identifier": "marc@example.org"})
    invitation = Caregiver.objects.get(patient=leo, caregiver__isnull=True)
    signed_in(marc).post(reverse("accounts:guardian_invitation_answer", args=[invitation.public_id, "accept"]))
    code = hand_over(marc, leo)

    Client().post(
        reverse("accounts:claim"),
        {"code": code, "email": "leo@example.org", "phone": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert not Caregiver.objects.active().filter(patient=leo).exists()
    for parent in (paula, marc):
        assert signed_in(parent).get(reverse("health_records:timeline", args=[leo.public_id])).status_code == 404
        assert Notification.objects.filter(recipient=parent, message__contains="took over").exists()


def test_an_address_of_nobody_gets_the_same_answer_and_asks_no_one(paula, leo):
    response = signed_in(paula).post(
        reverse("accounts:guardian_invite", args=[leo.public_id]), {"identifier": "nobody@example.org"}, follow=True
    )

    assert "If a member signs in with this address or number, they are asked" in response.content.decode()
    assert Caregiver.objects.filter(patient=leo).count() == 1


def test_only_the_invited_member_answers_and_a_declined_invitation_ends(paula, leo, marc, dave):
    signed_in(paula).post(reverse("accounts:guardian_invite", args=[leo.public_id]), {"identifier": "marc@example.org"})
    invitation = Caregiver.objects.get(patient=leo, caregiver__isnull=True)

    stranger = signed_in(dave).post(
        reverse("accounts:guardian_invitation_answer", args=[invitation.public_id, "accept"])
    )
    signed_in(marc).post(reverse("accounts:guardian_invitation_answer", args=[invitation.public_id, "decline"]))

    assert stranger.status_code == 404
    invitation.refresh_from_db()
    assert invitation.caregiver is None and invitation.revoked_by == marc
    assert signed_in(marc).get(reverse("health_records:timeline", args=[leo.public_id])).status_code == 404


def test_only_a_guardian_asks_another(leo, dave, marc):
    response = signed_in(dave).post(
        reverse("accounts:guardian_invite", args=[leo.public_id]), {"identifier": "marc@example.org"}
    )

    assert response.status_code == 404
    assert not Notification.objects.filter(recipient=marc).exists()
