from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from erasure import services
from erasure.models import AccountDeletion


class StaffErasureAdminForm(forms.ModelForm):
    """Staff erase a patient's account on the patient's request: the patient, and why (required)."""

    user = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.PATIENT, is_active=True),
        label=_("Patient"),
        widget=forms.TextInput,
        to_field_name="public_id",
        help_text=_("The patient's public id, from their page in the administration."),
    )

    class Meta:
        model = AccountDeletion
        fields = ["user", "reason"]
        help_texts = {
            "reason": _("How the patient asked (letter, call, e-mail and its date). Not their name nor their address.")
        }

    def validate_unique(self):
        """A deletion the patient asked for and that waits for its grace period is made immediate by the service,
        not refused as a second deletion of the account."""

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the account is erased."))
        return reason


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    """The deletions, read only; adding one is staff's erasure on the patient's request, at once (see
    erasure.services.account_erase_on_request). The list is the record of who erased which account and why."""

    list_display = ["__str__", "requested_at", "erase_after", "by_staff", "cancelled_at", "erased_at"]
    list_filter = ["erased_at", "cancelled_at"]
    readonly_fields = [
        "public_id",
        "user",
        "requested_at",
        "erase_after",
        "requested_by",
        "reason",
        "reminder_sent_at",
        "cancelled_at",
        "erased_at",
    ]

    @admin.display(boolean=True, description=_("by staff"))
    def by_staff(self, deletion):
        return deletion.by_staff

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StaffErasureAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["user", "reason"]

    def save_model(self, request, obj, form, change):
        deletion = services.account_erase_on_request(
            actor=request.user, user=form.cleaned_data["user"], reason=form.cleaned_data["reason"]
        )
        obj.pk, obj.public_id = deletion.pk, deletion.public_id
        messages.warning(request, _("The account is being erased."))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
