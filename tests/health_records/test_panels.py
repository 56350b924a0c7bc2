"""health_records/panels.py: the features above health_records draw their parts of its pages through it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from health_records import panels


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(panels, "_contributors", {panels.TIMELINE: [], panels.RECORD: []})


def test_the_contributors_parts_make_one_context_and_registering_twice_changes_nothing(empty_registry):
    def badges(*, record):
        return {"unread": record}

    panels.register(panels.RECORD, badges)
    panels.register(panels.RECORD, badges)
    panels.register(panels.RECORD, lambda *, record: {"treatments": [record]})

    assert panels.context_for(panels.RECORD, record="r") == {"unread": "r", "treatments": ["r"]}
    assert panels.context_for(panels.TIMELINE) == {}


def test_two_contributors_giving_the_same_key_is_a_configuration_error(empty_registry):
    panels.register(panels.TIMELINE, lambda **page: {"unread": {}})
    panels.register(panels.TIMELINE, lambda **page: {"unread": {}})

    with pytest.raises(ImproperlyConfigured, match="unread"):
        panels.context_for(panels.TIMELINE)
