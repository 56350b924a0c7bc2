"""Undo for a few seconds after withdrawing something (an access, a link, a face): the page shows the
message with an Undo button, and the undo's own service checks that the same person asks within the window.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.utils import timezone

UNDO_WINDOW = timedelta(seconds=10)
UNDO_SESSION_KEY = "undo"


def undo_window_open(done_at: datetime | None) -> bool:
    return done_at is not None and timezone.now() - done_at <= UNDO_WINDOW


def offer_undo(request, message: str, *, url: str) -> None:
    """A success message that base.html shows with an Undo button posting to `url`."""
    request.session[UNDO_SESSION_KEY] = {"url": url, "seconds": int(UNDO_WINDOW.total_seconds())}
    messages.success(request, message, extra_tags="undo")
