"""The parts of health_records' pages that other features draw: on the timeline, the "new comments" badges
and the link to the treatments; on a record's page, its discussion and a prescription's treatments and
readings.

Those features (comments, treatments) sit above health_records in the layers: health_records may not import
them. So each registers a *contributor* for a page here, in its AppConfig.ready(), and the view, once it
has built its own context, asks `context_for(page, ...)` for theirs. The templates are the same, with the
same keys, and nothing is asked twice.

Why a registry rather than inclusion tags that comments and treatments would offer to the templates:
- batch queries stay batch: the timeline's unread counts are one question for the whole page of records,
  where a tag drawn per record would ask once per record;
- a record's comments are marked read when its page shows them: a write, which the view makes, not a
  template;
- the pages, their context and their query counts stay as they were.

A contributor takes keyword arguments and returns a dict that goes into the page's context:
- TIMELINE: `(*, request, patient, access, records)`; `records` is the list of the page's records; the key
  `record_badges` ({record pk: markup}) is drawn after each record's title (the "new comments" badge);
- RECORD: `(*, request, record, access)`, after the view checked that `request.user` may see `record`.
They run in the order they were registered (the order of INSTALLED_APPS); two may not give the same key.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TIMELINE = "timeline"
RECORD = "record"

Contributor = Callable[..., dict[str, Any]]

_contributors: dict[str, list[Contributor]] = {TIMELINE: [], RECORD: []}


def register(page: str, contributor: Contributor) -> None:
    """Adds `contributor` to `page` (TIMELINE or RECORD); registering it again changes nothing."""
    if contributor not in _contributors[page]:
        _contributors[page].append(contributor)


def context_for(page: str, **arguments: Any) -> dict[str, Any]:
    """What the registered features add to `page`'s context, given the page's `arguments`."""
    context: dict[str, Any] = {}
    for contributor in _contributors[page]:
        part = contributor(**arguments)
        if clash := context.keys() & part.keys():
            raise ImproperlyConfigured(f"Two contributors to the {page} page give {sorted(clash)}.")
        context |= part
    return context
