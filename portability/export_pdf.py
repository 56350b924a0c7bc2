"""The readable summary in an export: a PDF a person can print or hand to a doctor, beside the FHIR Bundle
that machines read. Drawn with fpdf2 in DejaVu Sans (the font the Heart-Code card ships with: accents and
every Latin letter print). Written in the language active when it is called (the patient's)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from portability.fhir_map import posology_text
from sharing.heartcode import FONT_FILES

if TYPE_CHECKING:
    import datetime

    from portability.export_selectors import ExportData

# The access log can be long: the summary shows the latest; bundle.json has them all.
RECENT_ACCESSES = 50
FONT = "DejaVu"


class _Summary(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 8, f"ReLyfe — {self.page_no()}/{{nb}}", align="C")


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _moment(value: datetime.datetime | None, zone: ZoneInfo) -> str:
    return formats.date_format(value.astimezone(zone), "SHORT_DATETIME_FORMAT") if value else "—"


def summary_pdf(data: ExportData) -> bytes:
    patient = data.patient
    zone = ZoneInfo(patient.time_zone)
    pdf = _Summary(unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_FILES[False]))
    pdf.add_font(FONT, "B", str(FONT_FILES[True]))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)

    def line(text: str) -> None:
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")

    def nothing() -> None:
        pdf.set_text_color(110)
        line(_("Nothing."))
        pdf.set_text_color(0)

    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 10, _("Health file of %(name)s") % {"name": patient.full_name}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    line(_("Exported from ReLyfe on %(date)s.") % {"date": _moment(timezone.now(), zone)})
    line(_("The complete data, files included, is in bundle.json (FHIR R4) and the files/ folder."))

    heading(_("Identity"))
    profile = getattr(patient, "patient_profile", None)
    line(_("Name: %(name)s") % {"name": patient.full_name})
    if profile is not None and profile.birth_date:
        line(_("Born on %(date)s") % {"date": _date(profile.birth_date)})
    if patient.email:
        line(_("E-mail: %(email)s") % {"email": patient.email})
    if patient.phone:
        line(_("Phone: %(phone)s") % {"phone": patient.phone_display})

    heading(_("Records"))
    for record in data.records:
        files = len(record.files.all())
        line(
            f"{_date(record.clinical_date)} · {record.get_kind_display()} · {record.title}"
            + (" " + ngettext("(%(count)s file)", "(%(count)s files)", files) % {"count": files} if files else "")
            + (" · " + _("archived") if record.archived_at else "")
        )
    if not data.records:
        nothing()

    heading(_("Treatments"))
    for treatment in data.treatments:
        pdf.set_font(FONT, "B", 10)
        line(f"{treatment.title} · {_date(treatment.start_date)} → {_date(treatment.end_date)}")
        pdf.set_font(FONT, size=10)
        for medication in treatment.medications.all():
            line(f"    • {medication.name}: {posology_text(medication)}")
    if not data.treatments:
        nothing()

    heading(_("Allergies"))
    allergies = data.emergency_profile.allergies if data.emergency_profile else ""
    if allergies:
        line(allergies)
    else:
        nothing()
    if data.emergency_profile is not None and data.emergency_profile.blood_group:
        line(_("Blood group: %(group)s") % {"group": data.emergency_profile.blood_group})

    if data.is_owner:
        heading(_("Who has access"))
        for grant in data.grants:
            state = _("in force") if grant.is_active else _("ended")
            line(
                f"{grant.professional.full_name} · {grant.get_scope_display()} · {grant.get_permission_display()}"
                f" · {_moment(grant.starts_at, zone)} · {state}"
            )
        for link in data.share_links:
            state = _("in force") if link.is_usable else _("ended")
            line(
                _("Share link %(label)s until %(date)s")
                % {"label": link.label or "—", "date": _moment(link.expires_at, zone)}
                + f" · {state}"
            )
        if not data.grants and not data.share_links:
            nothing()

    if data.access_events:
        heading(_("Recent accesses"))
        for event in data.access_events[:RECENT_ACCESSES]:
            line(f"{_moment(event.at, zone)} · {event.who} · {event.what} · {event.get_access_path_display()}")

    return bytes(pdf.output())
