"""Face identification pages: the patient's own consent and enrolment, the professional's identification
by photo with its results, enrolment of a patient under recorded consent, the quick account for an
unknown patient, and the demonstration page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from faces import confirmation, selectors, services
from faces.engine.base import FaceProblem
from faces.forms import (
    AccessRequestForm,
    CandidateConfirmationForm,
    ConfirmationFactorForm,
    DemoCompareForm,
    DemoEnrolForm,
    IdentifyForm,
    OwnEnrolmentForm,
    PatientEnrolmentForm,
    QuickAccountForm,
)
from faces.models import CONSENT_TEXT_VERSION, ConfirmationFactor
from faces.services import PhotosRefused
from relyfe.undo import offer_undo
from relyfe.web import absolute_url


def _identifying_professional(request):
    if not policy.may_identify_faces(request.user):
        raise Http404
    return request.user


def _add_error(form, error: FaceProblem | ValidationError | PermissionDenied) -> None:
    if isinstance(error, PhotosRefused):
        form.add_photo_problems(error.problems)
    elif isinstance(error, FaceProblem):
        form.add_error("photo", str(error.message))
    elif isinstance(error, ValidationError):
        for message in error.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(error) or _("You may not do this."))


# --- The patient's own face -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def mine(request):
    status = selectors.own_face_status(user=request.user)
    form = OwnEnrolmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.face_consent_give(actor=request.user, patient=request.user, request=request)
            services.face_enrol_photos(
                actor=request.user,
                patient=request.user,
                images=[image for _name, image in form.photos()],
                request=request,
            )
        except (FaceProblem, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Your face is enrolled. You can withdraw it at any time."))
            return redirect("faces:mine")
    return render(
        request,
        "faces/mine.html",
        {
            "status": status,
            "form": form,
            "factor_form": _factor_form(status),
            "consent_version": CONSENT_TEXT_VERSION,
        },
    )


def _factor_form(status, data=None) -> ConfirmationFactorForm | None:
    if status.consent is None:
        return None
    return ConfirmationFactorForm(
        data, patient=status.consent.patient, initial={"confirm_with": status.consent.confirm_with}
    )


@login_required
@require_POST
def confirm_with(request):
    """The patient chooses what a professional asks them for before a face match names them."""
    status = selectors.own_face_status(user=request.user)
    form = _factor_form(status, request.POST)
    if form is None:
        return redirect("faces:mine")
    if form.is_valid():
        try:
            services.face_confirmation_factor_choose(
                actor=request.user,
                patient=request.user,
                factor=ConfirmationFactor(form.cleaned_data["confirm_with"]),
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved: a professional who finds you by your face will ask you for this."))
    else:
        messages.error(request, _("Choose one of the ways offered."))
    return redirect("faces:mine")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def withdraw(request):
    """GET asks to confirm; POST withdraws, with an undo for a few seconds before the templates are erased."""
    status = selectors.own_face_status(user=request.user)
    if status.consent is None:
        return redirect("faces:mine")
    if request.method == "GET":
        return render(request, "faces/confirm_withdraw.html", {"status": status})
    services.face_consent_withdraw(actor=request.user, patient=request.user, request=request)
    offer_undo(
        request,
        _("Consent withdrawn: nobody can find you by your face. Your face templates are deleted in a few seconds."),
        url=reverse("faces:withdraw_undo"),
    )
    return redirect("faces:mine")


@login_required
@require_POST
def withdraw_undo(request):
    selectors.own_face_status(user=request.user)  # patients only
    try:
        services.face_consent_restore(actor=request.user, patient=request.user, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Undone: your face identification is on again."))
    return redirect("faces:mine")


# --- Professionals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def identify(request):
    professional = _identifying_professional(request)
    form = IdentifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            search = services.face_identify(actor=professional, image=form.cleaned_data["photo"], request=request)
        except FaceProblem as problem:
            _add_error(form, problem)
        else:
            return redirect("faces:search", search.public_id)
    return render(request, "faces/identify.html", {"form": form})


@login_required
@require_GET
@never_cache
def search_result(request, search_id):
    professional = _identifying_professional(request)
    search = selectors.face_search_of(user=professional, public_id=search_id)
    return render(
        request,
        "faces/search_result.html",
        {
            "search": search,
            "rows": _candidate_rows(selectors.shown_candidates(user=professional, search=search)),
            "request_form": AccessRequestForm(),
        },
    )


def _candidate_rows(candidates) -> list[dict]:
    """Each candidate with the form asking for its second factor, while it is neither named nor locked."""
    return [
        {
            "candidate": candidate,
            "confirm_form": None
            if candidate.name_shown or candidate.locked
            else CandidateConfirmationForm(factor=candidate.factor, auto_id=f"id_candidate_{candidate.rank}_%s"),
        }
        for candidate in candidates
    ]


@login_required
@require_POST
def confirm_candidate(request, search_id, rank):
    """The professional gives the patient's second factor. Whatever was wrong, the answer is the same."""
    professional = _identifying_professional(request)
    search = selectors.face_search_of(user=professional, public_id=search_id)
    candidate = selectors.shown_candidate(user=professional, search=search, rank=rank)
    form = CandidateConfirmationForm(request.POST, factor=candidate.factor)
    if not form.is_valid():
        messages.error(request, _("Give the answer the patient gave you."))
        return redirect("faces:search", search.public_id)
    try:
        services.face_candidate_confirm(
            actor=professional, search=search, rank=rank, answer=form.cleaned_data["answer"], request=request
        )
    except confirmation.WrongFactor as wrong:
        messages.error(
            request,
            ngettext(
                "%(detail)s %(count)s attempt left.",
                "%(detail)s %(count)s attempts left.",
                wrong.attempts_left,
            )
            % {"detail": wrong.detail, "count": wrong.attempts_left},
        )
    except (confirmation.ConfirmationLocked, confirmation.ConfirmationThrottled) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Confirmed: you can now see who the patient is."))
    return redirect("faces:search", search.public_id)


@login_required
@require_POST
def request_access(request, search_id, rank):
    professional = _identifying_professional(request)
    search = selectors.face_search_of(user=professional, public_id=search_id)
    form = AccessRequestForm(request.POST)
    if form.is_valid():
        try:
            services.face_match_access_request(
                actor=professional, search=search, rank=rank, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your request was sent. You will be told when the patient answers."))
    else:
        messages.error(request, _("Say why you need access."))
    return redirect("faces:search", search.public_id)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def enrol_patient(request, patient_id):
    patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
    if patient == request.user:
        return redirect("faces:mine")
    form = PatientEnrolmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.face_consent_give(actor=request.user, patient=patient, request=request)
            services.face_enrol_photos(
                actor=request.user,
                patient=patient,
                images=[image for _name, image in form.photos()],
                request=request,
            )
        except (FaceProblem, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("%(name)s's face is enrolled.") % {"name": patient.full_name})
            return redirect("health_records:timeline", patient.public_id)
    return render(
        request,
        "faces/enrol_patient.html",
        {
            "patient": patient,
            "status": selectors.face_status(patient=patient, viewer=request.user, request=request),
            "form": form,
            "consent_version": CONSENT_TEXT_VERSION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def quick_account(request):
    professional = _identifying_professional(request)
    form = QuickAccountForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.patient_quick_create(
                actor=professional,
                first_name=data["first_name"],
                last_name=data["last_name"],
                approximate_birth_year=data["approximate_birth_year"],
                language=data["language"],
                email=data["email"],
                phone=data["phone"],
                image=data["photo"],
                consent_recorded=data["consent"],
                request=request,
            )
        except (FaceProblem, ValidationError) as error:
            _add_error(form, error)
        else:
            claim_url = absolute_url(reverse("accounts:claim"))
            return render(
                request,
                "faces/quick_account_created.html",
                {
                    "claimed_user": account.patient,
                    "claim_code": account.claim_code,
                    "claim_url": claim_url,
                    "text_message": _(
                        "Your ReLyfe account is ready. Open %(url)s and enter the code %(code)s "
                        "to choose your password."
                    )
                    % {"url": claim_url, "code": account.claim_code},
                },
            )
    return render(request, "faces/quick_account.html", {"form": form, "consent_version": CONSENT_TEXT_VERSION})


# --- Demonstration --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def demo(request):
    """Both halves of the feature on one page: give an identity a face, then find the identity of a face."""
    professional = _identifying_professional(request)
    section = request.POST.get("section")
    enrol_form = DemoEnrolForm(
        request.POST if section == "enrol" else None, request.FILES if section == "enrol" else None, prefix="enrol"
    )
    compare_form = DemoCompareForm(
        request.POST if section == "compare" else None,
        request.FILES if section == "compare" else None,
        prefix="compare",
    )
    context = {"enrol_form": enrol_form, "compare_form": compare_form, "consent_version": CONSENT_TEXT_VERSION}
    if section == "enrol" and enrol_form.is_valid():
        try:
            patient = selectors.patient_by_identifier(
                user=professional, identifier=enrol_form.cleaned_data["identifier"]
            )
        except Http404:
            enrol_form.add_error("identifier", _("None of your patients has this identifier."))
        else:
            try:
                services.face_consent_give(actor=professional, patient=patient, request=request)
                services.face_enrol(
                    actor=professional, patient=patient, image=enrol_form.cleaned_data["photo"], request=request
                )
            except (FaceProblem, ValidationError) as error:
                _add_error(enrol_form, error)
            else:
                context["enrolled"] = patient
    elif section == "compare" and compare_form.is_valid():
        try:
            search = services.face_identify(
                actor=professional, image=compare_form.cleaned_data["photo"], request=request
            )
        except FaceProblem as problem:
            _add_error(compare_form, problem)
        else:
            context["search"] = search
            context["rows"] = _candidate_rows(selectors.shown_candidates(user=professional, search=search))
    return render(request, "faces/demo.html", context)
