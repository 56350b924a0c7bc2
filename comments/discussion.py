"""The discussion of a record as its templates show it: the record page and a share link's record page
add `discussion_context` to their own context and include "comments/_discussion.html"."""

from django.urls import reverse
from django.utils import timezone

from access import policy
from access.policy import Action
from comments import selectors
from comments.forms import CommentForm


def page_url(record, *, link_holder: bool) -> str:
    return _urls(record, link_holder=link_holder)["page_url"]


def _urls(record, *, link_holder: bool) -> dict:
    if link_holder:
        return {
            "thread_url": reverse("comments:link_thread", args=[record.public_id]),
            "create_url": reverse("comments:link_create", args=[record.public_id]),
            "page_url": reverse("sharing:link_record", args=[record.public_id]),
        }
    return {
        "thread_url": reverse("comments:thread", args=[record.public_id]),
        "create_url": reverse("comments:create", args=[record.public_id]),
        "page_url": reverse("health_records:detail", args=[record.public_id]),
    }


def new_form(viewer, record, access, data=None) -> CommentForm:
    for_professionals = policy.sees_professional_comments(viewer, access)
    return CommentForm(data, record=record, for_professionals=for_professionals)


def discussion_context(*, viewer, record, access, form=None, link_holder: bool = False) -> dict:
    """What the discussion templates need; the record page adds it to its own context. `access` is the
    policy's answer for `viewer` on `record`."""
    can_comment = access.can(Action.COMMENT)
    return {
        "record": record,
        "comments": selectors.record_thread(user=viewer, record=record, access=access),
        "comment_form": (form or new_form(viewer, record, access)) if can_comment else None,
        "can_comment": can_comment,
        "viewer_id": viewer.pk if viewer.is_authenticated else None,
        "link_holder": link_holder,
        "now": timezone.now(),
        **_urls(record, link_holder=link_holder),
    }
