"""Reads of lab results (observations). An observation is part of the record it was read from: a viewer sees
the observations of the records they may see, as the timeline finds them (`timeline_records`, which asks the
access policy and writes the access event), and nothing else. A scoped grant whose kinds leave out lab
results, or whose chosen records hold none, sees no observation; an access that reaches no record (a
caregiver who sees treatments only) gets a 404, as on the timeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation

from access.policy import Access
from audit.models import ObjectType
from health_records.selectors import patient_get_for_user, timeline_records
from labs import analytes
from labs.analytes import Analyte
from labs.models import Observation

if TYPE_CHECKING:
    from accounts.models import User


def observations_of_patient(*, user, patient_id, request=None) -> tuple[User, Access, QuerySet[Observation]]:
    """The patient, the access used, and the observations of the patient's active records that `user` may
    see (newest sample first). 404 for a patient `user` may not see or an access that reaches no record.
    Writes one access event: the patient's lab results, listed."""
    patient, access = patient_get_for_user(user=user, public_id=patient_id)
    records = timeline_records(
        user=user, patient=patient, access=access, request=request, listed_as=ObjectType.LAB_RESULTS
    )
    observations = Observation.objects.filter(patient=patient, record__in=records.values("pk"))
    return patient, access, observations.select_related("record").order_by("-sampled_on", "label", "-id")


def analyte_name(analyte: Analyte) -> str:
    """The analyte's name as French laboratories print it for a French reader, in English for any other."""
    return analyte.name if (translation.get_language() or "").startswith("fr") else analyte.name_en


@dataclass
class AnalyteSummary:
    """One row of the lab results page: an analyte and its values, oldest first."""

    loinc: str
    name: str
    unit: str
    observations: list[Observation] = field(default_factory=list)

    @property
    def latest(self) -> Observation:
        return self.observations[-1]

    @property
    def count(self) -> int:
        return len(self.observations)

    @property
    def first_date(self) -> datetime.date:
        return self.observations[0].sampled_on


def analyte_summaries(observations) -> tuple[list[AnalyteSummary], list[Observation]]:
    """The analytes of the table among `observations`, by name, each with its values oldest first; and the
    values of analytes the table does not know (kept and listed, never charted), newest first."""
    by_loinc: dict[str, AnalyteSummary] = {}
    others: list[Observation] = []
    for observation in sorted(observations, key=lambda item: (item.sampled_on, item.pk)):
        analyte = analytes.get(observation.loinc) if observation.loinc else None
        if analyte is None:
            others.append(observation)
            continue
        summary = by_loinc.get(analyte.loinc)
        if summary is None:
            summary = by_loinc[analyte.loinc] = AnalyteSummary(analyte.loinc, analyte_name(analyte), analyte.unit)
        summary.observations.append(observation)
    others.reverse()
    return sorted(by_loinc.values(), key=lambda summary: summary.name.casefold()), others


def analyte_observations(observations: QuerySet[Observation], *, loinc: str) -> tuple[Analyte, list[Observation]]:
    """The analyte `loinc` and its values among `observations`, oldest first; 404 for an analyte the table
    does not know or of which the viewer sees no value (whether the patient has any is not told)."""
    analyte = analytes.get(loinc)
    if analyte is None:
        raise Http404
    values = list(observations.filter(loinc=loinc).order_by("sampled_on", "id"))
    if not values:
        raise Http404
    return analyte, values
