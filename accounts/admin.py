from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.forms import IdentifiersFormMixin
from accounts.models import PatientProfile, ProfessionalProfile, User


class UserCreationForm(IdentifiersFormMixin, AdminUserCreationForm):
    instance_user = None

    class Meta:
        model = User
        fields = ["email", "phone", "role", "first_name", "last_name"]


class UserChangeAdminForm(IdentifiersFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance_user = self.instance


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False


class ProfessionalProfileInline(admin.StackedInline):
    model = ProfessionalProfile
    fk_name = "user"
    can_delete = False
    readonly_fields = ["verified", "verified_at", "verified_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationForm
    ordering = ["last_name", "first_name"]
    list_display = ["__str__", "email", "phone", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "professional_profile__verified"]
    search_fields = ["first_name", "last_name", "email", "phone", "professional_profile__rpps"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["public_id", "role", "email", "phone", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "time_zone", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "role",
                    "email",
                    "phone",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ]
            },
        ),
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if obj.is_patient:
            return [PatientProfileInline]
        if obj.is_professional:
            return [ProfessionalProfileInline]
        return []


@admin.register(ProfessionalProfile)
class ProfessionalProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "profession", "specialty", "rpps", "rpps_checksum", "city", "verified"]
    list_filter = ["verified", "profession"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "user__phone", "rpps", "city"]
    list_select_related = ["user"]
    readonly_fields = ["verified", "verified_at", "verified_by"]
    actions = ["verify"]

    @admin.display(boolean=True, description=_("RPPS key valid"))
    def rpps_checksum(self, profile):
        return profile.rpps_checksum_is_valid

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj else fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A failed Luhn key is not a refusal (some real numbers fail it) but staff must see it.
        if obj is not None and obj.rpps_checksum_is_valid is False:
            messages.warning(
                request,
                _("The RPPS number %(rpps)s fails its Luhn check: verify it in the RPPS directory.")
                % {"rpps": obj.rpps},
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("Mark the selected professionals as verified"))
    def verify(self, request, queryset):
        count = services.professionals_verify(actor=request.user, profiles=queryset)
        self.message_user(
            request,
            ngettext("%(count)d professional verified.", "%(count)d professionals verified.", count) % {"count": count},
            messages.SUCCESS,
        )
