"""Background work of faces. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker (and beat's schedule) still find it.


@shared_task(name="faces.tasks.face_templates_erase", soft_time_limit=120, time_limit=150)
def erase_face_templates(consent_id: int) -> None:
    """Erases a withdrawn consent's templates once the undo window has passed; early, the service queues it
    again for the end of the window, through the outbox."""
    from faces import services

    services.face_templates_erase(consent_id=consent_id)


@shared_task(name="faces.tasks.face_templates_erase_overdue", soft_time_limit=300, time_limit=330)
def erase_overdue_face_templates() -> None:
    """Beat's sweeper: erases what a lost task left behind."""
    from faces import services

    for consent_id in services.face_templates_overdue():
        services.face_templates_erase(consent_id=consent_id)
