"""The installed app: its manifest (one per role, since the start page and the shortcuts differ), the page
the service worker shows when a page is neither reachable nor saved, and the "Take a photo" shortcut."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from home.management.commands.make_app_images import ICON_SIZES, MASKABLE_SIZES

# The site's colours (static/css/relyfe.css: --color-primary and --color-background).
THEME_COLOUR = "#0b6e6e"
BACKGROUND_COLOUR = "#f5f7fa"
ROLES = ("patient", "professional")


def _icons() -> list[dict]:
    icons = [
        {"src": static(f"img/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ]
    icons += [
        {
            "src": static(f"img/icons/maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in MASKABLE_SIZES
    ]
    return icons


def _shortcut(name: str, url: str) -> dict:
    return {
        "name": name,
        "short_name": name,
        "url": url,
        "icons": [{"src": static("img/icons/icon-96.png"), "sizes": "96x96", "type": "image/png"}],
    }


def _start_and_shortcuts(role: str) -> tuple[str, list[dict]]:
    """The manifest is fetched without the session cookie: it is the same for everyone with that role."""
    photo = _shortcut(_("Take a photo"), reverse("take_photo"))
    if role == "patient":
        doses = _shortcut(_("Today's doses"), reverse("treatments:today"))
        return reverse("treatments:today"), [doses, photo]
    if role == "professional":
        scan = _shortcut(_("Scan a Heart-Code"), reverse("sharing:scan"))
        return reverse("home"), [scan, photo]
    return reverse("home"), []


@require_GET
def manifest(request):
    role = request.GET.get("for", "")
    if role and role not in ROLES:
        raise Http404
    start_url, shortcuts = _start_and_shortcuts(role)
    content = {
        # One app whichever role's manifest installed it.
        "id": "/",
        "name": "ReLyfe",
        "short_name": "ReLyfe",
        "description": _("your health history, shared with your care team on your terms."),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": start_url,
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "medical"],
        "icons": _icons(),
        "shortcuts": shortcuts,
        "screenshots": [
            {
                "src": static("img/icons/screenshot-narrow.png"),
                "sizes": "1080x1920",
                "type": "image/png",
                "form_factor": "narrow",
                "label": _("Today's doses"),
            },
            {
                "src": static("img/icons/screenshot-wide.png"),
                "sizes": "1920x1080",
                "type": "image/png",
                "form_factor": "wide",
                "label": _("Today's doses"),
            },
        ],
    }
    response = HttpResponse(json.dumps(content, ensure_ascii=False), content_type="application/manifest+json")
    # No personal data in it: browsers may keep it a day.
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def offline(request):
    """Shown by the service worker for a page that cannot be reached and was not saved on the device. Made
    without the user's data (it is saved on the device for everyone): no name, no menu, only the way to the
    pages that are kept for offline use."""
    response = render(request, "home/offline.html")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def take_photo(request):
    """The "Take a photo" shortcut: a patient adds a photo record to their own file (naming its body site
    then offers the camera over the previous photo of that site); a professional first chooses the patient."""
    if request.user.is_patient:
        return redirect(reverse("health_records:create", args=[request.user.public_id]) + "?kind=photo")
    if request.user.is_professional:
        return redirect("sharing:my_patients")
    raise Http404
