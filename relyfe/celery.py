"""The Celery app. One rule for every app's background work:

- A task takes ids, loads what it needs, calls a service and is safe to run twice. Its module imports the
  service INSIDE the task function (`from notifications import services`), never at the top: the service
  module imports the task module, and an import at the top of both would be a cycle.
- A service imports the tasks it queues at the TOP of its module, under a `_task` name
  (`from notifications.tasks import send_notification_email as send_notification_email_task`), and queues
  them with `transaction.on_commit(lambda: ..._task.delay(id))`, so that a worker never looks for a row
  that is not committed yet, and nothing is queued for a transaction that rolled back.
- Names never read alike: services are `<noun>_<verb>` (`notification_email_send`, `face_templates_erase`),
  tasks say what they do, verb first (`send_notification_email`, `erase_face_templates`).
- A task's registered name is what queued messages and beat's schedule carry: a task renamed in Python keeps
  its former dotted name with `@shared_task(name="app.tasks.old_name")`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

app = Celery("relyfe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["relyfe"])
app.autodiscover_tasks()
