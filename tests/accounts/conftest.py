import pytest

from tests.factories import PatientFactory
from tests.private_redis import cache_on_redis, private_redis, redis_down  # noqa: F401 (the fault tests' fixtures)
from tests.sms import PHONE


@pytest.fixture
def phone_only(db):
    """A patient who signs in with a mobile phone only, as many did before phone confirmation existed."""
    return PatientFactory(email=None, phone=PHONE, first_name="Paul")
