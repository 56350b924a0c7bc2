from django import template

register = template.Library()


@register.filter
def unbroken(phone: str) -> str:
    """A displayed phone number whose groups stay on one line: "06 12" then "34 56 78" on the next
    line of a phone's screen reads as two numbers."""
    return phone.replace(" ", "\N{NO-BREAK SPACE}")
