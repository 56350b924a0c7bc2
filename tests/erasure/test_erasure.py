"""The erasure, table by table and in the storage: nothing of the patient is left, what is others' stays."""

from django.contrib.sessions.models import Session
from django.core import mail

from accounts.models import ApiToken, User
from audit.models import AccessEvent
from comments.models import Comment
from erasure import services
from erasure.models import AccountDeletion
from faces.models import FaceTemplate
from health_records.models import HealthRecord, RecordFile
from notifications.models import Notification
from tests.erasure.conftest import files_in, stored_anywhere, traces_left


def test_nothing_of_the_patient_is_left_in_any_table_nor_in_the_media_folder(
    media, rich_alice, bobs_and_daves, alice, staff
):
    kept_files = files_in(media)
    assert rich_alice.keys and rich_alice.keys <= kept_files
    assert traces_left(rich_alice), "the search finds the patient before the erasure"

    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert traces_left(rich_alice) == []
    assert files_in(media) == kept_files - rich_alice.keys
    assert stored_anywhere(rich_alice.keys) == set()


def test_the_access_log_is_kept_pseudonymised(media, rich_alice, alice, bob, staff):
    before = AccessEvent.objects.filter(patient=alice).count()

    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    tombstone = User.objects.get(pk=alice.pk)
    events = AccessEvent.objects.filter(patient=tombstone)
    assert events.count() == before
    assert tombstone.public_id != alice.public_id
    by_bob = events.get(actor=bob)
    assert by_bob.actor_label == bob.full_name  # who accessed the file is what the log is kept for
    by_herself = events.get(actor=tombstone)
    assert by_herself.actor_label == services.ERASED_LABEL
    assert by_herself.ip_address is None
    # One object, one pseudonym: the log still tells that both looked at the same record.
    assert by_bob.object_id == by_herself.object_id


def test_the_account_becomes_a_tombstone_that_cannot_sign_in(media, rich_alice, alice, staff, client):
    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    tombstone = User.objects.get(pk=alice.pk)
    assert (tombstone.email, tombstone.phone, tombstone.full_name) == (None, None, "")
    assert not tombstone.is_active and not tombstone.has_usable_password()
    assert not Session.objects.exists() or all(
        session.get_decoded().get("_auth_user_id") != str(alice.pk) for session in Session.objects.all()
    )
    old_password = "correct-horse-battery-staple"  # pragma: allowlist secret
    response = client.post("/accounts/login/", {"username": "alice@example.org", "password": old_password})
    assert response.status_code == 200  # the form again, with its error
    assert AccountDeletion.objects.get(user=tombstone).erased_at is not None


def test_what_belongs_to_others_stays(media, rich_alice, bobs_and_daves, alice, bob, dave, staff):
    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert HealthRecord.objects.filter(patient=dave).count() == 1
    assert RecordFile.objects.filter(pk=bobs_and_daves["file"].pk).exists()
    assert stored_anywhere({bobs_and_daves["file"].file.name}) == {bobs_and_daves["file"].file.name}
    assert Comment.objects.filter(author=bob).get() == bobs_and_daves["comment"]
    assert list(Notification.objects.filter(recipient=bob)) == [bobs_and_daves["notification"]]
    assert User.objects.get(pk=bob.pk).email == "bob@example.org"


def test_erasing_twice_does_nothing_more(media, rich_alice, alice, staff):
    first = services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")
    tombstone = User.objects.get(pk=alice.pk)

    again = services.erase_patient(actor=staff, user=tombstone, reason="Lettre du 3 mars")

    assert again.pk == first.pk
    assert User.objects.get(pk=alice.pk).public_id == tombstone.public_id


def test_the_last_email_goes_to_the_address_the_account_had(
    media, rich_alice, alice, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "supprimé" in mail.outbox[0].subject


def test_api_tokens_and_faces_go(media, rich_alice, alice, staff):
    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert not ApiToken.objects.filter(user_id=alice.pk).exists()
    assert not FaceTemplate.objects.exists()
