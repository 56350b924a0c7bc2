import base64
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from notifications.webpush import vapid_keys


def decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def development(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    return tmp_path


def test_the_settings_keys_are_used_when_set(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"

    assert vapid_keys() == ("public", "private")


def test_there_are_no_keys_in_production_without_settings(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    assert vapid_keys() is None
    assert list(tmp_path.iterdir()) == []


def test_a_development_machine_makes_one_pair_under_var_and_keeps_it(development):
    first = vapid_keys()
    second = vapid_keys()

    assert first == second
    assert (development / "vapid" / "private_key.pem").exists()
    public_point = decode(first.public)
    assert len(public_point) == 65 and public_point[0] == 4
    # The two halves belong together, and pywebpush reads the private one.
    vapid = Vapid.from_string(first.private)
    expected = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_point)
    assert vapid.public_key.public_numbers() == expected.public_numbers()


KEYS_SCRIPT = """
import django
django.setup()
from notifications.webpush import vapid_keys
print(" ".join(vapid_keys()))
"""


def test_the_web_process_and_the_workers_share_the_pair(development, project_root):
    """Processes starting together (dev server, worker, beat) end up with the same pair."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relyfe.settings",
        "DEBUG": "1",
        "VAR_DIR": str(development),
        "VAPID_PUBLIC_KEY": "",
        "VAPID_PRIVATE_KEY": "",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", KEYS_SCRIPT], cwd=project_root, env=environment, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    found = {tuple(process.communicate(timeout=60)[0].split()) for process in processes}

    assert found == {tuple(vapid_keys())}
