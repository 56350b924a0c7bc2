"""The gallery each process keeps in memory (faces/gallery.py): reloaded whenever the enrolled faces changed,
whichever process changed them. Another process's enrolment can commit after a later one (its id was taken
first, its transaction lasted longer) while a third deletes a template: the gallery must still see both."""

import datetime
import uuid

import numpy
import pytest
from django.utils import timezone

from faces.gallery import EMBEDDING_SIZE, DatabaseGallery
from faces.models import ConsentMethod, FaceConsent, FaceTemplate
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def enrolled(*, pk: int | None = None, enrolled_at: datetime.datetime | None = None) -> FaceTemplate:
    patient = PatientFactory()
    consent = FaceConsent.objects.create(patient=patient, method=ConsentMethod.SELF, recorded_by=patient)
    embedding = numpy.random.default_rng().random(EMBEDDING_SIZE, dtype="<f4").tobytes()
    return FaceTemplate.objects.create(
        pk=pk,
        patient=patient,
        consent=consent,
        backend="local",
        face_id=uuid.uuid4().hex,
        embedding=embedding,
        enrolled_by=patient,
        enrolled_at=enrolled_at or timezone.now(),
    )


def patients_in(gallery: DatabaseGallery) -> set[str]:
    external_ids, _face_ids, _matrix = gallery.snapshot()
    return set(external_ids)


def test_an_enrolment_committed_late_is_seen_even_when_a_deletion_keeps_the_count():
    first = enrolled(enrolled_at=timezone.now() - datetime.timedelta(minutes=2))
    gap = first.pk + 1  # the id an enrolment still in its transaction took
    last = enrolled(pk=first.pk + 2)
    gallery = DatabaseGallery()
    assert patients_in(gallery) == {str(first.patient.public_id), str(last.patient.public_id)}

    # Meanwhile: the first template is erased, and the enrolment that took the id between them commits. The
    # count, the highest id and the latest enrolment time are all as before.
    first.delete()
    late = enrolled(pk=gap, enrolled_at=timezone.now() - datetime.timedelta(minutes=1))

    assert patients_in(gallery) == {str(late.patient.public_id), str(last.patient.public_id)}


def test_a_gallery_with_nothing_changed_is_not_read_again(django_assert_num_queries):
    enrolled()
    gallery = DatabaseGallery()
    gallery.snapshot()

    with django_assert_num_queries(1):  # the signature only
        gallery.snapshot()
