import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Event, Notification
from notifications.selectors import unread_count
from tests.notifications.conftest import make_notification

pytestmark = pytest.mark.django_db


def test_the_centre_lists_only_the_users_own_notifications_newest_first(client, alice, dave):
    older = make_notification(alice, message="Older one")
    newer = make_notification(alice, message="Newer one")
    make_notification(dave, message="Dave's own")
    client.force_login(alice)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert list(response.context["page"].object_list) == [newer, older]
    assert "Dave&#x27;s own" not in response.content.decode()


def test_the_centre_shows_unread_notifications_apart(client, alice):
    read = make_notification(alice, read_at=timezone.now())
    unread = make_notification(alice)
    client.force_login(alice)

    content = client.get(reverse("notifications:list")).content.decode()

    items = content.split('<li class="timeline-item">')[1:]
    unread_item = next(item for item in items if str(unread.public_id) in item)
    read_item = next(item for item in items if str(read.public_id) in item)
    assert 'class="badge"' in unread_item and 'class="badge"' not in read_item
    assert reverse("notifications:mark_all_read") in content


def test_mark_all_read_is_offered_only_when_something_is_unread(client, alice):
    make_notification(alice, read_at=timezone.now())
    client.force_login(alice)

    content = client.get(reverse("notifications:list")).content.decode()

    assert reverse("notifications:mark_all_read") not in content


def test_the_centre_hides_email_only_notifications(client, alice):
    make_notification(alice, in_app=False)
    client.force_login(alice)

    response = client.get(reverse("notifications:list"))

    assert list(response.context["page"].object_list) == []
    assert unread_count(user=alice) == 0


def test_the_centre_pages_by_thirty(client, alice):
    Notification.objects.bulk_create(
        Notification(recipient=alice, event=Event.GRANT_GIVEN, message=f"Message {number}") for number in range(31)
    )
    client.force_login(alice)

    response = client.get(reverse("notifications:list"), {"page": 2})

    assert len(response.context["page"].object_list) == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, alice):
    notification = make_notification(alice, url="/records/")
    client.force_login(alice)

    response = client.post(reverse("notifications:open", args=[notification.public_id]))

    assert response.status_code == 302
    assert response["Location"] == "/records/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_a_notification_without_link_returns_to_the_centre(client, alice):
    notification = make_notification(alice, url="")
    client.force_login(alice)

    response = client.post(reverse("notifications:open", args=[notification.public_id]))

    assert response["Location"] == reverse("notifications:list")


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"])
def test_opening_never_follows_a_link_that_leaves_the_site(client, alice, url):
    # notify() refuses such links; this one was written straight into the database.
    notification = make_notification(alice, url=url)
    client.force_login(alice)

    response = client.post(reverse("notifications:open", args=[notification.public_id]))

    assert response["Location"] == reverse("notifications:list")


def test_opening_another_users_notification_is_404(client, alice, dave):
    notification = make_notification(dave)
    client.force_login(alice)

    response = client.post(reverse("notifications:open", args=[notification.public_id]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_opening_needs_a_post(client, alice):
    notification = make_notification(alice)
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[notification.public_id]))

    assert response.status_code == 405


def test_mark_all_read_marks_only_the_users_notifications(client, alice, dave):
    make_notification(alice)
    make_notification(alice)
    theirs = make_notification(dave)
    client.force_login(alice)

    response = client.post(reverse("notifications:mark_all_read"))

    assert response.status_code == 302
    assert unread_count(user=alice) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("name", ["notifications:list", "notifications:preferences"])
def test_the_pages_need_a_signed_in_user(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_pages_use_no_inline_script_or_style(client, alice):
    make_notification(alice)
    client.force_login(alice)

    content = client.get(reverse("notifications:list")).content.decode()

    assert "<script>" not in content and "style=" not in content and "onclick" not in content


def test_the_centre_shows_the_actions_as_buttons_that_post(client, alice):
    taken = {"action": "taken", "title": "Pris", "url": "/treatments/reminders/1/taken/?token=abc"}
    make_notification(alice, event=Event.REMINDER, actions=[taken])
    client.force_login(alice)

    content = client.get(reverse("notifications:list")).content.decode()

    assert '<form method="post" action="/treatments/reminders/1/taken/?token=abc" class="inline-form">' in content
    assert ">Pris</button>" in content


def test_the_centre_never_posts_to_an_action_that_leaves_the_site(client, alice):
    # notify() refuses such links; this one was written straight into the database.
    evil = {"action": "evil", "title": "Go", "url": "https://evil.example/"}
    make_notification(alice, actions=[evil])
    client.force_login(alice)

    content = client.get(reverse("notifications:list")).content.decode()

    assert "evil.example" not in content
