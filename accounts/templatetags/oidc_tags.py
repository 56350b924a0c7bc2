from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def oidc_provider_label() -> str:
    """The name of the OpenID Connect provider to offer on the login page; "" while the feature is off."""
    return settings.OIDC_PROVIDER_LABEL if settings.OIDC_ENABLED else ""
