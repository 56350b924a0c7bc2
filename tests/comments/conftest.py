import pytest
from django.test import Client
from django.urls import reverse

from access.models import Permission
from tests.factories import GrantFactory, HealthRecordFactory, RecordFileFactory, ShareLinkFactory


@pytest.fixture
def record(alice):
    record = HealthRecordFactory(patient=alice, title="IRM genou")
    RecordFileFactory(record=record, original_name="irm.jpg")
    return record


@pytest.fixture
def bob_comments(alice, bob):
    """Bob may read and comment on all of alice's file."""
    return GrantFactory(patient=alice, professional=bob, permission=Permission.COMMENT)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def link_holder(alice, record):
    """A non-member who opened alice's link (comments allowed) and said they are a radiologist."""
    link = ShareLinkFactory(patient=alice, records=[record], allow_comments=True)
    client = Client()
    client.get(reverse("sharing:link_open", args=[link.token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "radiologue"})
    return client


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the pages in English, the language the interface is written in."""
    settings.LANGUAGE_CODE = "en"
