import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_french():
    """Warnings are sentences for the patient, in the language active when the check runs: French by default."""
    with translation.override("fr"):
        yield
