"""Failed sign-in attempts, and codes sent by text message, counted with relyfe.abuse.

An account is locked by its own failures only: a few are free, then each further one makes the next attempt
wait longer (relyfe.abuse.Lockout), whatever address they came from, and while it waits even the right
password is refused (otherwise the answer would tell a guesser they found it). Failures from one client
address are counted too, but they never lock anyone out: past LOGIN_FAILURES_PER_ADDRESS, a failure from
that address locks the account it tried at once, while the right password of an account that is not locked
still signs in — a hospital's network or a NAT shares one address between many people.

Accounts are keyed by their canonical identifier, so "06 12 34 56 78" and "+33612345678" count against the
same account; relyfe.abuse hashes every key.
"""

from django.conf import settings

from relyfe import abuse
from relyfe.identifiers import canonical_identifier


def _sign_in_lockout() -> abuse.Lockout:
    longest = int(settings.LOGIN_LOCKOUT.total_seconds())
    return abuse.Lockout(
        scope="sign-in:account",
        free=settings.LOGIN_FAILURES_PER_ACCOUNT,
        first_delay_seconds=int(settings.LOGIN_FIRST_DELAY.total_seconds()),
        longest_seconds=longest,
        # Long enough for the delays to keep doubling while someone keeps guessing.
        memory_seconds=max(24 * 60 * 60, longest),
    )


def _address_limit() -> abuse.Limit:
    return abuse.Limit(
        scope="sign-in:address",
        count=settings.LOGIN_FAILURES_PER_ADDRESS,
        window_seconds=int(settings.LOGIN_LOCKOUT.total_seconds()),
    )


def _account(identifier: str) -> str | None:
    parsed = canonical_identifier(identifier)
    return ":".join(parsed) if parsed is not None else None


def wait_seconds(identifier: str) -> int:
    """How long sign-ins to this account must still wait; 0 when it may try."""
    account = _account(identifier)
    return abuse.wait_seconds(_sign_in_lockout(), account) if account else 0


def record_failure(identifier: str, address: str) -> None:
    address_within_limit = abuse.hit(_address_limit(), address)
    account = _account(identifier)
    if account:
        abuse.failure(_sign_in_lockout(), account, free=None if address_within_limit else 0)


def is_account_locked(identifier: str) -> bool:
    """Whether failed sign-ins locked this account, from whatever address."""
    return wait_seconds(identifier) > 0


def reset_account(identifier: str) -> None:
    account = _account(identifier)
    if account:
        abuse.clear(_sign_in_lockout(), account)


def _identifiers_of(user) -> list[str]:
    return [identifier for identifier in (user.email, user.phone) if identifier]


def user_wait_seconds(user) -> int:
    """How long sign-ins to this account must still wait, by whichever of its identifiers was guessed at: a
    passkey unlock (accounts.quick_unlock) names the account, not an identifier."""
    return max((wait_seconds(identifier) for identifier in _identifiers_of(user)), default=0)


def record_user_failure(user, address: str) -> None:
    """A failed passkey unlock, counted as a wrong password against each of the account's identifiers."""
    address_within_limit = abuse.hit(_address_limit(), address)
    for identifier in _identifiers_of(user):
        account = _account(identifier)
        if account:
            abuse.failure(_sign_in_lockout(), account, free=None if address_within_limit else 0)


def phone_code_allowed(phone: str, address: str) -> bool:
    """Counts a request for a code sent to `phone` (E.164); False past the hourly limits of the number
    or of the client address. Unknown numbers count too, so the answer tells nothing about accounts."""
    window = int(settings.PHONE_CODES_WINDOW.total_seconds())
    return abuse.hit_all(
        (abuse.Limit("phone-codes:number", settings.PHONE_CODES_PER_NUMBER, window), phone),
        (abuse.Limit("phone-codes:address", settings.PHONE_CODES_PER_ADDRESS, window), address),
    )


HOUR = 60 * 60


def password_reset_mail_allowed(email: str, address: str) -> bool:
    """Counts a request for a reset e-mail to `email`; False past the hourly limits of the address asked for
    or of the client address. Addresses without an account count too: the answer must not differ."""
    return abuse.hit_all(
        (abuse.Limit("password-resets:account", settings.PASSWORD_RESETS_PER_ACCOUNT, HOUR), email),
        (abuse.Limit("password-resets:address", settings.PASSWORD_RESETS_PER_ADDRESS, HOUR), address),
    )
