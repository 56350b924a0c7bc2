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


def action_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _signed_value(dispatch, action: str) -> str:
    return f"{dispatch.public_id}:{action}"


def _token(signer: signing.TimestampSigner, dispatch, action: str) -> str:
    """The time and the signature of (dispatch, action), without the value, which the link already carries: one
    HMAC, cheap enough to make two per reminder for a whole country at 08:00."""
    return signer.sign(_signed_value(dispatch, action)).removeprefix(_signed_value(dispatch, action) + signer.sep)


def token_is_valid(token: str, dispatch, action: str) -> bool:
    try:
        action_signer().unsign(f"{_signed_value(dispatch, action)}:{token}", max_age=MAX_AGE_SECONDS)
        return True
    except signing.BadSignature:
        pass
    # A link sent before tokens were made this way, within its day.
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


@functools.cache
def _titles(language: str) -> dict[str, str]:
    with translation.override(language):
        return {"taken": translation.gettext("Taken"), "snooze": translation.gettext("Snooze")}


def reminder_actions(dispatch, language: str, signer: signing.TimestampSigner | None = None) -> list[dict]:
    """The two buttons of `dispatch`'s reminder, titled in `language`. A batch passes one `signer` for all."""
    signer = signer or action_signer()
    titles = _titles(language)
    return [
        {
            "action": action,
            "title": titles[action],
            "url": _path_pattern(action).format(dispatch.public_id) + f"?token={_token(signer, dispatch, action)}",
        }
        for action in ACTIONS
    ]
