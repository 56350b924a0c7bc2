import pytest

from tests.factories import PatientFactory
from tests.sms import PHONE


@pytest.fixture
def phone_only(db):
    """A patient who signs in with a mobile phone only, as many did before phone confirmation existed."""
    return PatientFactory(email=None, phone=PHONE, first_name="Paul")
