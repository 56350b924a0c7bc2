"""Tags of the site's frame (base.html), drawn on every page: what they compute once is kept."""

from functools import cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import capfirst
from django.utils.translation import get_language_info

register = template.Library()


@cache
def _reversed(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def page_url(name: str) -> str:
    """{% page_url 'app:name' %}: the address of a page that takes no argument, as {% url %} writes it,
    reversed once per process, script prefix and URLconf rather than on every page."""
    return _reversed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@register.simple_tag
def language_options() -> list[tuple[str, str]]:
    """The site's languages, each named in itself ("Українська", "العربية"), for the language menu."""
    return _language_options()


@cache
def _language_options() -> list[tuple[str, str]]:
    return [(code, capfirst(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES]
