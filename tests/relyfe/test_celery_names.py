"""Tasks renamed in Python still answer to the names that queued messages and beat's schedule carry."""

import pytest

from relyfe.celery import app

NAMES_IN_QUEUED_MESSAGES = [
    "accounts.tasks.phone_code_send",
    "accounts.tasks.password_changed_notify",
    "faces.tasks.face_templates_erase",
    "faces.tasks.face_templates_erase_overdue",
    "health_records.tasks.record_file_make_thumbnail",
    "health_records.tasks.staged_uploads_sweep",
    "notifications.tasks.notification_send_email",
    "notifications.tasks.notification_send_push",
    "printing.tasks.print_job_propose_patient",
    "treatments.tasks.reminders_tick",
    "treatments.tasks.reminder_dispatches_send",
    "treatments.tasks.prescription_read",
    "relyfe.tasks.heartbeat",
]


@pytest.fixture(scope="module")
def registered():
    app.loader.import_default_modules()
    return set(app.tasks)


@pytest.mark.parametrize("name", NAMES_IN_QUEUED_MESSAGES)
def test_a_message_queued_under_a_former_name_still_finds_its_task(registered, name):
    assert name in registered


def test_every_task_beat_sends_is_registered(registered, settings):
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= registered
