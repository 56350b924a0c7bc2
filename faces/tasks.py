from celery import shared_task

from relyfe.undo import UNDO_WINDOW


@shared_task
def face_templates_erase(consent_id: int) -> None:
    """Erases a withdrawn consent's templates once the undo window has passed; early, it waits again."""
    from faces import services

    if not services.face_templates_erase(consent_id=consent_id):
        face_templates_erase.apply_async((consent_id,), countdown=UNDO_WINDOW.total_seconds())


@shared_task
def face_templates_erase_overdue() -> None:
    """Beat's sweeper: erases what a lost task left behind."""
    from faces import services

    for consent_id in services.face_templates_overdue():
        services.face_templates_erase(consent_id=consent_id)
