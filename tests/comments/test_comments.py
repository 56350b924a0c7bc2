import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from comments import services
from comments.models import Comment, CommentRevision
from notifications.models import Notification
from tests.comments.conftest import client_of
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db


def mention(user) -> str:
    return f"@[{user.full_name}]({user.public_id})"


def test_mentions_notify_only_professionals_with_access(alice, bob, charlie, bob_comments, record):
    comment = services.comment_create(actor=alice, record=record, text=f"{mention(bob)} et {mention(charlie)}, voyez")

    assert list(comment.mentions.all()) == [bob]
    assert Notification.objects.filter(recipient=bob, event="mention").count() == 1
    assert not Notification.objects.filter(recipient=charlie).exists()
    assert "voyez" not in Notification.objects.get(recipient=bob, event="mention").message


def test_mention_suggestions_list_only_professionals_with_access(alice, bob, charlie, bob_comments, record):
    response = client_of(alice).get(reverse("comments:mention_suggestions", args=[record.public_id]), {"q": ""})

    html = response.content.decode()
    assert str(bob.public_id) in html and str(charlie.public_id) not in html


def test_a_reply_tells_the_other_participants(alice, bob, bob_comments, record):
    question = services.comment_create(actor=alice, record=record, text="Dois-je m'inquiéter ?")

    services.comment_create(actor=bob, record=record, text="Non", parent=question)

    assert Notification.objects.filter(recipient=alice, event="comment").count() == 1
    assert not Notification.objects.filter(recipient=bob, event="comment").exists()


def test_the_author_edits_within_15_minutes_and_the_thread_says_edited(alice, record):
    comment = services.comment_create(actor=alice, record=record, text="Douleur au genou")
    client = client_of(alice)

    client.post(reverse("comments:edit", args=[comment.public_id]), {"text": "Douleur au genou droit"})

    comment.refresh_from_db()
    assert comment.text == "Douleur au genou droit" and comment.is_edited
    assert CommentRevision.objects.get(comment=comment).text == "Douleur au genou"
    assert "(edited)" in client.get(reverse("comments:thread", args=[record.public_id])).content.decode()


def test_the_author_cannot_edit_after_15_minutes(alice, record):
    comment = services.comment_create(actor=alice, record=record, text="Douleur au genou")

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        response = client_of(alice).post(reverse("comments:edit", args=[comment.public_id]), {"text": "Autre"})

    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.text == "Douleur au genou" and not comment.is_edited


def test_someone_else_cannot_edit_a_comment(alice, bob, bob_comments, record):
    comment = services.comment_create(actor=alice, record=record, text="Douleur au genou")

    response = client_of(bob).post(reverse("comments:edit", args=[comment.public_id]), {"text": "Autre"})

    assert response.status_code == 404


def test_deletion_leaves_a_mark_and_keeps_the_text_for_the_history(alice, record):
    comment = services.comment_create(actor=alice, record=record, text="Texte à retirer")
    client = client_of(alice)

    client.post(reverse("comments:delete", args=[comment.public_id]))

    html = client.get(reverse("comments:thread", args=[record.public_id])).content.decode()
    assert "Comment deleted." in html and "Texte à retirer" not in html
    assert CommentRevision.objects.get(comment=comment, kind="deleted").text == "Texte à retirer"


def test_html_stays_text_and_links_are_clickable(alice, record):
    services.comment_create(actor=alice, record=record, text="<script>alert(1)</script> voir https://example.org")

    html = client_of(alice).get(reverse("comments:thread", args=[record.public_id])).content.decode()

    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://example.org" rel="nofollow noopener">https://example.org</a>' in html


def test_a_reading_only_grant_cannot_comment(alice, bob, record):
    GrantFactory(patient=alice, professional=bob, permission="read")

    response = client_of(bob).post(reverse("comments:create", args=[record.public_id]), {"text": "Bonjour"})

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_each_write_is_audited(alice, record):
    comment = services.comment_create(actor=alice, record=record, text="Un")
    services.comment_update(actor=alice, comment=comment, text="Deux")
    services.comment_delete(actor=alice, comment=comment)

    events = AccessEvent.objects.filter(object_type="comment", object_id=comment.public_id)
    assert sorted(events.values_list("action", flat=True)) == ["archive", "create", "update"]


def test_staff_hide_a_comment_from_the_administration(alice, staff, record):
    comment = services.comment_create(actor=alice, record=record, text="Hors sujet")

    client_of(staff).post(
        reverse("admin:comments_comment_changelist"), {"action": "hide", "_selected_action": [comment.pk]}
    )

    comment.refresh_from_db()
    assert comment.is_hidden
    assert AccessEvent.objects.filter(object_id=comment.public_id, access_path="staff", action="archive").exists()
    html = client_of(alice).get(reverse("comments:thread", args=[record.public_id])).content.decode()
    assert "Comment hidden by moderation." in html and "Hors sujet" not in html


def test_the_api_creates_edits_and_deletes(bob, bob_comments, record):
    client = client_of(bob)

    created = client.post(
        reverse("api:record-comments", args=[record.public_id]),
        {"text": "Entre confrères", "visibility": "professionals"},
        content_type="application/json",
    )
    url = reverse("api:comment", args=[created.json()["public_id"]])
    edited = client.patch(url, {"text": "Entre collègues"}, content_type="application/json")
    deleted = client.delete(url)

    assert created.status_code == 201 and created.json()["visibility"] == "professionals"
    assert edited.json()["text"] == "Entre collègues" and edited.json()["is_edited"]
    assert deleted.status_code == 204 and client.get(url).json()["is_deleted"]


def test_the_timeline_shows_unread_comments_until_the_record_is_opened(alice, bob, bob_comments):
    from django.test import Client

    from comments import services as comments
    from tests.factories import HealthRecordFactory

    record = HealthRecordFactory(patient=alice, title="Bilan")
    comments.comment_create(actor=bob, record=record, text="Tout est normal")
    comments.comment_create(actor=bob, record=record, text="Entre nous", visibility="professionals")
    client = Client()
    client.force_login(alice)
    timeline = reverse("health_records:timeline", args=[alice.public_id])

    before = client.get(timeline).content.decode()
    client.get(reverse("health_records:detail", args=[record.public_id]))
    after = client.get(timeline).content.decode()

    assert "1 new comment" in before  # the professionals-only one is not counted for her
    assert "new comment" not in after
