from django import template

from health_records.models import RecordKind

register = template.Library()


@register.filter
def record_kind_labels(kinds) -> str:
    """Stored kinds ("imaging", "photo") as the reader's words ("Imagerie, Photo"): the values are codes."""
    labels = dict(RecordKind.choices)
    return ", ".join(str(labels.get(kind, kind)) for kind in kinds)
