"""Draws the installed app's icons and the manifest's screenshots into static/img/icons/, from the same
logo as static/img/favicon.svg (a white heart on the site's teal). Run again after changing the logo:
`manage.py make_app_images`; the PNG files are committed, so nothing is drawn at run time. The screenshots
are drawn too, or shot on the demo site with `--screenshots-from http://127.0.0.1:8000`."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

TEAL = (11, 110, 110)
TEAL_DARK = (8, 84, 84)
BACKGROUND = (245, 247, 250)
SURFACE = (255, 255, 255)
BORDER = (213, 219, 227)
TEXT = (28, 36, 48)
MUTED = (85, 96, 112)
WHITE = (255, 255, 255)

# Browsers pick the size closest to what they show; Android wants 192 and 512, iOS 180 (apple-touch-icon).
ICON_SIZES = [48, 72, 96, 128, 144, 152, 192, 256, 384, 512]
MASKABLE_SIZES = [192, 512]
APPLE_TOUCH_SIZE = 180
# Drawn this many times larger, then reduced: Pillow's shapes have no anti-aliasing of their own.
SUPERSAMPLE = 4


def _heart(draw, centre_x, centre_y, width, fill):
    """The favicon's heart: two round lobes over a point, `width` wide, centred on (centre_x, centre_y)."""
    radius = width / 4
    top = centre_y - width * 0.42
    for lobe_x in (centre_x - radius, centre_x + radius):
        draw.ellipse([lobe_x - radius, top, lobe_x + radius, top + 2 * radius], fill=fill)
    point_y = centre_y + width * 0.5
    lobe_y = top + radius
    draw.polygon(
        [
            (centre_x - 2 * radius, lobe_y + radius * 0.15),
            (centre_x, lobe_y),
            (centre_x + 2 * radius, lobe_y + radius * 0.15),
            (centre_x, point_y),
        ],
        fill=fill,
    )


def icon(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable or not rounded:
        # A maskable icon fills its square: the launcher cuts its own shape, keeping the centre 80 %.
        draw.rectangle([0, 0, big, big], fill=TEAL)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 7 // 32, fill=TEAL)
    heart_width = big * (0.46 if maskable else 0.62)
    _heart(draw, big / 2, big / 2 + big * 0.02, heart_width, WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def screenshot(width: int, height: int) -> Image.Image:
    """A drawing of the today's doses page as the app shows it: the header, then a card per moment."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    header = max(96, height // 14)
    draw.rectangle([0, 0, width, header], fill=SURFACE)
    draw.line([0, header, width, header], fill=BORDER, width=2)
    logo = icon(header * 6 // 10).convert("RGBA")
    image.paste(logo, (header // 4, header // 5), logo)
    draw.text((header // 4 + logo.width + 20, header // 2), "ReLyfe", fill=TEXT, font=_font(header // 3), anchor="lm")
    margin = width // 18
    column_width = min(width - 2 * margin, 1100)
    left = (width - column_width) // 2
    y = header + margin
    draw.text((left, y), "Today", fill=TEXT, font=_font(header // 2))
    y += header
    for moment, lines in (("Morning · 08:00", 2), ("Noon · 12:30", 1), ("Evening · 19:00", 2)):
        card_height = header // 2 + lines * header
        draw.rounded_rectangle([left, y, left + column_width, y + card_height], radius=20, fill=SURFACE, outline=BORDER)
        draw.text((left + 30, y + 20), moment, fill=MUTED, font=_font(header // 4))
        for line in range(lines):
            line_y = y + header // 2 + line * header
            draw.rounded_rectangle(
                [left + 30, line_y + 10, left + 30 + column_width // 2, line_y + 40], radius=8, fill=BORDER
            )
            button_x = left + column_width - 30 - 160
            draw.rounded_rectangle([button_x, line_y + 5, button_x + 160, line_y + 60], radius=12, fill=TEAL)
            draw.text((button_x + 80, line_y + 32), "✓", fill=WHITE, font=_font(32), anchor="mm")
        y += card_height + margin // 2
        if y > height - header:
            break
    return image


# The manifest's screenshots: (name, CSS viewport, device pixel ratio), 1080x1920 and 1920x1080 pixels.
SCREENSHOTS = [("narrow", (540, 960), 2), ("wide", (1280, 720), 1.5)]


def photograph(folder: Path, site: str, identifier: str, password: str):
    """Today's doses of a running site (the demo: `manage.py demo`), shot by the local Chromium as the
    browser tests drive it. Playwright is a development dependency: imported only here."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for name, (width, height), ratio in SCREENSHOTS:
            context = browser.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=ratio, locale="en-GB"
            )
            page = context.new_page()
            page.goto(site + "/accounts/login/")
            page.fill("input[name=username]", identifier)
            page.fill("input[name=password]", password)
            page.click("button[type=submit].button--primary")
            page.wait_for_selector("h1")
            page.goto(site + "/treatments/today/")
            # The day's doses at the top, under their heading.
            page.locator(".plan-moment").first.evaluate(
                "moment => { moment.scrollIntoView(); window.scrollBy(0, -90); }"
            )
            page.screenshot(path=str(folder / f"screenshot-{name}.png"))
            context.close()
        browser.close()


class Command(BaseCommand):
    help = "Draws the app's icons and screenshots into static/img/icons/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--screenshots-from",
            metavar="URL",
            help="shoot the screenshots on this running site (signed in as --patient) instead of drawing them",
        )
        parser.add_argument("--patient", default="alice@demo.relyfe.test")
        parser.add_argument("--password", default="relyfe-demo-2026")

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "img" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for size in ICON_SIZES:
            icon(size).save(folder / f"icon-{size}.png", optimize=True)
        for size in MASKABLE_SIZES:
            icon(size, maskable=True).save(folder / f"maskable-{size}.png", optimize=True)
        # iOS rounds the corners itself and shows transparency as black: a full square.
        icon(APPLE_TOUCH_SIZE, rounded=False).convert("RGB").save(folder / "apple-touch-icon.png", optimize=True)
        if options["screenshots_from"]:
            photograph(folder, options["screenshots_from"].rstrip("/"), options["patient"], options["password"])
        else:
            screenshot(1080, 1920).save(folder / "screenshot-narrow.png", optimize=True)
            screenshot(1920, 1080).save(folder / "screenshot-wide.png", optimize=True)
        self.stdout.write(f"Drew the app's images in {folder}.")
