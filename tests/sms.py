"""Reading the text messages the tests send (they land in `notifications.sms.outbox`)."""

import re

PHONE = "+33612345678"


def texted_code(message) -> str:
    return re.search(r"\b([0-9]{6})\b", message.body).group(1)


def another_code(code: str) -> str:
    """A code of the same shape that is not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
