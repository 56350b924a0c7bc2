"""How lab values read on the pages: the number as the laboratory wrote it (no trailing zeros of the
stored four decimals), in the reader's language ("7,1" in French)."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def lab_number(value) -> str:
    """12.5000 -> "12,5" (French) or "12.5"; 140.0000 -> "140"; None -> ""."""
    if value is None or value == "":
        return ""
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):  # not a finite number: nothing to format
        return str(value)
    if exponent > 0:
        number = number.quantize(Decimal(1))
    return number_format(number, decimal_pos=max(0, -exponent))
