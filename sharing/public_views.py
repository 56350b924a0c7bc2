"""Pages reached without an account: a share link's documents, the emergency page behind a Heart-Code,
the access request made from it; and the scan page that leads there.

A share link's token appears in one URL only, the first: it is exchanged at once for the session, so that
later pages (and their Referer headers and server logs) carry no secret.
"""

from urllib.parse import urlsplit

from csp.constants import SELF
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.models import AccessPath
from access.policy import Action, LinkVisitor, decide, may_break_glass
from comments import selectors as comments
from comments.discussion import discussion_context
from comments.views import comment_post
from health_records import selectors as records
from health_records.downloads import shown_file_response
from relyfe import abuse
from relyfe.web import absolute_url
from sharing import heartcode, selectors, services
from sharing.forms import AccessRequestForm, BreakGlassForm, PasscodeForm, ScanPhotoForm, VisitorForm
from treatments.allergy_selectors import emergency_allergies
from treatments.selectors import emergency_medications

PENDING_LINK = "share_link_pending"
PASSCODE_OK = "share_link_passcode_ok"
VISITOR = "share_link_visitor"
# Wrong Heart-Code and share-link tokens from one address are counted in this window; a valid token opens
# its page whatever came before (settings.TOKEN_GUESSES_PER_ADDRESS).
TOKEN_GUESSES_WINDOW_SECONDS = 10 * 60
# Each request notifies the patient and may e-mail the address typed in the form.
REQUEST_WINDOW_SECONDS = 60 * 60
SCAN_MAX_BYTES = 15 * 1024 * 1024


def link_not_valid(request):
    """Expired, revoked, used up or unknown: the same answer, so that nobody learns which."""
    return render(request, "sharing/link_not_valid.html", status=404)


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- Share links ----------------------------------------------------------------------------------


def _wrong_token(request):
    """A token that opens nothing: counted against the client's address, and refused with 429 past the limit.
    Only wrong tokens count, so a first responder behind the same address as a guesser still opens the page."""
    guesses = abuse.Limit("token-guesses:address", settings.TOKEN_GUESSES_PER_ADDRESS, TOKEN_GUESSES_WINDOW_SECONDS)
    if not abuse.hit(guesses, abuse.client_address(request)):
        return _noindex(render(request, "sharing/too_many_requests.html", status=429))
    return _noindex(link_not_valid(request))


@require_GET
@never_cache
def link_open(request, token):
    link = selectors.share_link_by_token(token)
    if link is None:
        return _wrong_token(request)
    for key in (PENDING_LINK, PASSCODE_OK, VISITOR):
        request.session.pop(key, None)
    request.session[PENDING_LINK] = str(link.public_id)
    return redirect("sharing:link_start")


@require_http_methods(["GET", "POST"])
@never_cache
def link_start(request):
    link = selectors.share_link_by_id(request.session.get(PENDING_LINK))
    if link is None or not link.has_opens_left:
        return _noindex(link_not_valid(request))
    if link.has_passcode and request.session.get(PASSCODE_OK) != str(link.public_id):
        return _passcode_step(request, link)
    form = VisitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name, profession = form.cleaned_data["name"], form.cleaned_data["profession"]
        if not services.share_link_open(link=link, name=name, profession=profession, request=request):
            return _noindex(link_not_valid(request))
        request.session[VISITOR] = {"link": str(link.public_id), "name": name, "profession": profession}
        request.session.pop(PENDING_LINK, None)
        return redirect("sharing:link_records")
    return _noindex(render(request, "sharing/link_start.html", {"form": form, "patient": link.patient}))


def _passcode_step(request, link):
    form = PasscodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.share_link_check_passcode(link=link, passcode=form.cleaned_data["passcode"]):
            request.session[PASSCODE_OK] = str(link.public_id)
            return redirect("sharing:link_start")
        form.add_error("passcode", _("This passcode is not the right one."))
    if services.share_link_passcode_locked(link):
        form = None  # the page explains the lock instead of asking again
    return _noindex(render(request, "sharing/link_passcode.html", {"form": form}))


def _visitor(request) -> LinkVisitor | None:
    """The link holder of this session, as long as the link is still usable."""
    data = request.session.get(VISITOR)
    link = selectors.share_link_by_id(data["link"]) if data else None
    if link is None:
        return None
    return LinkVisitor(link=link, name=data["name"], profession=data["profession"])


@require_GET
@never_cache
def link_records(request):
    visitor = _visitor(request)
    if visitor is None:
        return _noindex(link_not_valid(request))
    patient = visitor.link.patient
    access = decide(visitor, Action.VIEW, patient)
    shared = records.timeline_records(user=visitor, patient=patient, access=access, request=request)
    return _noindex(render(request, "sharing/link_records.html", {"visitor": visitor, "records": shared}))


@require_GET
@never_cache
def link_record(request, record_id):
    visitor = _visitor(request)
    if visitor is None:
        return _noindex(link_not_valid(request))
    record, access = records.health_record_get_for_user(user=visitor, public_id=record_id, request=request)
    context = {"visitor": visitor, "record": record}
    if visitor.link.allow_comments:
        context |= discussion_context(viewer=visitor, record=record, access=access, link_holder=True)
    return _noindex(render(request, "sharing/link_record.html", context))


@require_GET
def link_file(request, file_id, disposition):
    visitor = _visitor(request)
    if visitor is None:
        return _noindex(link_not_valid(request))
    # A photo is given with its faces blurred when the link asks it: never the original, even before the
    # blurred copy is made (health_records/masking.py).
    shown = records.record_file_shown_to_user(user=visitor, public_id=file_id, request=request)
    return shown_file_response(shown, inline=disposition == "view")


def _link_holder(request):
    """The link holder of this session; only links that allow comments show the discussion."""
    visitor = _visitor(request)
    if visitor is None or not visitor.link.allow_comments:
        raise Http404
    return visitor


@require_GET
@never_cache
def link_thread(request, record_id):
    """The discussion of a shared record, reloaded by its page (comments' "_thread" fragment)."""
    visitor = _link_holder(request)
    record, access = comments.record_for_comments(user=visitor, public_id=record_id, action=Action.COMMENT)
    context = discussion_context(viewer=visitor, record=record, access=access, link_holder=True)
    return _noindex(render(request, "comments/_thread.html", context))


@require_POST
def link_comment_create(request, record_id):
    return comment_post(request, _link_holder(request), record_id, link_holder=True)


# --- Emergency page -------------------------------------------------------------------------------


@require_GET
@never_cache
def emergency_page(request, token):
    """The page always opens for a valid token: a first responder behind a hospital's one address, or on a
    server whose Redis is down, must never be refused it. Only wrong tokens count towards a limit."""
    profile = selectors.emergency_profile_by_token(token)
    if profile is None:
        return _wrong_token(request)
    patient, user = profile.patient, request.user
    # A professional the patient already trusts with the whole file goes straight to it; one with a scoped
    # grant reads the public sections, as any first responder does (the policy's docstring).
    access = decide(user, Action.VIEW, patient) if user.is_authenticated else None
    if access and access.path == AccessPath.GRANT and access.whole_file:
        return redirect("health_records:timeline", patient_id=patient.public_id)
    services.emergency_profile_viewed(profile=profile, viewer=user, request=request)
    can_break_glass = may_break_glass(user, profile)
    context = {
        "profile": profile,
        "patient": patient,
        "token": token,
        "sections": profile.visible_sections,
        "medications": emergency_medications(patient=patient) if profile.show_current_treatments else [],
        # The structured allergies the patient chose to show, with the "allergies" section.
        "allergy_list": emergency_allergies(patient=patient) if "allergies" in profile.visible_sections else [],
        "can_break_glass": can_break_glass,
        "break_glass_form": BreakGlassForm() if can_break_glass else None,
    }
    return _noindex(render(request, "sharing/emergency_page.html", context))


@require_http_methods(["GET", "POST"])
@never_cache
def emergency_request(request, token):
    profile = selectors.emergency_profile_by_token(token)
    if profile is None:
        return _noindex(link_not_valid(request))
    member = request.user if request.user.is_authenticated else None
    form = AccessRequestForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        within_limits = abuse.hit_all(
            (
                abuse.Limit("access-requests:patient", settings.ACCESS_REQUESTS_PER_PATIENT, REQUEST_WINDOW_SECONDS),
                str(profile.patient.public_id),
            ),
            (
                abuse.Limit("access-requests:address", settings.ACCESS_REQUESTS_PER_ADDRESS, REQUEST_WINDOW_SECONDS),
                abuse.client_address(request),
            ),
        )
        if not within_limits:
            return _noindex(render(request, "sharing/too_many_requests.html", status=429))
        try:
            access_request = services.access_request_create(
                profile=profile, requester=member, fields=form.cleaned_data, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request is sent. Keep this page: the answer will show here."))
            return redirect(services.access_request_status_path(access_request))
    return _noindex(render(request, "sharing/request_form.html", {"form": form, "token": token}))


@require_GET
@never_cache
def request_status(request, token):
    """The visitor's page for their request: waiting, approved (with the link), refused or expired."""
    access_request = selectors.access_request_by_status_token(token)
    if access_request is None:
        return _noindex(link_not_valid(request))
    context = {
        "access_request": access_request,
        "patient": access_request.patient,
        "status_url": services.access_request_status_url(access_request),
        "link_url": services.access_request_link_url(access_request),
    }
    return _noindex(render(request, "sharing/request_sent.html", context))


@login_required
@require_POST
def emergency_break_glass(request, token):
    profile = selectors.emergency_profile_by_token(token)
    if profile is None or not may_break_glass(request.user, profile):
        return _noindex(link_not_valid(request))
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need immediate access (10 characters at least)."))
        return redirect("sharing:emergency_page", token=token)
    services.break_glass_open(actor=request.user, profile=profile, reason=form.cleaned_data["reason"], request=request)
    return redirect("health_records:timeline", patient_id=profile.patient.public_id)


# --- Scanning a Heart-Code ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@csp_update({"media-src": [SELF, "blob:", "mediastream:"]})
def scan(request):
    """Live camera scanning in the browser, with a photo upload read on the server as the fallback."""
    form = ScanPhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        if photo.size > SCAN_MAX_BYTES:
            form.add_error("photo", _("This photo is too large."))
        else:
            try:
                texts = heartcode.decode_qr(photo.read())
            except heartcode.QRDecodeError as error:
                form.add_error("photo", str(error))
            else:
                target = _heartcode_path(request, texts)
                if target:
                    return redirect(target)
                form.add_error("photo", _("This code is not a ReLyfe Heart-Code."))
    return render(request, "sharing/scan.html", {"form": form, "scan_upload_url": reverse("sharing:scan")})


def _heartcode_path(request, texts) -> str | None:
    """The emergency page a decoded code points to, only if it is one of ours."""
    our_hosts = {request.get_host(), urlsplit(absolute_url("/")).netloc}
    for text in texts:
        if url_has_allowed_host_and_scheme(text, allowed_hosts=our_hosts) and urlsplit(text).path.startswith("/e/"):
            return urlsplit(text).path
    return None
