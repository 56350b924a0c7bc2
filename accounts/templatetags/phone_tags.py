from django import template
from django.utils.translation import get_language_bidi

register = template.Library()


@register.filter
def unbroken(phone: str) -> str:
    """A displayed phone number whose groups stay on one line: "06 12" then "34 56 78" on the next
    line of a phone's screen reads as two numbers. In a right-to-left language it is also isolated as
    left-to-right text (Unicode's LRI … PDI, which work in a page, a message and an SMS alike): otherwise
    "+33 6 12 34 56 78" is laid out from the right and its groups come out in the wrong order."""
    number = phone.replace(" ", "\N{NO-BREAK SPACE}")
    if get_language_bidi():
        return f"\N{LEFT-TO-RIGHT ISOLATE}{number}\N{POP DIRECTIONAL ISOLATE}"
    return number
