import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format

from health_records.models import HealthRecord, RecordKind

register = template.Library()


@register.filter
def record_kind_labels(kinds) -> str:
    """Stored kinds ("imaging", "photo") as the reader's words ("Imagerie, Photo"): the values are codes."""
    labels = dict(RecordKind.choices)
    return ", ".join(str(labels.get(kind, kind)) for kind in kinds)


@register.filter
def record_field_label(name: str) -> str:
    """A field named in a record's history ("clinical_date"), as the reader calls it ("date")."""
    try:
        return str(HealthRecord._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@register.filter
def record_change_value(value, name: str):
    """A value kept in a record's history, written for the reader: a kind's label, a date, a list of tags."""
    if name == "kind":
        return dict(RecordKind.choices).get(value, value)
    if name == "clinical_date" and value:
        return date_format(datetime.date.fromisoformat(value))
    if isinstance(value, list):
        return ", ".join(value)
    return value
