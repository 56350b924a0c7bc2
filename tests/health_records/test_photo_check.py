"""The record forms carry the phone's photo check (static/js/photo_check.js): for records of paper documents
only, with the server's thresholds and its messages."""

import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from documents.photo_quality import browser_settings
from tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db


class PhotoCheck(HTMLParser):
    """The attributes of the photo check's box, and whether its message is hidden."""

    def __init__(self):
        super().__init__()
        self.box, self.message_hidden = None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-photo-check" in attributes:
            self.box = attributes
        elif "data-photo-check-box" in attributes:
            self.message_hidden = "hidden" in attributes


def photo_check(html: str) -> PhotoCheck:
    parser = PhotoCheck()
    parser.feed(html)
    return parser


def test_the_new_record_form_checks_photos_of_paper_documents_with_the_servers_thresholds(client, alice):
    client.force_login(alice)
    html = client.get(reverse("health_records:create", args=[alice.public_id])).content.decode()

    check = photo_check(html)
    box = check.box
    assert {"prescription", "lab_result", "medical_report"} <= set(box["data-kinds"].split())
    assert "photo" not in box["data-kinds"].split()
    assert json.loads(box["data-settings"]) == browser_settings()
    assert box["data-text-dark"] and box["data-text-blurred"] and box["data-text-no-page"]
    assert check.message_hidden  # nothing shown without the script
    assert "js/photo_check.js" in html


def test_adding_files_to_a_prescription_checks_its_photos(client, alice):
    record = HealthRecordFactory(patient=alice, author=alice, kind="prescription")
    client.force_login(alice)
    html = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()

    assert photo_check(html).box["data-kind"] == "prescription"
