import pytest

from notifications.models import Event, Notification
from relyfe.celery import app as celery_app


@pytest.fixture
def tasks_run_at_once():
    """`.delay()` runs the task in the test's process, so that on-commit callbacks send the e-mail."""
    eager = {"task_always_eager": True, "task_eager_propagates": True}
    before = {name: celery_app.conf[name] for name in eager}
    celery_app.conf.update(eager)
    yield
    celery_app.conf.update(before)


def make_notification(recipient, **fields) -> Notification:
    """A notification as notify() makes it, written directly (no preference check, no e-mail)."""
    defaults = {"event": Event.RECORD_ADDED, "message": "Dr Bob added a document to your file.", "url": "/records/"}
    return Notification.objects.create(recipient=recipient, **(defaults | fields))
