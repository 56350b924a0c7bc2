import re

import pytest

from tests.factories import PatientFactory

PHONE = "+33612345678"


@pytest.fixture
def phone_only(db):
    """A patient who signs in with a mobile phone only, as many did before phone confirmation existed."""
    return PatientFactory(email=None, phone=PHONE, first_name="Paul")


def texted_code(message) -> str:
    return re.search(r"\b([0-9]{6})\b", message.body).group(1)
