from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration

from accounts import phone_services, quick_unlock, services, sign_up_services, throttling, tokens, user_sessions
from accounts.forms import (
    AccountForm,
    PatientDetailsForm,
    PatientSignUpForm,
    ProfessionalDetailsForm,
    ProfessionalSignUpForm,
    SignInForm,
)
from accounts.models import Profession, Role
from accounts.phone_forms import IdentifierPasswordResetForm
from accounts.phone_views import password_reset_code_start, too_many_codes_message
from accounts.selectors import directory_search, profile_of
from accounts.two_factor import flow as two_factor_flow
from accounts.two_factor import policy as two_factor_policy
from relyfe import abuse
from relyfe.abuse import client_address, wait_text
from relyfe.offline import KEPT_RECORDS
from relyfe.web import is_htmx, safe_next

BACKEND = "accounts.backends.IdentifierBackend"


def set_language_cookie(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def locked_message(wait: int) -> str:
    return SignInForm.error_messages["locked"] % {"wait": wait_text(wait)}


class SignInView(auth_views.LoginView):
    """The login form; or, in a browser that remembers someone whose session ran out, the lock screen where
    their passkey unlocks the app (accounts.quick_unlock)."""

    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    remembered = None

    def get(self, request, *args, **kwargs):
        if is_htmx(request) and not request.user.is_authenticated:
            return self.whole_page_to_log_in(request)
        self.remembered = quick_unlock.remembered_user(request)
        if self.remembered is None and quick_unlock.COOKIE_NAME in request.COOKIES:
            # Tampered with, too old, or an account gone or without a passkey: the usual form, for good.
            quick_unlock.forget(request)
        return super().get(request, *args, **kwargs)

    def whole_page_to_log_in(self, request):
        """A part of a page asked for after the session ran out (login_required sent it here): the whole page
        goes to log in — or to the lock screen —, and back to that page after, rather than a login form
        in the middle of a page that still looks signed in."""
        page = request.headers.get("HX-Current-URL", "")
        login_url = reverse("accounts:login")
        if page and url_has_allowed_host_and_scheme(page, {request.get_host()}, require_https=request.is_secure()):
            page = urlsplit(page)
            login_url += "?" + urlencode({"next": page.path + (f"?{page.query}" if page.query else "")})
        return HttpResponse(headers={"HX-Redirect": login_url})

    def get_template_names(self):
        return ["accounts/unlock.html"] if self.remembered else super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.remembered:
            wait = throttling.user_wait_seconds(self.remembered)
            context["remembered"] = self.remembered
            context["locked_message"] = locked_message(wait) if wait else ""
            # django-otp-webauthn's script, pointed at the lock screen's own ceremony (accounts.unlock_views).
            context["unlock_configuration"] = get_configuration(
                self.request,
                {
                    "beginAuthenticationUrl": reverse("accounts:unlock_begin"),
                    "completeAuthenticationUrl": reverse("accounts:unlock_complete"),
                },
            )
        return context

    def get_redirect_url(self):
        """Where `next` asks to go after signing in, when it stays on this site ("" sends to the home)."""
        return safe_next(self.request, "")

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_policy.has_second_factor(user):
            # Not signed in yet: the second step (accounts/two_factor/flow.py) finishes it.
            two_factor_flow.pending_start(self.request, user, backend=user.backend, next_url=self.get_success_url())
            return redirect("accounts:second_step")
        response = super().form_valid(form)
        # The interface speaks the user's own language from the first page after sign-in.
        return set_language_cookie(response, form.get_user().language)


def sign_up_choice(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "accounts/sign_up_choice.html")


@require_http_methods(["GET", "POST"])
def sign_up_patient(request):
    return _sign_up(request, PatientSignUpForm, ["birth_date", "sex"], Role.PATIENT)


@require_http_methods(["GET", "POST"])
def sign_up_professional(request):
    extra = ["profession", "specialty", "rpps", "practice_address", "city", "practice_phone"]
    return _sign_up(request, ProfessionalSignUpForm, extra, Role.PROFESSIONAL)


def _sign_up(request, form_class, extra_fields, role):
    """The same answer whether the e-mail or phone is new or has an account (accounts.sign_up_services)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sign_ups = abuse.Limit("sign-ups:address", settings.SIGN_UPS_PER_ADDRESS, 60 * 60)
        if not abuse.hit(sign_ups, client_address(request)):
            return render(request, "accounts/too_many_requests.html", status=429)
        profile_fields = {name: form.cleaned_data[name] for name in extra_fields}
        sign_up_services.sign_up_request(role=role, account_fields=form.account_fields(), profile_fields=profile_fields)
        request.session[SIGN_UP_SENT_TO] = "email" if form.cleaned_data["email"] else "phone"
        return redirect("accounts:sign_up_sent")
    return render(request, "accounts/sign_up.html", {"form": form, "role": role})


SIGN_UP_SENT_TO = "sign_up_sent_to"


def sign_up_sent(request):
    return render(request, "accounts/sign_up_sent.html", {"sent_to": request.session.get(SIGN_UP_SENT_TO, "email")})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up_confirm(request, token):
    """A button to press rather than a GET that makes the account: mail scanners open links too."""
    pending = sign_up_services.pending_sign_up_by_token(token)
    if pending is not None and request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST" and pending is not None:
        try:
            user = sign_up_services.sign_up_confirm(token=token)
        except ValidationError:
            user = None  # a detail taken meanwhile (an RPPS number): the link no longer works
        if user is not None:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to ReLyfe, %(name)s.") % {"name": user.first_name})
            if (
                user.phone
                and not user.phone_is_verified
                and throttling.phone_code_allowed(user.phone, client_address(request))
            ):
                phone_services.phone_verification_request(user=user)
                return set_language_cookie(redirect("accounts:phone_verify"), user.language)
            return set_language_cookie(redirect("home"), user.language)
        pending = None
    status = 200 if pending is not None else 404
    return render(request, "accounts/sign_up_confirm.html", {"pending": pending}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    profile = profile_of(user)
    details_form_class = {"patient": PatientDetailsForm, "professional": ProfessionalDetailsForm}.get(user.role)
    data = request.POST if request.method == "POST" else None
    account_form = AccountForm(data, instance=user, prefix="account")
    details_form = details_form_class(data, instance=profile, prefix="details") if details_form_class else None
    forms_valid = account_form.is_valid() and (details_form is None or details_form.is_valid())
    if request.method == "POST" and forms_valid:
        user_fields = {name: account_form.cleaned_data[name] for name in account_form.Meta.fields}
        profile_fields = (
            {name: details_form.cleaned_data[name] for name in details_form.Meta.fields} if details_form else {}
        )
        services.user_update_profile(actor=user, user=user, user_fields=user_fields, profile_fields=profile_fields)
        messages.success(request, _("Your profile is saved."))
        return set_language_cookie(redirect("accounts:profile"), user.language)
    return render(
        request,
        "accounts/profile.html",
        {
            "account_form": account_form,
            "details_form": details_form,
            "profile": profile,
            "kept_records": KEPT_RECORDS,
        },
    )


@login_required
@require_http_methods(["GET"])
def sessions(request):
    """Your sessions and devices: the browsers and the apps signed in to the account."""
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": user_sessions.user_sessions_of(request.user),
            "current_session_id": user_sessions.current_session_id(request),
            "devices": tokens.api_tokens_of(request.user),
        },
    )


@login_required
@require_http_methods(["POST"])
def session_end(request, session_id):
    """Signs one of the user's browsers out (a computer left signed in, a lost phone)."""
    session = user_sessions.user_session_get_for_user(user=request.user, public_id=session_id)
    user_sessions.user_session_end(actor=request.user, session=session)
    messages.success(request, _("“%(device)s” is signed out.") % {"device": session.device})
    return redirect(reverse("accounts:sessions") + "#browsers")


@login_required
@require_http_methods(["POST"])
def sessions_end_others(request):
    """Signs out every other browser and every app: this browser stays signed in."""
    ended, revoked = user_sessions.sign_out_everywhere_else(
        actor=request.user, current_session_id=user_sessions.current_session_id(request)
    )
    messages.success(
        request,
        ngettext(
            "Signed out everywhere else: %(count)d browser or app.",
            "Signed out everywhere else: %(count)d browsers or apps.",
            ended + revoked,
        )
        % {"count": ended + revoked},
    )
    return redirect("accounts:sessions")


@login_required
@require_http_methods(["POST"])
def device_revoke(request, token_id):
    """Signs one of the user's apps out (a lost phone, an app no longer used)."""
    token = tokens.api_token_get_for_user(user=request.user, public_id=token_id)
    tokens.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("“%(device)s” is signed out.") % {"device": token.device_name or _("Older app")})
    return redirect(reverse("accounts:sessions") + "#devices")


@login_required
@require_http_methods(["POST"])
def devices_revoke_all(request):
    count = tokens.api_tokens_revoke_all(actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d app is signed out.", "%(count)d apps are signed out.", count) % {"count": count},
    )
    return redirect(reverse("accounts:sessions") + "#devices")


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password signs out every other browser and every app (accounts.models.User.save); this browser
    stays signed in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        with transaction.atomic():
            response = super().form_valid(form)
            user_sessions.user_session_keep_after_password_change(
                user=form.user, current_session_id=user_sessions.current_session_id(self.request)
            )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail; a phone number given instead goes on to a code sent by text message."""

    form_class = IdentifierPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if form.phone is None:
            if not throttling.password_reset_mail_allowed(form.cleaned_data["email"], client_address(self.request)):
                # The same page as a sent e-mail: refusing would tell that the address has an account.
                return redirect(self.get_success_url())
            return super().form_valid(form)
        if not throttling.phone_code_allowed(form.phone, client_address(self.request)):
            form.add_error(None, too_many_codes_message())
            return self.form_invalid(form)
        return password_reset_code_start(self.request, form.phone)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class DirectoryForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or specialty"), required=False, max_length=100)
    profession = forms.ChoiceField(
        label=gettext_lazy("Profession"), required=False, choices=[("", gettext_lazy("All")), *Profession.choices]
    )
    city = forms.CharField(label=gettext_lazy("City"), required=False, max_length=100)


@login_required
@require_http_methods(["GET"])
def directory(request):
    """The directory of professionals, for members: what each professional chose to make public."""
    form = DirectoryForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    professionals = directory_search(
        query=criteria.get("q", ""), profession=criteria.get("profession", ""), city=criteria.get("city", "")
    )
    page = Paginator(professionals, 25).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "accounts/directory.html",
        {"form": form, "page": page, "query_without_page": query_without_page.urlencode()},
    )


class SignOutView(auth_views.LogoutView):
    """Signing out also wipes what the app kept on this device: the saved doses page and emergency card, the
    answers waiting to be sent, the service worker. The page's script does it first (static/js/app.js); this
    header is for a browser where the script could not run."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
