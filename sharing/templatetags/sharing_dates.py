from datetime import time, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def until(moment):
    """An end chosen as a day is stored as the next midnight (access lasts through that day): it shows as
    the day itself, "1 July 2026", not "2 July 2026, 00:00". Any other end shows with its time."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.time() == time.min:
        return date_format(local.date() - timedelta(days=1), "j F Y")
    return date_format(local, "j F Y, H:i")
