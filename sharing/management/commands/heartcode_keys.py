"""`manage.py heartcode_keys`: which key made the Heart-Codes in use, before one is removed from RELYFE_KEYS.

Removing a key stops every card it made: this says how many patients would have to print theirs again. It
prints key ids only (relyfe.keys.key_id), never a key or a token.
"""

from collections import Counter

from django.core.management.base import BaseCommand

from relyfe import keys
from sharing import tokens
from sharing.models import EmergencyProfile

NO_KEY = "none (stopped: its key was removed)"


class Command(BaseCommand):
    help = "Counts the Heart-Codes turned on made by each key of RELYFE_KEYS (and of SECRET_KEY)."

    def handle(self, *args, **options):
        verifying = keys.verifying()
        counts: Counter[str] = Counter()
        profiles = EmergencyProfile.objects.filter(enabled=True).values_list("token_nonce", "token_hash")
        for nonce, stored_hash in profiles.iterator():
            counts[_key_that_made(verifying, nonce, stored_hash)] += 1
        for key in verifying:
            self.stdout.write(f"{key.id}\t{counts.pop(key.id, 0)}")
        if counts:
            self.stdout.write(f"{NO_KEY}\t{counts[NO_KEY]}")


def _key_that_made(verifying: list[keys.Key], nonce: str, stored_hash: str) -> str:
    for key in verifying:
        if tokens.token_hash(tokens.emergency_token_with(key, nonce)) == stored_hash:
            return key.id
    return NO_KEY
