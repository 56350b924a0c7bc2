"""A readable name for a browser from its User-Agent: "Chrome on Android", "Safari on iPhone".

A few lines rather than a dependency: the list of sessions only needs the browser's family and the system,
and a wrong guess costs a less precise label, nothing else. The order matters: Edge, Opera and Samsung
Internet also say "Chrome", Chrome also says "Safari", and an iPhone also says "Mac OS X".
"""

from django.utils.translation import gettext as _

BROWSERS = [
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]

SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
]


def _first_match(user_agent: str, table: list[tuple[str, str]]) -> str:
    return next((name for marker, name in table if marker in user_agent), "")


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows", in the active language; the part that is not recognised is left out."""
    browser, system = _first_match(user_agent, BROWSERS), _first_match(user_agent, SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
