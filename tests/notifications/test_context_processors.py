import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from notifications.context_processors import unread_notifications
from notifications.models import Event, Notification

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_it_counts_the_users_unread_notifications_in_one_query(alice, dave, django_assert_num_queries):
    for read_at in (None, None, timezone.now()):
        Notification.objects.create(recipient=alice, event=Event.GRANT_GIVEN, message="Hi", read_at=read_at)
    Notification.objects.create(recipient=dave, event=Event.GRANT_GIVEN, message="Hi")

    with django_assert_num_queries(1):
        assert unread_notifications(request_of(alice)) == {"unread_notifications": 2}


def test_it_adds_nothing_for_a_visitor(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert unread_notifications(request_of(AnonymousUser())) == {}
