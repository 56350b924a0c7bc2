import pytest
from django.urls import reverse

from notifications.models import Event, Notification

pytestmark = pytest.mark.django_db


def test_staff_see_notifications_read_only(client, staff, alice):
    notification = Notification.objects.create(recipient=alice, event=Event.GRANT_GIVEN, message="Hi")
    client.force_login(staff)

    listing = client.get(reverse("admin:notifications_notification_changelist"))
    detail = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    deleted = client.post(reverse("admin:notifications_notification_delete", args=[notification.pk]), {"post": "yes"})
    assert deleted.status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()
