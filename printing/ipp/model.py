"""What the printer's operations work with: the printer, its jobs and the store that keeps them.

The Django layer builds a `PrinterContext` for each request and implements `JobStore` with models; `Context` is
what one request is carried out against.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from printing.ipp.constants import JobState

PDF = "application/pdf"
JPEG = "image/jpeg"
OCTET_STREAM = "application/octet-stream"  # "find out from the data" (RFC 8011 §5.1.10)
DOCUMENT_FORMATS = (PDF, JPEG)

WhichJobs = Literal["completed", "not-completed", "all"]


@dataclass(frozen=True)
class PrinterContext:
    """What the protocol needs to know about one printer; the Django layer builds it for each request.

    `printer_uri` is the URI clients use (ipps:// behind TLS). `started_at` is when the printer came into
    service: printer-up-time and the jobs' time-at-* attributes count seconds from it, so they stay the same
    in every worker process. Datetimes are timezone-aware.
    """

    printer_uri: str
    name: str
    uuid: uuid.UUID
    more_info_uri: str  # an http(s) page about the printer: printer-more-info
    started_at: datetime
    info: str = ""
    location: str = ""
    manufacturer: str = "ReLyfe"
    model: str = "Virtual Printer"
    accepting: bool = True
    max_document_bytes: int = 32 * 1024 * 1024

    @property
    def make_and_model(self) -> str:
        return f"{self.manufacturer} {self.model}"


@dataclass(frozen=True)
class JobInfo:
    """A job as the store reports it. `state` is a JobState; datetimes are timezone-aware.

    `accepting_documents` is true from Create-Job until the last document arrives or the job is closed;
    the printer adds the 'job-incoming' reason for it.
    """

    id: int
    name: str
    state: JobState
    created_at: datetime
    originating_user_name: str = ""
    state_reasons: Sequence[str] = ()
    state_message: str = ""
    processing_at: datetime | None = None
    completed_at: datetime | None = None
    size_kbytes: int = 0
    document_count: int = 0
    accepting_documents: bool = False


class JobStore(Protocol):
    """Where one printer's jobs live; the Django layer implements it with models.

    The printer has already checked everything it can before it calls a method that writes: the job exists,
    it is not in a terminal state, it still accepts documents, and the document is a PDF or a JPEG of at most
    `max_document_bytes`. A store may raise IppError to refuse with a status code of its own.
    """

    def create_job(self, *, job_name: str, user_name: str, document_format: str | None) -> int:
        """A new job, accepting documents, and its id (1 or more)."""
        ...

    def add_document(self, job_id: int, *, data: bytes, document_format: str, last: bool) -> None:
        """One document of the job; with `last` the job stops accepting documents and is processed."""
        ...

    def close_job(self, job_id: int) -> None:
        """No more documents (Close-Job, or an empty last Send-Document); a job with none ends aborted."""
        ...

    def get_job(self, job_id: int) -> JobInfo | None: ...

    def list_jobs(self, *, which: WhichJobs, limit: int | None, user_name: str | None = None) -> list[JobInfo]:
        """Jobs in a terminal state ('completed', newest first), not ('not-completed', oldest first) or all,
        only those of `user_name` when it is given."""
        ...

    def cancel_job(self, job_id: int) -> bool:
        """Cancel the job; False when it reached a terminal state in the meantime."""
        ...


@dataclass
class Context:
    printer: PrinterContext
    store: JobStore
    now: datetime
