"""Professionals-only comments never reach the patient nor a share-link holder, through any channel;
a professional without access reaches nothing at all."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments import selectors, services
from notifications.models import Notification
from tests.comments.conftest import client_of
from tests.factories import ShareLinkFactory

pytestmark = pytest.mark.django_db

SECRET = "Suspicion de rupture du LCA"
SHARED = "Bonne nouvelle, rien de grave"


@pytest.fixture
def discussion(alice, bob, bob_comments, record, tasks_run_at_once, django_capture_on_commit_callbacks):
    """Bob writes one comment for everyone and one for professionals only, with e-mails sent."""
    with django_capture_on_commit_callbacks(execute=True):
        shared = services.comment_create(actor=bob, record=record, text=SHARED)
        secret = services.comment_create(actor=bob, record=record, text=SECRET, visibility="professionals")
    return {"shared": shared, "secret": secret}


def thread_html(client, record, *, link=False) -> str:
    name = "comments:link_thread" if link else "comments:thread"
    response = client.get(reverse(name, args=[record.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_hides_professional_comments_from_the_patient_in_the_thread(alice, record, discussion):
    html = thread_html(client_of(alice), record)

    assert SHARED in html
    assert SECRET not in html and "Professionals only" not in html and str(discussion["secret"].public_id) not in html


def test_it_hides_professional_comments_from_a_link_holder_who_states_a_profession(link_holder, record, discussion):
    html = thread_html(link_holder, record, link=True)

    assert SHARED in html and SECRET not in html


def test_it_shows_professional_comments_to_the_granted_professional(bob, record, discussion):
    html = thread_html(client_of(bob), record)

    assert SHARED in html and SECRET in html


def test_it_hides_professional_comments_from_the_patient_in_the_api(alice, record, discussion):
    client = client_of(alice)

    listed = client.get(reverse("api:record-comments", args=[record.public_id])).json()["results"]
    detail = client.get(reverse("api:comment", args=[discussion["secret"].public_id]))

    assert [comment["text"] for comment in listed] == [SHARED]
    assert detail.status_code == 404


def test_the_api_lists_both_comments_for_the_granted_professional(bob, record, discussion):
    listed = client_of(bob).get(reverse("api:record-comments", args=[record.public_id])).json()["results"]

    assert [comment["visibility"] for comment in listed] == ["everyone", "professionals"]


def test_the_patient_is_told_only_of_comments_she_may_see(alice, discussion):
    notifications = Notification.objects.filter(recipient=alice, event="comment")

    assert notifications.count() == 1
    message = notifications.get().message
    # In alice's own language, with no word of the comment.
    assert SHARED not in message and message.endswith("a commenté un document de votre dossier.")
    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert SHARED not in mail.outbox[0].body and SECRET not in mail.outbox[0].body


def test_unread_counts_count_only_what_each_one_may_see(alice, bob, charlie, record, discussion):
    assert selectors.unread_counts(user=alice, records=[record]) == {record.pk: 1}
    # Bob wrote both: nothing is unread for him.
    assert selectors.unread_counts(user=bob, records=[record]) == {}
    assert selectors.unread_counts(user=charlie, records=[record]) == {}


def test_reading_the_thread_marks_the_record_read(alice, record, discussion):
    thread_html(client_of(alice), record)

    assert selectors.unread_counts(user=alice, records=[record]) == {}


def test_a_reply_to_a_professional_comment_stays_among_professionals(alice, bob, record, discussion):
    reply = services.comment_create(actor=bob, record=record, text="Je confirme", parent=discussion["secret"])

    assert reply.visibility == "professionals"
    assert "Je confirme" not in thread_html(client_of(alice), record)


@pytest.mark.parametrize(
    ("name", "method", "target"),
    [
        ("comments:thread", "get", "record"),
        ("comments:create", "post", "record"),
        ("comments:mention_suggestions", "get", "record"),
        ("comments:edit", "get", "shared"),
        ("comments:delete", "post", "shared"),
        ("api:record-comments", "get", "record"),
        ("api:comment", "get", "shared"),
    ],
)
def test_a_professional_without_access_gets_404_everywhere(charlie, record, discussion, name, method, target):
    public_id = record.public_id if target == "record" else discussion[target].public_id

    response = getattr(client_of(charlie), method)(reverse(name, args=[public_id]), {"text": "Bonjour"})

    assert response.status_code == 404


def test_the_patient_cannot_write_for_professionals_only(alice, record):
    response = client_of(alice).post(
        reverse("comments:create", args=[record.public_id]),
        {"text": "Entre nous", "visibility": "professionals"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert record.comments.get().visibility == "everyone"


def test_a_link_holder_writes_for_everyone_under_their_stated_name(alice, link_holder, record):
    url = reverse("comments:link_create", args=[record.public_id])

    link_holder.post(url, {"text": "Vu", "visibility": "professionals"})

    comment = record.comments.get()
    assert comment.visibility == "everyone" and comment.author is None
    assert comment.author_label == "Dr Durand (radiologue)"
    assert Notification.objects.filter(recipient=alice, event="comment").exists()


def test_a_link_without_comments_shows_no_discussion(alice, record):
    link = ShareLinkFactory(patient=alice, records=[record])
    client = Client()
    client.get(reverse("sharing:link_open", args=[link.token]))
    client.post(reverse("sharing:link_start"), {"name": "Nora", "profession": ""})

    assert client.get(reverse("comments:link_thread", args=[record.public_id])).status_code == 404
    assert client.post(reverse("comments:link_create", args=[record.public_id]), {"text": "x"}).status_code == 404


def test_the_record_page_shows_the_discussion_without_professional_comments(alice, bob, record, discussion):
    alice_page = client_of(alice).get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    bob_page = client_of(bob).get(reverse("health_records:detail", args=[record.public_id])).content.decode()

    assert 'id="comments-thread"' in alice_page and SHARED in alice_page and SECRET not in alice_page
    assert SECRET in bob_page
    assert selectors.unread_counts(user=alice, records=[record]) == {}


def test_the_patients_access_log_does_not_reveal_professionals_only_comments(client, alice, bob, bob_comments):
    from audit.models import AccessEvent
    from comments import services as comments
    from tests.factories import HealthRecordFactory

    record = HealthRecordFactory(patient=alice)
    comments.comment_create(actor=bob, record=record, text="Entre nous", visibility="professionals")
    client.force_login(alice)

    events = client.get(reverse("audit:access_log")).context["page"].object_list

    assert AccessEvent.objects.filter(object_type="professional_comment").exists()  # logged, for staff
    assert not [event for event in events if "comment" in event.object_type]
