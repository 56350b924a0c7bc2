"""The calendar feed: the public `.ics` behind a token, and the section of the reminder settings page that
makes, names and revokes it. The URL is shown once, on the page that answers its creation: it is never
stored, so it cannot be shown again."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from relyfe import abuse
from treatments import calendar_services, selectors
from treatments.calendar_feed import calendar_feed_by_token, calendar_feed_of, calendar_of
from treatments.forms import ReminderSettingsForm

# Like a wrong share-link token (sharing.public_views): wrong feed tokens count against the client's address
# in the same budget, so that guessing here is no cheaper than there.
TOKEN_GUESSES_WINDOW_SECONDS = 10 * 60
# Calendar apps poll; a few minutes in the device's own cache spares the server, and nothing shared keeps it.
FEED_CACHE_SECONDS = 5 * 60


def feed_urls(request, token: str) -> dict[str, str]:
    url = request.build_absolute_uri(reverse("treatments:calendar_feed", args=[token]))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def section(request, new_urls: dict[str, str] | None = None) -> dict:
    """The context of the settings page's calendar section."""
    return {"calendar_feed": calendar_feed_of(patient=request.user), "calendar_urls": new_urls}


def _settings_page(request, new_urls=None):
    form = ReminderSettingsForm(instance=selectors.reminder_settings_of(patient=request.user))
    return render(request, "treatments/reminder_settings.html", {"form": form, **section(request, new_urls)})


@require_GET
def calendar_feed(request, token):
    feed = calendar_feed_by_token(token)
    if feed is None:
        guesses = abuse.Limit("token-guesses:address", settings.TOKEN_GUESSES_PER_ADDRESS, TOKEN_GUESSES_WINDOW_SECONDS)
        response = HttpResponse(status=404 if abuse.hit(guesses, abuse.client_address(request)) else 429)
    else:
        calendar_services.calendar_feed_read(feed=feed, request=request)
        response = HttpResponse(calendar_of(feed), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="relyfe.ics"'
        response["Cache-Control"] = f"private, max-age={FEED_CACHE_SECONDS}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _patient_only(request):
    if not request.user.is_patient:
        raise Http404


@login_required
@require_POST
@never_cache
def calendar_feed_create(request):
    """Makes the feed (or a new URL for it, which ends the old one) and shows its URL, once."""
    _patient_only(request)
    in_force = calendar_feed_of(patient=request.user)
    show_names = in_force.show_drug_names if in_force is not None else request.POST.get("show_drug_names") == "on"
    created = calendar_services.calendar_feed_create(
        actor=request.user, patient=request.user, show_drug_names=show_names, request=request
    )
    return _settings_page(request, feed_urls(request, created.token))


@login_required
@require_POST
def calendar_feed_names(request):
    _patient_only(request)
    show_names = request.POST.get("show_drug_names") == "on"
    if calendar_services.calendar_feed_set_names(
        actor=request.user, patient=request.user, show_drug_names=show_names, request=request
    ):
        messages.success(
            request,
            _("Your calendar now shows the names of your medications.")
            if show_names
            else _("Your calendar no longer shows the names of your medications."),
        )
    return redirect("treatments:settings")


@login_required
@require_POST
def calendar_feed_revoke(request):
    _patient_only(request)
    if calendar_services.calendar_feed_revoke(actor=request.user, patient=request.user, request=request):
        messages.success(request, _("The calendar address no longer works."))
    return redirect("treatments:settings")
