"""What the exports add to health_records' pages; registered in PortabilityConfig.ready()
(health_records/panels.py says why the pages ask rather than import)."""

from access.models import AccessPath


def timeline_export_button(*, request, patient, access, records) -> dict:
    """A professional whose grant is the whole file may export it: the patient's page offers the button.
    The patient exports from "Download all my data" (/me/export/)."""
    return {"can_export_file": access.whole_file and access.path != AccessPath.OWNER}
