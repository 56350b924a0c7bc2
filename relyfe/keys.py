"""The keys behind long-lived secrets: Heart-Code URLs printed on cards, access-request pages, printer
secrets and account claim codes.

They used to be keyed with SECRET_KEY itself, so that changing SECRET_KEY (a leak, a departure) silently
broke every printed card. They are now keyed with RELYFE_KEYS, a list of keys, newest first, apart from
SECRET_KEY: what is made now uses the newest key, what was made with an older one still verifies while that
key is in the list, and removing a key kills what it made. Each purpose gets its own key, derived from the
listed one, so that a secret made for one purpose never verifies as another.

What was made before RELYFE_KEYS existed was keyed with SECRET_KEY as it is (no purpose key): SECRET_KEY
and SECRET_KEY_FALLBACKS keep verifying it, unless RELYFE_KEYS_INCLUDE_SECRET_KEY is off. With no
RELYFE_KEYS at all (a development machine, the tests), SECRET_KEY is the newest key, as before.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A key shorter than this is refused: every secret it derives would be no stronger than it.
MIN_KEY_LENGTH = 32


@dataclass(frozen=True)
class Key:
    # Short and public (a keyed hash of the key): says which key made a secret, never the key.
    id: str
    secret: str
    # SECRET_KEY used as it is, the way secrets were made before RELYFE_KEYS.
    from_secret_key: bool = False

    def digest(self, purpose: str, message: str) -> bytes:
        """HMAC-SHA256 of the message under this key's key for `purpose`."""
        if self.from_secret_key:
            key = self.secret.encode()
        else:
            key = hmac.new(self.secret.encode(), f"relyfe-key:{purpose}".encode(), hashlib.sha256).digest()
        return hmac.new(key, message.encode(), hashlib.sha256).digest()


def key_id(secret: str) -> str:
    return hmac.new(secret.encode(), b"relyfe-key-id", hashlib.sha256).hexdigest()[:8]


def verifying() -> list[Key]:
    """Every key that verifies, newest first; the first one makes new secrets."""
    listed = [secret for secret in settings.RELYFE_KEYS if secret]
    for secret in listed:
        if len(secret) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(f"Each key of RELYFE_KEYS needs at least {MIN_KEY_LENGTH} characters.")
    found = [Key(id=key_id(secret), secret=secret) for secret in listed]
    if not listed or settings.RELYFE_KEYS_INCLUDE_SECRET_KEY:
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
            found.append(Key(id=f"secret-key-{key_id(secret)}", secret=secret, from_secret_key=True))
    return found


def newest() -> Key:
    return verifying()[0]
