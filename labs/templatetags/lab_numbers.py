from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def lab_number(value: Decimal | None) -> str:
    """A stored value as the report printed it: no trailing zeros ("6,8", not "6,8000"), in the reader's
    language's decimal separator."""
    if value is None:
        return ""
    value = Decimal(value)
    shown = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(shown)
