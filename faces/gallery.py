"""The enrolled faces the local engine searches, held in memory as one matrix.

Reading 100,000 embeddings from the database takes far longer than comparing a face to all of them, so
each process keeps the matrix and reloads it only when the enrolled faces changed, in this process or in
another. Templates are never edited in place, only added and deleted, so their count, the sum and the highest of
their keys, and the latest enrolment time tell whether anything changed. The sum, because keys are not
committed in the order they are taken: an enrolment whose transaction outlasted a later one's commits a key
below the highest, and if a template is erased meanwhile, the count and the highest key are as before (one
key added and another removed never keep the sum). The time, because SQLite may hand out a rolled-back key
again.
"""

import threading

import numpy
from django.db.models import Count, Max, Sum

from faces.models import FaceTemplate

EMBEDDING_SIZE = 128


class DatabaseGallery:
    def __init__(self, backend: str = "local"):
        self.backend = backend
        self._lock = threading.Lock()
        self._signature = None
        self._snapshot: tuple[list[str], list[str], numpy.ndarray] = ([], [], numpy.zeros((0, EMBEDDING_SIZE), "<f4"))

    def snapshot(self) -> tuple[list[str], list[str], numpy.ndarray]:
        templates = FaceTemplate.objects.filter(backend=self.backend, embedding__isnull=False)
        signature = tuple(
            templates.aggregate(count=Count("id"), keys=Sum("id"), last=Max("id"), latest=Max("enrolled_at")).values()
        )
        with self._lock:
            if signature != self._signature:
                self._snapshot = _load(templates)
                self._signature = signature
            return self._snapshot


def _load(templates) -> tuple[list[str], list[str], numpy.ndarray]:
    rows = list(templates.order_by("id").values_list("patient__public_id", "face_id", "embedding"))
    matrix = numpy.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype="<f4").reshape(len(rows), EMBEDDING_SIZE)
    return [str(row[0]) for row in rows], [row[1] for row in rows], matrix


# One per process: the engine asks it for the matrix at each search.
database_gallery = DatabaseGallery()
