from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import (
    PreferencesForm,
    PushEndpointForm,
    PushSubscriptionForm,
    QuietHoursForm,
    push_subscription_data,
)
from notifications.models import is_relative_url
from notifications.webpush import vapid_keys
from relyfe.offline import service_worker_settings

PAGE_SIZE = 30
# The worker is registered from the site's root: a worker only controls the pages under its own path.
SERVICE_WORKER_URL = "/service-worker.js"


@login_required
@require_GET
@never_cache
def notification_list(request):
    notifications = selectors.notifications_for_user(user=request.user).select_related("actor")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "has_unread": selectors.unread_count(user=request.user) > 0}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
@never_cache
def notification_open(request, notification_id):
    """Marks the notification read and follows its link. The link only ever leads within this site, so
    that a stored notification cannot send the user elsewhere."""
    notification = selectors.notification_get_for_user(user=request.user, public_id=notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    if notification.url and is_relative_url(notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
@never_cache
def notification_delivery_retry(request, notification_id):
    """The "Try again" of an e-mail or a push that failed: sent again, from the start."""
    notification = selectors.notification_get_for_user(user=request.user, public_id=notification_id)
    services.notification_delivery_retry(actor=request.user, notification=notification)
    messages.success(request, _("It will be sent again in a moment."))
    return redirect("notifications:list")


@login_required
@require_POST
@never_cache
def notifications_mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def preferences(request):
    data = request.POST or None
    form = PreferencesForm(data, current=selectors.preferences_for_user(user=request.user))
    current_settings = selectors.notification_settings_for_user(user=request.user)
    quiet_hours_form = QuietHoursForm(
        data, initial={"quiet_start": current_settings.quiet_start, "quiet_end": current_settings.quiet_end}
    )
    if request.method == "POST" and form.is_valid() and quiet_hours_form.is_valid():
        services.preferences_update(actor=request.user, values=form.values())
        services.quiet_hours_update(
            actor=request.user,
            start=quiet_hours_form.cleaned_data["quiet_start"],
            end=quiet_hours_form.cleaned_data["quiet_end"],
        )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    keys = vapid_keys()
    context = {
        "form": form,
        "quiet_hours_form": quiet_hours_form,
        "vapid_public_key": keys.public if keys else "",
        "service_worker_url": SERVICE_WORKER_URL,
    }
    return render(request, "notifications/preferences.html", context)


@login_required
@require_POST
@never_cache
def push_subscribe(request):
    """Stores this browser's push subscription (JSON from `PushSubscription.toJSON()`)."""
    form = PushSubscriptionForm(push_subscription_data(_json_body(request)))
    if not form.is_valid():
        return _errors(form.errors)
    try:
        services.push_subscription_save(
            actor=request.user, user_agent=request.headers.get("User-Agent", ""), **form.cleaned_data
        )
    except ValidationError as error:
        return _errors(error.message_dict)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
@never_cache
def push_unsubscribe(request):
    form = PushEndpointForm(push_subscription_data(_json_body(request)))
    if not form.is_valid():
        return _errors(form.errors)
    services.push_subscription_delete(actor=request.user, endpoint=form.cleaned_data["endpoint"])
    # The same answer whether there was one or not: it tells nothing about other users' devices.
    return JsonResponse({"subscribed": False})


def _json_body(request) -> bytes:
    """The body of a JSON request; nothing for any other kind (a form's body is already parsed, by the CSRF
    check or the uploads middleware, and can no longer be read raw): the form then reports what is missing."""
    return request.body if request.content_type == "application/json" else b""


def _errors(errors) -> JsonResponse:
    """{"errors": {field: [message, …]}}, from a form's errors or a model's ValidationError."""
    messages_by_field = {
        field: [str(message) for message in field_messages] for field, field_messages in errors.items()
    }
    return JsonResponse({"errors": messages_by_field}, status=400)


@require_GET
def service_worker(request):
    """The service worker script, from the static files but served by a view, so that it may take the
    whole site as its scope (Service-Worker-Allowed) and be checked for updates at every visit."""
    path = finders.find("js/service-worker.js")
    if path is None:
        raise Http404
    script = service_worker_settings().encode() + Path(path).read_bytes()
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
