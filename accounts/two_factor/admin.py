"""The second factor in the admin: its status on each user's page, the staff reset with its reason, and the
history of changes (read only)."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import SecondFactorEvent, User
from accounts.two_factor import policy, services
from accounts.two_factor.forms import StaffResetForm
from relyfe.abuse import client_address
from relyfe.admin import ReadOnlyAdmin


class SecondFactorAdminMixin:
    """For UserAdmin: a "second factor" line with the reset link, and the reset page."""

    @admin.display(description=_("second factor"))
    def second_factor(self, user):
        if user.pk is None:
            return "-"
        methods = policy.methods_of(user)
        if not methods:
            return gettext("No second factor")
        url = reverse("admin:accounts_user_second_factor_reset", args=[user.pk])
        return format_html('{} — <a href="{}">{}</a>', ", ".join(methods), url, gettext("Reset…"))

    def get_urls(self):
        reset = path(
            "<int:user_id>/second-factor/reset/",
            self.admin_site.admin_view(self.second_factor_reset_view),
            name="accounts_user_second_factor_reset",
        )
        return [reset, *super().get_urls()]

    def second_factor_reset_view(self, request, user_id):
        user = get_object_or_404(User, pk=user_id)
        if not self.has_change_permission(request, user):
            return redirect("admin:index")
        form = StaffResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            count = services.second_factor_reset_by_staff(
                actor=request.user, user=user, reason=form.cleaned_data["reason"], address=client_address(request)
            )
            self.message_user(
                request,
                gettext("%(count)d second-factor device removed; %(name)s is told and must set one up again.")
                % {"count": count, "name": user.full_name},
                messages.SUCCESS,
            )
            return redirect("admin:accounts_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reset the second factor of %(name)s") % {"name": user.full_name},
            "form": form,
            "account": user,
            "methods": policy.methods_of(user),
            "opts": self.model._meta,
        }
        return render(request, "admin/accounts/second_factor_reset.html", context)


@admin.register(SecondFactorEvent)
class SecondFactorEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "change", "actor", "reason", "address"]
    list_filter = ["change"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__email", "user__phone", "user__last_name", "reason"]
    fields = ["public_id", "user", "change", "actor", "reason", "address", "created_at", "notified_at"]
    readonly_fields = fields
