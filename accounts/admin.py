from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.template.defaultfilters import date as date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import services, throttling, tokens
from accounts.forms import IdentifiersFormMixin
from accounts.models import ApiToken, Passkey, PatientProfile, ProfessionalProfile, User
from accounts.two_factor.admin import SecondFactorAdminMixin
from accounts.validators import rpps_checksum_is_valid
from relyfe.admin import ReadOnlyAdmin
from relyfe.identifiers import parse_phone

VERIFICATION_FIELDS = ["verified", "verification", "verification_override_reason"]
OVERRIDE_FIELDS = ["verify_anyway", "override_reason"]


class PhoneSearchMixin:
    """The search box finds a phone number in any form people write it ("06 12 34 56 78",
    "0033612345678"…), though it is stored in E.164: the term is read as the sign-in page reads it."""

    phone_search_field: str

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = _phone_in(search_term)
        if phone:
            results |= queryset.filter(**{self.phone_search_field: phone})
        return results, may_have_duplicates


def _phone_in(search_term: str) -> str | None:
    if not any(character.isdigit() for character in search_term):
        return None
    try:
        return parse_phone(search_term)
    except ValidationError:
        return None


def verification_summary(profile: ProfessionalProfile) -> str:
    """Who verified the professional and when, and whether it was an exception to the RPPS check."""
    if not profile.verified:
        return gettext("Not verified.")
    verified = {
        "date": date_format(profile.verified_at, "j F Y, H:i"),
        "name": profile.verified_by.full_name if profile.verified_by else gettext("unknown"),
    }
    if profile.verification_override_reason:
        return gettext("Verified on %(date)s by %(name)s without a valid RPPS number.") % verified
    return gettext("Verified on %(date)s by %(name)s.") % verified


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
    exclude = ["verified_at", "verified_by"]
    readonly_fields = VERIFICATION_FIELDS

    @admin.display(description=_("verification"))
    def verification(self, profile):
        return verification_summary(profile)


@admin.register(User)
class UserAdmin(SecondFactorAdminMixin, PhoneSearchMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationForm
    ordering = ["last_name", "first_name"]
    list_display = ["__str__", "email", "phone", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "professional_profile__verified"]
    search_fields = ["first_name", "last_name", "email", "phone", "professional_profile__rpps"]
    readonly_fields = ["public_id", "date_joined", "last_login", "second_factor"]
    fieldsets = [
        (None, {"fields": ["public_id", "role", "email", "phone", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "time_zone", "language"]}),
        (_("Access"), {"fields": ["is_active", "second_factor", "is_superuser", "groups", "user_permissions"]}),
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
    phone_search_field = "phone"
    actions = ["unlock_sign_in", "revoke_api_tokens"]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if obj.is_patient:
            return [PatientProfileInline]
        if obj.is_professional:
            return [ProfessionalProfileInline]
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and any(throttling.is_account_locked(value) for value in (obj.email, obj.phone) if value):
            messages.warning(
                request,
                gettext(
                    "Sign-in to this account is locked after failed attempts. Use “Unlock sign-in” in the list "
                    "of users once you know the person is the account's owner."
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("Unlock sign-in"))
    def unlock_sign_in(self, request, queryset):
        users = list(queryset)
        for user in users:
            services.user_unlock_sign_in(actor=request.user, user=user)
        self.message_user(
            request,
            ngettext(
                "Sign-in unlocked for %(count)d account: its owner may sign in again now.",
                "Sign-in unlocked for %(count)d accounts: their owners may sign in again now.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Sign out every app (revoke API tokens)"))
    def revoke_api_tokens(self, request, queryset):
        users = list(queryset)
        count = sum(tokens.api_tokens_revoke_by_staff(actor=request.user, user=user) for user in users)
        self.message_user(
            request,
            ngettext(
                "%(count)d API token revoked; the owners are told by e-mail.",
                "%(count)d API tokens revoked; the owners are told by e-mail.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """The devices signed in to the API, to see; revoking is the users list's action, which tells the owner."""

    list_display = [
        "device_name",
        "user",
        "created_at",
        "last_used_at",
        "last_used_address",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_reason"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__phone", "user__last_name", "device_name"]
    fields = [
        "public_id",
        "user",
        "device_name",
        "user_agent",
        "created_at",
        "created_address",
        "last_used_at",
        "last_used_address",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
    ]
    readonly_fields = fields


class ProfessionalProfileAdminForm(forms.ModelForm):
    """The profile, and the one way to verify a professional whose RPPS number is missing or fails its key:
    "verify anyway" with the reason (normal verification is the list's one-step action)."""

    verify_anyway = forms.BooleanField(
        label=_("Verify anyway"),
        required=False,
        help_text=_("Only after checking the professional otherwise: the reason is kept on the profile."),
    )
    override_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “Checked in the Order of Nurses' register, number 123456, on the phone.”"),
    )

    class Meta:
        model = ProfessionalProfile
        fields = [
            "user",
            "profession",
            "specialty",
            "rpps",
            "practice_address",
            "city",
            "practice_phone",
            "listed",
            "specialty_public",
            "city_public",
            "practice_address_public",
            "practice_phone_public",
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("verify_anyway"):
            return cleaned
        if not cleaned.get("override_reason", "").strip():
            self.add_error("override_reason", services.OVERRIDE_REASON_REQUIRED)
        rpps = cleaned.get("rpps", self.instance.rpps)
        if rpps and rpps_checksum_is_valid(rpps):
            self.add_error("verify_anyway", services.RPPS_NEEDS_NO_OVERRIDE)
        return cleaned


@admin.register(ProfessionalProfile)
class ProfessionalProfileAdmin(PhoneSearchMixin, admin.ModelAdmin):
    form = ProfessionalProfileAdminForm
    list_display = ["user", "profession", "specialty", "rpps", "rpps_checksum", "city", "verified", "exception"]
    list_filter = ["verified", "profession"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "user__phone", "rpps", "city"]
    list_select_related = ["user"]
    readonly_fields = VERIFICATION_FIELDS
    actions = ["verify"]
    phone_search_field = "user__phone"

    @admin.display(boolean=True, description=_("RPPS key valid"))
    def rpps_checksum(self, profile):
        return profile.rpps_checksum_is_valid

    @admin.display(boolean=True, description=_("verified without a valid RPPS number"))
    def exception(self, profile):
        return bool(profile.verification_override_reason) if profile.verified else None

    @admin.display(description=_("verification"))
    def verification(self, profile):
        return verification_summary(profile)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj else fields

    def get_fields(self, request, obj=None):
        shown_last = VERIFICATION_FIELDS + OVERRIDE_FIELDS
        fields = [field for field in super().get_fields(request, obj) if field not in shown_last]
        override = OVERRIDE_FIELDS if obj and not obj.verified and not obj.rpps_is_checked else []
        return [*fields, *VERIFICATION_FIELDS, *override]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A failed Luhn key is not a refusal (some real numbers fail it) but staff must see it.
        if obj is not None and obj.rpps_checksum_is_valid is False:
            messages.warning(
                request,
                _("The RPPS number %(rpps)s fails its Luhn check: verify it in the RPPS directory.")
                % {"rpps": obj.rpps},
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("verify_anyway"):
            services.professional_verify_anyway(
                actor=request.user, profile=obj, reason=form.cleaned_data["override_reason"]
            )

    @admin.action(description=_("Mark the selected professionals as verified"))
    def verify(self, request, queryset):
        profiles = list(queryset)
        count = services.professionals_verify(actor=request.user, profiles=profiles)
        self.message_user(
            request,
            ngettext("%(count)d professional verified.", "%(count)d professionals verified.", count) % {"count": count},
            messages.SUCCESS,
        )
        unchecked = sum(1 for profile in profiles if not profile.rpps_is_checked and not profile.verified)
        if unchecked:
            self.message_user(
                request,
                ngettext(
                    "%(count)d professional was not verified: no RPPS number, or one that fails its key. Open "
                    "the profile to verify anyway, with the reason.",
                    "%(count)d professionals were not verified: no RPPS number, or one that fails its key. Open "
                    "each profile to verify anyway, with the reason.",
                    unchecked,
                )
                % {"count": unchecked},
                messages.WARNING,
            )


@admin.register(Passkey)
class PasskeyAdmin(ReadOnlyAdmin):
    """Staff see an account's passkeys; they remove none here: a lost one goes with the second-factor reset of the
    user's page, which asks for a reason, is recorded and tells the owner."""

    list_display = ["label", "owner", "added_on", "last_used"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "name"]
    fields = ["label", "owner", "added_on", "last_used"]
    readonly_fields = fields

    @admin.display(description=_("name"))
    def label(self, passkey):
        return passkey.name

    @admin.display(description=_("user"))
    def owner(self, passkey):
        return passkey.user

    @admin.display(description=_("added on"))
    def added_on(self, passkey):
        return passkey.created_at

    @admin.display(description=_("last used"))
    def last_used(self, passkey):
        return passkey.last_used_at
