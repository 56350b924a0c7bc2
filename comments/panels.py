"""What comments adds to health_records' pages; registered in CommentsConfig.ready() (health_records/panels.py
says why the pages ask rather than import)."""

from django.utils.html import format_html
from django.utils.translation import ngettext

from comments import selectors, services
from comments.discussion import discussion_context


def timeline_unread(*, request, patient, access, records) -> dict:
    """The "new comments" badges of a page of the timeline: all its records counted in one go, through the
    access the timeline was given (asking the policy again would cost its queries twice)."""
    counts = selectors.unread_counts(user=request.user, records=records, access=access)
    badge = ' <span class="badge badge--unread">{}</span>'
    label = "%(count)s new comment", "%(count)s new comments"
    return {
        "record_badges": {
            pk: format_html(badge, ngettext(*label, count) % {"count": count}) for pk, count in counts.items() if count
        }
    }


def record_discussion(*, request, record, access) -> dict:
    """The record page's discussion. Being shown the comments is reading them: they are marked read once
    the discussion (with what is new in it) is prepared."""
    context = discussion_context(viewer=request.user, record=record, access=access)
    services.comments_mark_read(user=request.user, record=record)
    return context
