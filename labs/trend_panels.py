"""What the lab results pages add to health_records' pages; registered in LabsConfig.ready()
(health_records/panels.py says why the pages ask rather than import)."""

from access import policy
from health_records.models import RecordKind


def timeline_lab_results_link(*, request, patient, access, records) -> dict:
    """The timeline links to the patient's lab results when the access may reach a lab result: asked of the
    policy without a query, as the Photos link is always there (the timeline is the page everyone opens;
    bench/load.py). A patient without values yet reads so on the page."""
    return {"shows_lab_results": policy.may_reach_kind(access, RecordKind.LAB_RESULT)}
