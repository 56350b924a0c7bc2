"""The buttons of a reminder ("Taken", "Snooze"): URLs that carry their own signed token, so that a
phone's notification can act on the reminder without a page or a form around it."""

import functools
import uuid

from django.core import signing
from django.urls import reverse
from django.utils import translation

SALT = "relyfe.reminder-action"
MAX_AGE_SECONDS = 24 * 3600
ACTIONS = ("taken", "snooze")


def _token(dispatch, action: str) -> str:
    return signing.dumps({"dispatch": str(dispatch.public_id), "action": action}, salt=SALT, compress=True)


def token_is_valid(token: str, dispatch, action: str) -> bool:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return data == {"dispatch": str(dispatch.public_id), "action": action}


# A moment's reminders each carry two links: they are made from these, rather than by reversing the URL for each.
_PLACEHOLDER = uuid.UUID(int=0)


@functools.cache
def _path_pattern(action: str) -> str:
    return reverse("treatments:reminder_action", args=[_PLACEHOLDER, action]).replace(str(_PLACEHOLDER), "{}")


def reminder_actions(dispatch, patient) -> list[dict]:
    with translation.override(patient.language):
        titles = {"taken": translation.gettext("Taken"), "snooze": translation.gettext("Snooze")}
    return [
        {
            "action": action,
            "title": titles[action],
            "url": _path_pattern(action).format(dispatch.public_id) + f"?token={_token(dispatch, action)}",
        }
        for action in ACTIONS
    ]
