"""What treatments adds to health_records' pages; registered in TreatmentsConfig.ready()
(health_records/panels.py says why the pages ask rather than import)."""

from access.policy import Action
from health_records.models import RecordKind
from treatments import selectors


def timeline_treatments_link(*, request, patient, access, records) -> dict:
    """The timeline links to the patient's treatments when the viewer may open them."""
    return {"shows_treatments": selectors.opens_treatments(patient=patient, access=access)}


def prescription_treatments(*, request, record, access) -> dict:
    """The treatments read from a prescription show on it, without another click, with its readings."""
    if record.kind != RecordKind.PRESCRIPTION:
        return {}
    return {
        "treatments": selectors.treatments_of_prescription(record=record),
        "readings": record.readings.select_related("record_file", "treatment"),
        "can_review": access.can(Action.CREATE),
        "can_add_treatment": selectors.may_add_treatment(request.user, record.patient, prescription=record),
    }
