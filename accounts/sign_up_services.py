"""Signing up without telling anyone which e-mail addresses and phones have an account.

A sign-up is kept aside (PendingSignUp) and a link is sent to its e-mail address, or to its phone when it
has no e-mail; the account is made when the link is opened. When the e-mail or the phone already belongs to
an account, nothing is kept: that account's owner gets a notice instead ("someone tried to create an account
with your address"). The visitor sees the same page either way, and the messages are limited per hour so
that the form cannot be used to flood someone's mailbox or phone.

Links and notices are sent from the web process once the transaction commits: the token must not travel
through the broker. A failure is logged by on_commit(robust=True) and changes nothing the visitor sees.
"""

import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts import services
from accounts.models import PendingSignUp, Role, User
from notifications import sms
from relyfe import abuse
from relyfe.web import absolute_url

SIGN_UP_LINK_LIFETIME = timedelta(hours=48)
HOUR = 60 * 60

logger = logging.getLogger(__name__)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def sign_up_request(*, role: str, account_fields: dict, profile_fields: dict) -> None:
    """Keeps the sign-up aside and sends its confirmation link, or tells the owners of the e-mail address
    or phone that someone tried to sign up with them. Returns nothing: the caller must answer the same."""
    email, phone = account_fields["email"], account_fields["phone"]
    # Hashed on both paths: the time the answer takes must not tell either.
    password = make_password(account_fields["password"])
    # Sign-ups nobody confirmed hold names and contact details: they go when they expire.
    PendingSignUp.objects.filter(expires_at__lt=timezone.now()).delete()
    owners = User.objects.filter(Q(email=email) if email else Q(pk__in=[])) | User.objects.filter(
        Q(phone=phone) if phone else Q(pk__in=[])
    )
    if owners.exists():
        for owner in owners.distinct():
            channel = "email" if email and owner.email == email else "phone"
            transaction.on_commit(lambda owner=owner, channel=channel: _notify_owner(owner, channel), robust=True)
        return
    token = secrets.token_urlsafe(32)
    details = {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in {**account_fields, **profile_fields}.items()
        if name not in ("email", "phone", "password")
    }
    pending = PendingSignUp(
        role=role,
        email=email or "",
        phone=phone or "",
        password=password,
        details=details,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + SIGN_UP_LINK_LIFETIME,
    )
    pending.full_clean()
    pending.save()
    url = absolute_url(reverse("accounts:sign_up_confirm", args=[token]))
    transaction.on_commit(lambda: _send_link(pending, url), robust=True)


def _send_link(pending: PendingSignUp, url: str) -> None:
    with override(pending.details.get("language") or settings.LANGUAGE_CODE):
        if pending.email:
            subject = _("Finish creating your ReLyfe account")
            body = _(
                "Hello,\n\nTo finish creating your ReLyfe account, open this link within 48 hours:\n\n%(url)s\n\n"
                "If you did not sign up on ReLyfe, ignore this message: no account is made.\n\n— ReLyfe"
            ) % {"url": url}
            send_mail(subject, body, None, [pending.email])
        else:
            _text(pending.phone, _("ReLyfe: to finish creating your account, open %(url)s") % {"url": url})


def _notify_owner(owner: User, channel: str) -> None:
    """At most SIGN_UP_NOTICES_PER_ACCOUNT an hour: the notice is for the owner, not a way to pester them."""
    notices = abuse.Limit("sign-up-notices:account", settings.SIGN_UP_NOTICES_PER_ACCOUNT, HOUR)
    if not abuse.hit(notices, str(owner.public_id)):
        return
    sign_in = absolute_url(reverse("accounts:login"))
    reset = absolute_url(reverse("accounts:password_reset"))
    with override(owner.language):
        if channel == "email" and owner.email:
            subject = _("Someone tried to create a ReLyfe account with your address")
            body = _(
                "Hello,\n\nSomeone tried to create a ReLyfe account with your e-mail address, which already has "
                "one. If it was you, sign in: %(sign_in)s\nForgot your password? Choose a new one: %(reset)s\n\n"
                "If it was not you, there is nothing to do: no account was made.\n\n— ReLyfe"
            ) % {"sign_in": sign_in, "reset": reset}
            send_mail(subject, body, None, [owner.email])
        elif owner.phone:
            _text(
                owner.phone,
                _(
                    "ReLyfe: someone tried to create an account with this number, which already has one. "
                    "If it was you, sign in or choose a new password: %(reset)s"
                )
                % {"reset": reset},
            )


def _text(phone: str, body: str) -> None:
    try:
        sms.send_sms(to=phone, body=body)
    except sms.SmsError as error:
        logger.warning("A sign-up text message was not sent: %s", error)


def pending_sign_up_by_token(token: str) -> PendingSignUp | None:
    pending = PendingSignUp.objects.filter(token_hash=_token_hash(token)).first()
    return pending if pending is not None and pending.is_usable else None


@transaction.atomic
def sign_up_confirm(*, token: str) -> User | None:
    """Makes the account of the sign-up this token confirms; None when the link is used, expired, unknown,
    or when its e-mail or phone got an account meanwhile."""
    pending = PendingSignUp.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    if pending is None or not pending.is_usable:
        return None
    taken = Q(email=pending.email) if pending.email else Q(pk__in=[])
    if pending.phone:
        taken |= Q(phone=pending.phone)
    if User.objects.filter(taken).exists():
        return None
    details = dict(pending.details)
    if details.get("birth_date"):
        details["birth_date"] = date.fromisoformat(details["birth_date"])
    sign_up = services.professional_sign_up if pending.role == Role.PROFESSIONAL else services.patient_sign_up
    # A random placeholder: the password chosen at sign-up, kept hashed, replaces it below.
    placeholder = secrets.token_urlsafe(32)
    user = sign_up(email=pending.email or None, phone=pending.phone or None, password=placeholder, **details)
    user.password = pending.password
    if pending.phone and not pending.email:
        user.phone_verified_at = timezone.now()  # the link came by text message to this phone
    user.save(update_fields=["password", "phone_verified_at"])
    pending.confirmed_at = timezone.now()
    pending.save(update_fields=["confirmed_at"])
    return user
