import pytest
from django.test import Client
from django.urls import reverse

from sharing import services as sharing
from tests.factories import HealthRecordFactory, RecordFileFactory


@pytest.fixture
def record(alice):
    record = HealthRecordFactory(patient=alice, title="IRM genou")
    RecordFileFactory(record=record, original_name="irm.jpg")
    return record


@pytest.fixture
def bob_comments(alice, bob):
    """Bob may read and comment on all of alice's file."""
    return sharing.grant_give(actor=alice, professional=bob, scope="all", permission="comment")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def link_holder(alice, record):
    """A non-member who opened alice's link (comments allowed) and said they are a radiologist."""
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[record], allow_comments=True)
    client = Client()
    client.get(reverse("sharing:link_open", args=[token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "radiologue"})
    return client


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the pages in English, the language the interface is written in."""
    settings.LANGUAGE_CODE = "en"
