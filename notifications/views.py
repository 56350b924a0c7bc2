from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.models import is_relative_url

PAGE_SIZE = 30


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
def notifications_mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def preferences(request):
    form = PreferencesForm(request.POST or None, current=selectors.preferences_for_user(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_update(actor=request.user, values=form.values())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
