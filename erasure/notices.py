"""The e-mails of an account deletion: when it is asked for, a week before, when it is cancelled, and once it is
done (to the address the account had, before it went). In the account's language; no health detail."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class Notice(models.IntegerChoices):
    REQUESTED = 1, "requested"
    REMINDER = 2, "reminder"
    CANCELLED = 3, "cancelled"
    ERASED = 4, "erased"


def _subject(notice: int) -> str:
    return {
        Notice.REQUESTED: _("Your ReLyfe account will be deleted"),
        Notice.REMINDER: _("Your ReLyfe account will be deleted in a week"),
        Notice.CANCELLED: _("The deletion of your ReLyfe account is cancelled"),
        Notice.ERASED: _("Your ReLyfe account has been deleted"),
    }[notice]


def notice_send(*, notice: int, email: str, first_name: str, language: str, erase_after) -> None:
    """Sends one notice to `email`. The address is passed in, not read from the account: the last notice goes
    out once the account no longer has one."""
    with translation.override(language):
        site_url = settings.SITE_URL.rstrip("/")
        body = render_to_string(
            f"erasure/email/{Notice(notice).label}.txt",
            {
                "first_name": first_name,
                "erase_on": formats.date_format(erase_after, "DATE_FORMAT"),
                "sign_in_link": site_url + reverse("accounts:login"),
            },
        )
        send_mail(f"ReLyfe — {_subject(notice)}", body, settings.DEFAULT_FROM_EMAIL, [email])
    logger.info("Account deletion notice %s sent", Notice(notice).label)
