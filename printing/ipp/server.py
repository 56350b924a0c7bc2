"""The operations of one virtual printer (RFC 8011, PWG 5100.11 and the IPP Everywhere attributes of 5100.14).

`handle` reads one IPP request from a stream (the HTTP request body), runs it against a `JobStore`, and
returns the encoded response. It never raises: a malformed or refused request gets an IPP status code, and
an unexpected failure (a bug, the database) is logged and answered with server-error-internal-error.

Documents are held in memory while they are checked, so `PrinterContext.max_document_bytes` bounds memory.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, get_args
from urllib.parse import urlsplit

from printing.ipp.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    IntegerRange,
    IppError,
    Message,
    ReadableStream,
    RequestReader,
    Resolution,
    StringWithLanguage,
    encode,
    read_attribute_groups,
    read_header,
)
from printing.ipp.constants import (
    MAX_NAME_CHARACTERS,
    NAME_TAGS,
    SUPPORTED_VERSIONS,
    DelimiterTag,
    Finishing,
    JobState,
    Operation,
    Orientation,
    PrinterState,
    PrintQuality,
    Status,
    ValueTag,
)

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
OCTET_STREAM = "application/octet-stream"  # "find out from the data" (RFC 8011 §5.1.10)
DOCUMENT_FORMATS = (PDF, JPEG)
_MAGIC_NUMBERS = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG))
_STRING_TAGS = frozenset({*NAME_TAGS, ValueTag.TEXT, ValueTag.TEXT_WITH_LANGUAGE})

WhichJobs = Literal["completed", "not-completed", "all"]
_WHICH_JOBS = get_args(WhichJobs)


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


def handle(stream: ReadableStream, *, printer: PrinterContext, store: JobStore, now: datetime | None = None) -> bytes:
    """Read one request from `stream`, carry it out, and return the encoded response."""
    now = now or datetime.now(UTC)
    reader = RequestReader(stream)
    version, request_id = (2, 0), 0
    try:
        header = read_header(reader)
        version, request_id = _response_version(header.version), header.request_id
        if header.version not in _ACCEPTED_VERSIONS:
            raise IppError(
                Status.SERVER_ERROR_VERSION_NOT_SUPPORTED,
                f"IPP/{header.version[0]}.{header.version[1]} is not supported; use 1.1 or 2.0.",
            )
        request = _Request(read_attribute_groups(reader), reader)
        operation = _OPERATIONS.get(header.code)
        if operation is None:
            raise IppError(Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, f"Operation 0x{header.code:04x}.")
        if not 1 <= request_id <= 0x7FFFFFFF:
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "The request-id must be 1 or more.")
        request.check_operation_attributes()
        response = operation(request, _Context(printer, store, now))
    except IppError as error:
        response = _Response(error.status, message=error.message, unsupported=list(error.unsupported))
    except Exception:
        logger.exception("IPP request to %s failed", printer.printer_uri)
        response = _Response(Status.SERVER_ERROR_INTERNAL_ERROR, message="The printer failed; try again.")
    return encode(response.to_message(version, request_id))


# IPP/1.0 is refused (RFC 8011 lets a Printer drop it). IPP/2.1 and 2.2 only add to 2.0 (PWG 5100.12), so
# their requests are served and answered as 2.0, the highest version this printer speaks.
_ACCEPTED_VERSIONS = frozenset({(1, 1)} | {(2, minor) for minor in range(256)})


def _response_version(request_version: tuple[int, int]) -> tuple[int, int]:
    return (1, 1) if request_version[0] <= 1 else (2, 0)


@dataclass
class _Context:
    printer: PrinterContext
    store: JobStore
    now: datetime


@dataclass
class _Response:
    status: Status
    message: str = ""
    unsupported: list[Attribute] = field(default_factory=list)
    groups: list[AttributeGroup] = field(default_factory=list)

    def to_message(self, version: tuple[int, int], request_id: int) -> Message:
        operation = [
            Attribute.of("attributes-charset", ValueTag.CHARSET, "utf-8"),
            Attribute.of("attributes-natural-language", ValueTag.NATURAL_LANGUAGE, "en"),
        ]
        if self.message:
            operation.append(Attribute.of("status-message", ValueTag.TEXT, self.message[:255]))
        groups = [AttributeGroup(DelimiterTag.OPERATION_ATTRIBUTES, tuple(operation))]
        if self.unsupported:
            groups.append(AttributeGroup(DelimiterTag.UNSUPPORTED_ATTRIBUTES, tuple(self.unsupported)))
        return Message(version, self.status, request_id, tuple(groups + self.groups))


class _Request:
    """The attribute groups of a request, with typed access to its operation attributes."""

    def __init__(self, groups: tuple[AttributeGroup, ...], reader: RequestReader):
        self.groups = groups
        self.reader = reader
        first = groups[0] if groups else None
        if first is None or first.tag != DelimiterTag.OPERATION_ATTRIBUTES:
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "The request does not start with operation attributes.")
        self.operation = first

    def check_operation_attributes(self) -> None:
        # RFC 8011 §4.1.4: attributes-charset, then attributes-natural-language, come first, in that order.
        attributes = self.operation.attributes
        if len(attributes) < 2 or attributes[0].name != "attributes-charset":
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "attributes-charset must be the first attribute.")
        if attributes[1].name != "attributes-natural-language":
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "attributes-natural-language must be the second attribute.")
        charset = self.value("attributes-charset", {ValueTag.CHARSET})
        self.value("attributes-natural-language", {ValueTag.NATURAL_LANGUAGE})
        if str(charset).lower() != "utf-8":
            raise IppError(
                Status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED,
                "Only utf-8 is supported.",
                unsupported=[attributes[0]],
            )
        if self.operation.get("printer-uri") is None and self.operation.get("job-uri") is None:
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "printer-uri is missing.")
        self.value("printer-uri", {ValueTag.URI})
        self.value("job-uri", {ValueTag.URI})

    def value(self, name: str, tags: Iterable[int], *, required: bool = False) -> Any:
        """The single value of an operation attribute, None when it is absent."""
        attribute = self.operation.get(name)
        if attribute is None:
            if required:
                raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, f"{name} is missing.")
            return None
        if len(attribute.values) != 1 or attribute.tag not in set(tags):
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, f"{name} has the wrong syntax or number of values.")
        return attribute.value

    def name_value(self, name: str) -> str:
        # Some clients send names as text: the words are all that matters here.
        value = self.value(name, _STRING_TAGS)
        text = value.text if isinstance(value, StringWithLanguage) else str(value or "")
        return text[:MAX_NAME_CHARACTERS]

    def requested_attributes(self, default: set[str]) -> set[str]:
        attribute = self.operation.get("requested-attributes")
        if attribute is None:
            return default
        if any(value.tag != ValueTag.KEYWORD for value in attribute.values):
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "requested-attributes must be keywords.")
        return {str(value) for value in attribute.all_values()}

    def job_id(self, printer: PrinterContext) -> int:
        """The target job: printer-uri and job-id, or job-uri (RFC 8011 §4.3)."""
        job_uri = self.value("job-uri", {ValueTag.URI})
        if job_uri is None:
            job_id = self.value("job-id", {ValueTag.INTEGER}, required=True)
        else:
            job_path, prefix = urlsplit(str(job_uri)).path, urlsplit(printer.printer_uri).path + "/jobs/"
            suffix = job_path[len(prefix) :] if job_path.startswith(prefix) else ""
            if not (suffix.isascii() and suffix.isdigit()):
                raise IppError(Status.CLIENT_ERROR_NOT_FOUND, "No job has this job-uri on this printer.")
            job_id = int(suffix)
        if not isinstance(job_id, int) or job_id < 1:
            raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "job-id must be 1 or more.")
        return job_id

    def document_format(self) -> str:
        """The declared format, application/octet-stream when absent; an unsupported one is refused."""
        declared = self.value("document-format", {ValueTag.MIME_MEDIA_TYPE})
        if declared is None:
            return OCTET_STREAM
        document_format = str(declared).lower()
        if document_format not in (OCTET_STREAM, *DOCUMENT_FORMATS):
            raise IppError(
                Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
                f"{declared} is not supported; send application/pdf or image/jpeg.",
                unsupported=[Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, declared)],
            )
        return document_format

    def check_compression(self) -> None:
        compression = self.value("compression", {ValueTag.KEYWORD})
        if compression not in (None, "none"):
            raise IppError(
                Status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED,
                f"Compression {compression} is not supported.",
                unsupported=[Attribute.of("compression", ValueTag.KEYWORD, compression)],
            )

    def job_template_status(self) -> tuple[Status, list[Attribute]]:
        """Check the Job Template attributes; unsupported ones are ignored unless ipp-attribute-fidelity."""
        group = next((group for group in self.groups if group.tag == DelimiterTag.JOB_ATTRIBUTES), None)
        unsupported = _unsupported_job_attributes(group.attributes if group else ())
        if not unsupported:
            return Status.SUCCESSFUL_OK, []
        if self.value("ipp-attribute-fidelity", {ValueTag.BOOLEAN}):
            raise IppError(
                Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                "Some job attributes or values are not supported.",
                unsupported=unsupported,
            )
        return Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES, unsupported

    def document(self, printer: PrinterContext, declared_format: str) -> tuple[bytes, str | None]:
        """The document data and its format, checked by content; no data gives (b"", None)."""
        data = self.reader.read_document(printer.max_document_bytes)
        if not data:
            return data, None
        detected = next((name for magic, name in _MAGIC_NUMBERS if data.startswith(magic)), None)
        if declared_format == OCTET_STREAM:
            if detected is None:
                raise IppError(
                    Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, "The document is neither a PDF nor a JPEG."
                )
            return data, detected
        if detected != declared_format:
            # The format is supported but the data is not in it: a document error, not a format choice.
            raise IppError(Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR, f"The document is not a valid {declared_format}.")
        return data, detected


# ------------------------------------------------------------------------------------------------ operations


def _print_job(request: _Request, context: _Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    data, document_format = request.document(context.printer, request.document_format())
    if document_format is None:
        raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "Print-Job carries no document data.")
    job_id = context.store.create_job(
        job_name=_job_name(request), user_name=_user_name(request), document_format=document_format
    )
    context.store.add_document(job_id, data=data, document_format=document_format, last=True)
    return _job_created(context, job_id, status, unsupported)


def _validate_job(request: _Request, context: _Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    return _Response(status, message=_ignored_message(unsupported), unsupported=unsupported)


def _create_job(request: _Request, context: _Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    declared = request.document_format()
    job_id = context.store.create_job(
        job_name=_job_name(request),
        user_name=_user_name(request),
        document_format=None if declared == OCTET_STREAM else declared,
    )
    return _job_created(context, job_id, status, unsupported)


def _send_document(request: _Request, context: _Context) -> _Response:
    job_id = request.job_id(context.printer)
    last = request.value("last-document", {ValueTag.BOOLEAN}, required=True)
    _open_job(context.store, job_id)
    request.check_compression()
    data, document_format = request.document(context.printer, request.document_format())
    if document_format is not None:
        context.store.add_document(job_id, data=data, document_format=document_format, last=bool(last))
    elif last:
        context.store.close_job(job_id)
    return _job_response(context, job_id, _JOB_CREATION_ATTRIBUTES)


def _close_job(request: _Request, context: _Context) -> _Response:
    job_id = request.job_id(context.printer)
    _open_job(context.store, job_id)
    context.store.close_job(job_id)
    return _job_response(context, job_id, _JOB_CREATION_ATTRIBUTES)


def _cancel_job(request: _Request, context: _Context) -> _Response:
    job = _existing_job(context.store, request.job_id(context.printer))
    if JobState(job.state).is_terminal or not context.store.cancel_job(job.id):
        raise IppError(Status.CLIENT_ERROR_NOT_POSSIBLE, "The job is already completed, canceled or aborted.")
    return _Response(Status.SUCCESSFUL_OK)


def _cancel_my_jobs(request: _Request, context: _Context) -> _Response:
    for job in context.store.list_jobs(which="not-completed", limit=None, user_name=_user_name(request)):
        context.store.cancel_job(job.id)
    return _Response(Status.SUCCESSFUL_OK)


def _get_job_attributes(request: _Request, context: _Context) -> _Response:
    job_id = request.job_id(context.printer)
    return _job_response(context, job_id, request.requested_attributes(default={"all"}))


def _get_jobs(request: _Request, context: _Context) -> _Response:
    which = request.value("which-jobs", {ValueTag.KEYWORD}) or "not-completed"
    if which not in _WHICH_JOBS:
        raise IppError(
            Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
            f"which-jobs {which} is not supported.",
            unsupported=[Attribute.of("which-jobs", ValueTag.KEYWORD, which)],
        )
    limit = request.value("limit", {ValueTag.INTEGER})
    if limit is not None and limit < 1:
        raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "limit must be 1 or more.")
    my_jobs = request.value("my-jobs", {ValueTag.BOOLEAN})
    requested = request.requested_attributes(default={"job-id", "job-uri"})
    jobs = context.store.list_jobs(which=which, limit=limit, user_name=_user_name(request) if my_jobs else None)
    groups = [
        AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, tuple(_select(_job_attributes(job, context), requested)))
        for job in jobs
    ]
    return _Response(Status.SUCCESSFUL_OK, groups=groups)


def _get_printer_attributes(request: _Request, context: _Context) -> _Response:
    requested = request.requested_attributes(default={"all"})
    attributes = _select(_printer_attributes(context), requested)
    return _Response(Status.SUCCESSFUL_OK, groups=[AttributeGroup(DelimiterTag.PRINTER_ATTRIBUTES, tuple(attributes))])


_OPERATIONS: dict[int, Callable[[_Request, _Context], _Response]] = {
    Operation.PRINT_JOB: _print_job,
    Operation.VALIDATE_JOB: _validate_job,
    Operation.CREATE_JOB: _create_job,
    Operation.SEND_DOCUMENT: _send_document,
    Operation.CANCEL_JOB: _cancel_job,
    Operation.GET_JOB_ATTRIBUTES: _get_job_attributes,
    Operation.GET_JOBS: _get_jobs,
    Operation.GET_PRINTER_ATTRIBUTES: _get_printer_attributes,
    Operation.CANCEL_MY_JOBS: _cancel_my_jobs,
    Operation.CLOSE_JOB: _close_job,
}


def _check_job_creation(request: _Request, printer: PrinterContext) -> tuple[Status, list[Attribute]]:
    """What Print-Job, Validate-Job and Create-Job check before anything is read or written."""
    if not printer.accepting:
        raise IppError(Status.SERVER_ERROR_NOT_ACCEPTING_JOBS, "The printer is not accepting jobs.")
    request.check_compression()
    request.document_format()
    request.value("ipp-attribute-fidelity", {ValueTag.BOOLEAN})
    request.name_value("job-name")
    request.name_value("requesting-user-name")
    return request.job_template_status()


def _job_name(request: _Request) -> str:
    return request.name_value("job-name") or request.name_value("document-name") or "Untitled"


def _user_name(request: _Request) -> str:
    return request.name_value("requesting-user-name") or "anonymous"


def _existing_job(store: JobStore, job_id: int) -> JobInfo:
    job = store.get_job(job_id)
    if job is None:
        raise IppError(Status.CLIENT_ERROR_NOT_FOUND, f"Job {job_id} does not exist.")
    return job


def _open_job(store: JobStore, job_id: int) -> JobInfo:
    job = _existing_job(store, job_id)
    if JobState(job.state).is_terminal or not job.accepting_documents:
        raise IppError(Status.CLIENT_ERROR_NOT_POSSIBLE, f"Job {job_id} does not accept more documents.")
    return job


def _ignored_message(unsupported: list[Attribute]) -> str:
    return "Ignored: " + ", ".join(attribute.name for attribute in unsupported) if unsupported else ""


def _job_created(context: _Context, job_id: int, status: Status, unsupported: list[Attribute]) -> _Response:
    response = _job_response(context, job_id, _JOB_CREATION_ATTRIBUTES)
    response.status, response.unsupported, response.message = status, unsupported, _ignored_message(unsupported)
    return response


def _job_response(context: _Context, job_id: int, requested: set[str]) -> _Response:
    job = _existing_job(context.store, job_id)
    attributes = _select(_job_attributes(job, context), requested)
    return _Response(Status.SUCCESSFUL_OK, groups=[AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, tuple(attributes))])


# ------------------------------------------------------------------------------------------------ attributes

_DESCRIPTION, _TEMPLATE, _MEDIA_COL_DATABASE = "printer-description", "job-template", "media-col-database"
_JOB_DESCRIPTION = "job-description"
# RFC 8011 §4.2.1.2: what a job creation answers with.
_JOB_CREATION_ATTRIBUTES = {"job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message"}


def _select(attributes: Iterable[tuple[str, Attribute]], requested: set[str]) -> list[Attribute]:
    """requested-attributes filtering: names and group names; media-col-database only when named."""
    return [
        attribute
        for group, attribute in attributes
        if attribute.name in requested or (group != _MEDIA_COL_DATABASE and (group in requested or "all" in requested))
    ]


def _up_time(printer: PrinterContext, moment: datetime) -> int:
    return max(1, int((moment - printer.started_at).total_seconds()) + 1)


def _job_attributes(job: JobInfo, context: _Context) -> list[tuple[str, Attribute]]:
    printer, state = context.printer, JobState(job.state)
    reasons = list(dict.fromkeys(reason for reason in job.state_reasons if reason != "none"))
    if job.accepting_documents and "job-incoming" not in reasons:
        reasons.append("job-incoming")

    def moment(name: str, when: datetime | None) -> list[tuple[str, Attribute]]:
        if when is None:
            return [
                (_JOB_DESCRIPTION, Attribute.of(f"time-at-{name}", ValueTag.NO_VALUE)),
                (_JOB_DESCRIPTION, Attribute.of(f"date-time-at-{name}", ValueTag.NO_VALUE)),
            ]
        return [
            (_JOB_DESCRIPTION, Attribute.of(f"time-at-{name}", ValueTag.INTEGER, _up_time(printer, when))),
            (_JOB_DESCRIPTION, Attribute.of(f"date-time-at-{name}", ValueTag.DATE_TIME, when)),
        ]

    attributes = [
        Attribute.of("job-id", ValueTag.INTEGER, job.id),
        Attribute.of("job-uri", ValueTag.URI, f"{printer.printer_uri}/jobs/{job.id}"),
        Attribute.of("job-printer-uri", ValueTag.URI, printer.printer_uri),
        Attribute.of("job-name", ValueTag.NAME, job.name[:MAX_NAME_CHARACTERS] or "Untitled"),
        Attribute.of("job-originating-user-name", ValueTag.NAME, job.originating_user_name[:MAX_NAME_CHARACTERS]),
        Attribute.of("job-state", ValueTag.ENUM, state),
        Attribute.of("job-state-reasons", ValueTag.KEYWORD, *(reasons or ["none"])),
        Attribute.of("job-state-message", ValueTag.TEXT, (job.state_message or _STATE_MESSAGES[state])[:255]),
        Attribute.of("job-printer-up-time", ValueTag.INTEGER, _up_time(printer, context.now)),
        Attribute.of("job-k-octets", ValueTag.INTEGER, job.size_kbytes),
        Attribute.of("number-of-documents", ValueTag.INTEGER, job.document_count),
    ]
    return [
        *((_JOB_DESCRIPTION, attribute) for attribute in attributes),
        *moment("creation", job.created_at),
        *moment("processing", job.processing_at),
        *moment("completed", job.completed_at),
    ]


_STATE_MESSAGES = {
    JobState.PENDING: "Job pending.",
    JobState.PENDING_HELD: "Job waiting for its documents.",
    JobState.PROCESSING: "Job processing.",
    JobState.PROCESSING_STOPPED: "Job stopped.",
    JobState.CANCELED: "Job canceled.",
    JobState.ABORTED: "Job aborted.",
    JobState.COMPLETED: "Job completed.",
}


@dataclass(frozen=True)
class _MediaSize:
    name: str  # PWG 5101.1 self-describing name
    width: int  # hundredths of millimetres
    length: int

    def size_collection(self) -> Collection:
        return Collection(
            (
                Attribute.of("x-dimension", ValueTag.INTEGER, self.width),
                Attribute.of("y-dimension", ValueTag.INTEGER, self.length),
            )
        )

    def media_col(self) -> Collection:
        # A virtual printer has no unprintable edge: margins are 0, so clients do not shrink the page.
        return Collection(
            (
                Attribute.of("media-bottom-margin", ValueTag.INTEGER, 0),
                Attribute.of("media-left-margin", ValueTag.INTEGER, 0),
                Attribute.of("media-right-margin", ValueTag.INTEGER, 0),
                Attribute.of("media-size", ValueTag.BEGIN_COLLECTION, self.size_collection()),
                Attribute.of("media-source", ValueTag.KEYWORD, _MEDIA_SOURCE),
                Attribute.of("media-top-margin", ValueTag.INTEGER, 0),
                Attribute.of("media-type", ValueTag.KEYWORD, _MEDIA_TYPE),
            )
        )


_MEDIA_SIZES = (_MediaSize("iso_a4_210x297mm", 21000, 29700), _MediaSize("na_letter_8.5x11in", 21590, 27940))
_MEDIA_SOURCE, _MEDIA_TYPE = "auto", "stationery"
_MEDIA_COL_MEMBERS = (
    "media-bottom-margin",
    "media-left-margin",
    "media-right-margin",
    "media-size",
    "media-source",
    "media-top-margin",
    "media-type",
)
_RESOLUTION = Resolution(300, 300)
_COLOR_MODES = ("auto", "color", "monochrome")
_ORIENTATIONS = tuple(Orientation)
_QUALITIES = tuple(PrintQuality)


def _keyword_check(*supported: str) -> Callable[[Attribute], bool]:
    return lambda attribute: _single(attribute, {ValueTag.KEYWORD, *NAME_TAGS}) in supported


def _single(attribute: Attribute, tags: set[int]) -> object:
    """The value of a one-valued attribute of one of `tags`, else None."""
    if len(attribute.values) != 1 or attribute.tag not in tags:
        return None
    value = attribute.value
    return value.text if isinstance(value, StringWithLanguage) else value


def _media_size_supported(member: Attribute) -> bool:
    size = _single(member, {ValueTag.BEGIN_COLLECTION})
    if not isinstance(size, Collection) or len(size.members) != 2:
        return False
    width, length = (size.get(name) for name in ("x-dimension", "y-dimension"))
    dimensions = tuple(_single(dimension, {ValueTag.INTEGER}) if dimension else None for dimension in (width, length))
    return any(dimensions == (media_size.width, media_size.length) for media_size in _MEDIA_SIZES)


def _margin_supported(member: Attribute) -> bool:
    margin = _single(member, {ValueTag.INTEGER})
    return isinstance(margin, int) and margin >= 0


_MEDIA_COL_MEMBER_CHECKS: dict[str, Callable[[Attribute], bool]] = {
    "media-size": _media_size_supported,
    "media-source": lambda member: _single(member, {ValueTag.KEYWORD}) == _MEDIA_SOURCE,
    "media-type": lambda member: _single(member, {ValueTag.KEYWORD}) == _MEDIA_TYPE,
    **dict.fromkeys((name for name in _MEDIA_COL_MEMBERS if name.endswith("-margin")), _margin_supported),
}


def _media_col_supported(attribute: Attribute) -> bool:
    media_col = _single(attribute, {ValueTag.BEGIN_COLLECTION})
    return isinstance(media_col, Collection) and all(
        _MEDIA_COL_MEMBER_CHECKS.get(member.name, lambda _: False)(member) for member in media_col.members
    )


# Job Template attributes (RFC 8011 §5.2, PWG 5100.13) this printer accepts, each with the check of its values.
_JOB_TEMPLATE_CHECKS: dict[str, Callable[[Attribute], bool]] = {
    "copies": lambda attribute: _single(attribute, {ValueTag.INTEGER}) == 1,
    "finishings": lambda attribute: all(
        value.tag == ValueTag.ENUM and value.value == Finishing.NONE for value in attribute.values
    ),
    "job-sheets": _keyword_check("none"),
    "media": _keyword_check(*(media_size.name for media_size in _MEDIA_SIZES)),
    "media-col": _media_col_supported,
    "number-up": lambda attribute: _single(attribute, {ValueTag.INTEGER}) == 1,
    "orientation-requested": lambda attribute: _single(attribute, {ValueTag.ENUM}) in _ORIENTATIONS,
    "output-bin": _keyword_check("face-up"),
    "print-color-mode": _keyword_check(*_COLOR_MODES),
    "print-content-optimize": _keyword_check("auto"),
    "print-quality": lambda attribute: _single(attribute, {ValueTag.ENUM}) in _QUALITIES,
    "print-rendering-intent": _keyword_check("auto"),
    "print-scaling": _keyword_check("auto"),
    "printer-resolution": lambda attribute: _single(attribute, {ValueTag.RESOLUTION}) == _RESOLUTION,
    "sides": _keyword_check("one-sided"),
}


def _unsupported_job_attributes(attributes: Iterable[Attribute]) -> list[Attribute]:
    """RFC 8011 §4.1.7: an unknown attribute comes back as 'unsupported', a known one with its bad values."""
    unsupported = []
    for attribute in attributes:
        check = _JOB_TEMPLATE_CHECKS.get(attribute.name)
        if check is None:
            unsupported.append(Attribute.of(attribute.name, ValueTag.UNSUPPORTED))
        elif not check(attribute):
            unsupported.append(attribute)
    return unsupported


_OPERATIONS_SUPPORTED = sorted(_OPERATIONS)
_JOB_CREATION_ATTRIBUTES_SUPPORTED = ("ipp-attribute-fidelity", "job-name", *sorted(_JOB_TEMPLATE_CHECKS))


def _printer_attributes(context: _Context) -> list[tuple[str, Attribute]]:
    printer, now = context.printer, context.now
    secure = urlsplit(printer.printer_uri).scheme in ("ipps", "https")
    queued = len(context.store.list_jobs(which="not-completed", limit=None))
    device_id = f"MFG:{_device_id_field(printer.manufacturer)};MDL:{_device_id_field(printer.model)};CMD:PDF,JPEG;"
    k_octets = IntegerRange(0, max(1, printer.max_document_bytes // 1024))
    description = [
        Attribute.of("printer-uri-supported", ValueTag.URI, printer.printer_uri),
        Attribute.of("uri-security-supported", ValueTag.KEYWORD, "tls" if secure else "none"),
        Attribute.of("uri-authentication-supported", ValueTag.KEYWORD, "basic"),
        Attribute.of("printer-name", ValueTag.NAME, printer.name[:127]),
        Attribute.of("printer-info", ValueTag.TEXT, printer.info[:127]),
        Attribute.of("printer-location", ValueTag.TEXT, printer.location[:127]),
        Attribute.of("printer-more-info", ValueTag.URI, printer.more_info_uri),
        Attribute.of("printer-make-and-model", ValueTag.TEXT, printer.make_and_model[:127]),
        Attribute.of("printer-device-id", ValueTag.TEXT, device_id),
        Attribute.of("printer-uuid", ValueTag.URI, printer.uuid.urn),
        Attribute.of("printer-kind", ValueTag.KEYWORD, "document"),
        Attribute.of("printer-state", ValueTag.ENUM, PrinterState.IDLE),
        Attribute.of("printer-state-reasons", ValueTag.KEYWORD, "none"),
        Attribute.of("printer-is-accepting-jobs", ValueTag.BOOLEAN, printer.accepting),
        Attribute.of("queued-job-count", ValueTag.INTEGER, queued),
        Attribute.of("printer-up-time", ValueTag.INTEGER, _up_time(printer, now)),
        Attribute.of("printer-current-time", ValueTag.DATE_TIME, now),
        # The printer's settings and state only change when it is replaced by a new one: its start.
        Attribute.of("printer-config-change-time", ValueTag.INTEGER, 1),
        Attribute.of("printer-config-change-date-time", ValueTag.DATE_TIME, printer.started_at),
        Attribute.of("printer-state-change-time", ValueTag.INTEGER, 1),
        Attribute.of("printer-state-change-date-time", ValueTag.DATE_TIME, printer.started_at),
        Attribute.of("ipp-versions-supported", ValueTag.KEYWORD, *SUPPORTED_VERSIONS),
        # No pwg-raster, so no claim of IPP Everywhere conformance.
        Attribute.of("ipp-features-supported", ValueTag.KEYWORD, "none"),
        Attribute.of("operations-supported", ValueTag.ENUM, *_OPERATIONS_SUPPORTED),
        Attribute.of("multiple-document-jobs-supported", ValueTag.BOOLEAN, True),
        Attribute.of("multiple-operation-time-out", ValueTag.INTEGER, 300),
        Attribute.of("multiple-operation-time-out-action", ValueTag.KEYWORD, "abort-job"),
        Attribute.of("charset-configured", ValueTag.CHARSET, "utf-8"),
        Attribute.of("charset-supported", ValueTag.CHARSET, "utf-8"),
        Attribute.of("natural-language-configured", ValueTag.NATURAL_LANGUAGE, "en"),
        Attribute.of("generated-natural-language-supported", ValueTag.NATURAL_LANGUAGE, "en"),
        Attribute.of("document-format-default", ValueTag.MIME_MEDIA_TYPE, OCTET_STREAM),
        Attribute.of("document-format-supported", ValueTag.MIME_MEDIA_TYPE, OCTET_STREAM, *DOCUMENT_FORMATS),
        Attribute.of("compression-supported", ValueTag.KEYWORD, "none"),
        # The document is kept as sent: instructions inside it are not weighed against IPP attributes.
        Attribute.of("pdl-override-supported", ValueTag.KEYWORD, "not-attempted"),
        Attribute.of("job-k-octets-supported", ValueTag.RANGE_OF_INTEGER, k_octets),
        Attribute.of("which-jobs-supported", ValueTag.KEYWORD, "completed", "not-completed", "all"),
        Attribute.of("job-creation-attributes-supported", ValueTag.KEYWORD, *_JOB_CREATION_ATTRIBUTES_SUPPORTED),
        Attribute.of("color-supported", ValueTag.BOOLEAN, True),
        # Nominal speeds, required by PWG 5100.12; a virtual printer files a page at once.
        Attribute.of("pages-per-minute", ValueTag.INTEGER, 60),
        Attribute.of("pages-per-minute-color", ValueTag.INTEGER, 60),
    ]
    default_media = _MEDIA_SIZES[0]
    template = [
        Attribute.of("copies-default", ValueTag.INTEGER, 1),
        Attribute.of("copies-supported", ValueTag.RANGE_OF_INTEGER, IntegerRange(1, 1)),
        Attribute.of("finishings-default", ValueTag.ENUM, Finishing.NONE),
        Attribute.of("finishings-supported", ValueTag.ENUM, Finishing.NONE),
        Attribute.of("job-sheets-default", ValueTag.KEYWORD, "none"),
        Attribute.of("job-sheets-supported", ValueTag.KEYWORD, "none"),
        Attribute.of("media-default", ValueTag.KEYWORD, default_media.name),
        Attribute.of("media-supported", ValueTag.KEYWORD, *(size.name for size in _MEDIA_SIZES)),
        Attribute.of("media-ready", ValueTag.KEYWORD, *(size.name for size in _MEDIA_SIZES)),
        Attribute.of("media-col-default", ValueTag.BEGIN_COLLECTION, default_media.media_col()),
        Attribute.of("media-col-ready", ValueTag.BEGIN_COLLECTION, *(size.media_col() for size in _MEDIA_SIZES)),
        Attribute.of("media-col-supported", ValueTag.KEYWORD, *_MEDIA_COL_MEMBERS),
        Attribute.of("media-size-supported", ValueTag.BEGIN_COLLECTION, *(s.size_collection() for s in _MEDIA_SIZES)),
        Attribute.of("media-source-supported", ValueTag.KEYWORD, _MEDIA_SOURCE),
        Attribute.of("media-type-supported", ValueTag.KEYWORD, _MEDIA_TYPE),
        Attribute.of("media-bottom-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-left-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-right-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-top-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("number-up-default", ValueTag.INTEGER, 1),
        Attribute.of("number-up-supported", ValueTag.INTEGER, 1),
        Attribute.of("orientation-requested-default", ValueTag.ENUM, Orientation.PORTRAIT),
        Attribute.of("orientation-requested-supported", ValueTag.ENUM, *_ORIENTATIONS),
        Attribute.of("output-bin-default", ValueTag.KEYWORD, "face-up"),
        Attribute.of("output-bin-supported", ValueTag.KEYWORD, "face-up"),
        Attribute.of("print-color-mode-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-color-mode-supported", ValueTag.KEYWORD, *_COLOR_MODES),
        Attribute.of("print-content-optimize-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-content-optimize-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-quality-default", ValueTag.ENUM, PrintQuality.NORMAL),
        Attribute.of("print-quality-supported", ValueTag.ENUM, *_QUALITIES),
        Attribute.of("print-rendering-intent-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-rendering-intent-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-scaling-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-scaling-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("printer-resolution-default", ValueTag.RESOLUTION, _RESOLUTION),
        Attribute.of("printer-resolution-supported", ValueTag.RESOLUTION, _RESOLUTION),
        Attribute.of("sides-default", ValueTag.KEYWORD, "one-sided"),
        Attribute.of("sides-supported", ValueTag.KEYWORD, "one-sided"),
    ]
    database = Attribute.of("media-col-database", ValueTag.BEGIN_COLLECTION, *(s.media_col() for s in _MEDIA_SIZES))
    return [
        *((_DESCRIPTION, attribute) for attribute in description),
        *((_TEMPLATE, attribute) for attribute in template),
        (_MEDIA_COL_DATABASE, database),
    ]


def _device_id_field(text: str) -> str:
    """IEEE 1284 device ID values cannot hold its separators."""
    return text.replace(";", " ").replace(":", " ")
