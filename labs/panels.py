"""What labs adds to health_records' record page; registered in LabsConfig.ready() (health_records/panels.py
says why the pages ask rather than import)."""

from access.policy import Action
from health_records.models import RecordKind
from labs.reading_selectors import observations_of_record


def lab_result_observations(*, request, record, access) -> dict:
    """A lab result shows its readings (progress, then "N values read — review") and, once confirmed, its values."""
    if record.kind != RecordKind.LAB_RESULT:
        return {}
    return {
        "lab_readings": list(record.lab_readings.select_related("record_file").order_by("created_at", "id")),
        "observations": observations_of_record(record=record),
        "can_review_lab_results": access.can(Action.CREATE),
    }
