"""What the lab results pages add to health_records' pages; registered in LabsConfig.ready()
(health_records/panels.py says why the pages ask rather than import)."""

from labs import selectors


def timeline_lab_results_link(*, request, patient, access, records) -> dict:
    """The timeline links to the patient's lab results when the viewer sees at least one value: one query
    per page, whatever its records."""
    return {"shows_lab_results": selectors.shows_lab_results(patient=patient, access=access)}
