import zoneinfo

from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class UserTimeZoneMiddleware:
    """Shows dates in the signed-in user's own time zone; storage stays in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """No cache keeps what a signed-in person or an API client was shown: a shared computer's browser
    history, a proxy or the back button after signing out would show health data to the next person.
    Each response to an authenticated request, and every API response (a token is only known once DRF
    reads it, inside the view), says `Cache-Control: no-store, private`. Static files are served by
    WhiteNoise before this middleware is reached, so they keep their long cache lifetime."""

    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(self.API_PREFIX):
            add_never_cache_headers(response)
        return response
