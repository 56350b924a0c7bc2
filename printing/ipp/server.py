"""The operations of one virtual printer (RFC 8011, PWG 5100.11 and the IPP Everywhere attributes of 5100.14).

`handle` reads one IPP request from a stream (the HTTP request body), runs it against a `JobStore`, and
returns the encoded response. It never raises: a malformed or refused request gets an IPP status code, and
an unexpected failure (a bug, the database) is logged and answered with server-error-internal-error.

Documents are held in memory while they are checked, so `PrinterContext.max_document_bytes` bounds memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlsplit

from printing.ipp.attributes import job_attributes, printer_attributes, select
from printing.ipp.codec import (
    Attribute,
    AttributeGroup,
    IppError,
    Message,
    ReadableStream,
    RequestReader,
    StringWithLanguage,
    encode,
    read_attribute_groups,
    read_header,
)
from printing.ipp.constants import MAX_NAME_CHARACTERS, NAME_TAGS, DelimiterTag, JobState, Operation, Status, ValueTag
from printing.ipp.job_template import unsupported_job_attributes
from printing.ipp.model import (
    DOCUMENT_FORMATS,
    JPEG,
    OCTET_STREAM,
    PDF,
    Context,
    JobInfo,
    JobStore,
    PrinterContext,
    WhichJobs,
)

# The public API: the view, the services and the tests import these from here.
__all__ = ["DOCUMENT_FORMATS", "JPEG", "PDF", "JobInfo", "JobStore", "PrinterContext", "WhichJobs", "handle"]

logger = logging.getLogger(__name__)

_MAGIC_NUMBERS = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG))
_STRING_TAGS = frozenset({*NAME_TAGS, ValueTag.TEXT, ValueTag.TEXT_WITH_LANGUAGE})

_WHICH_JOBS = get_args(WhichJobs)


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
        response = operation(request, Context(printer, store, now))
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
        unsupported = unsupported_job_attributes(group.attributes if group else ())
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


def _print_job(request: _Request, context: Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    data, document_format = request.document(context.printer, request.document_format())
    if document_format is None:
        raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "Print-Job carries no document data.")
    job_id = context.store.create_job(
        job_name=_job_name(request), user_name=_user_name(request), document_format=document_format
    )
    context.store.add_document(job_id, data=data, document_format=document_format, last=True)
    return _job_created(context, job_id, status, unsupported)


def _validate_job(request: _Request, context: Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    return _Response(status, message=_ignored_message(unsupported), unsupported=unsupported)


def _create_job(request: _Request, context: Context) -> _Response:
    status, unsupported = _check_job_creation(request, context.printer)
    declared = request.document_format()
    job_id = context.store.create_job(
        job_name=_job_name(request),
        user_name=_user_name(request),
        document_format=None if declared == OCTET_STREAM else declared,
    )
    return _job_created(context, job_id, status, unsupported)


def _send_document(request: _Request, context: Context) -> _Response:
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


def _close_job(request: _Request, context: Context) -> _Response:
    job_id = request.job_id(context.printer)
    _open_job(context.store, job_id)
    context.store.close_job(job_id)
    return _job_response(context, job_id, _JOB_CREATION_ATTRIBUTES)


def _cancel_job(request: _Request, context: Context) -> _Response:
    job = _existing_job(context.store, request.job_id(context.printer))
    if JobState(job.state).is_terminal or not context.store.cancel_job(job.id):
        raise IppError(Status.CLIENT_ERROR_NOT_POSSIBLE, "The job is already completed, canceled or aborted.")
    return _Response(Status.SUCCESSFUL_OK)


def _cancel_my_jobs(request: _Request, context: Context) -> _Response:
    for job in context.store.list_jobs(which="not-completed", limit=None, user_name=_user_name(request)):
        context.store.cancel_job(job.id)
    return _Response(Status.SUCCESSFUL_OK)


def _get_job_attributes(request: _Request, context: Context) -> _Response:
    job_id = request.job_id(context.printer)
    return _job_response(context, job_id, request.requested_attributes(default={"all"}))


def _get_jobs(request: _Request, context: Context) -> _Response:
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
        AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, tuple(select(job_attributes(job, context), requested)))
        for job in jobs
    ]
    return _Response(Status.SUCCESSFUL_OK, groups=groups)


def _get_printer_attributes(request: _Request, context: Context) -> _Response:
    requested = request.requested_attributes(default={"all"})
    attributes = select(printer_attributes(context, _OPERATIONS_SUPPORTED), requested)
    return _Response(Status.SUCCESSFUL_OK, groups=[AttributeGroup(DelimiterTag.PRINTER_ATTRIBUTES, tuple(attributes))])


_OPERATIONS: dict[int, Callable[[_Request, Context], _Response]] = {
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


def _job_created(context: Context, job_id: int, status: Status, unsupported: list[Attribute]) -> _Response:
    response = _job_response(context, job_id, _JOB_CREATION_ATTRIBUTES)
    response.status, response.unsupported, response.message = status, unsupported, _ignored_message(unsupported)
    return response


def _job_response(context: Context, job_id: int, requested: set[str]) -> _Response:
    job = _existing_job(context.store, job_id)
    attributes = select(job_attributes(job, context), requested)
    return _Response(Status.SUCCESSFUL_OK, groups=[AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, tuple(attributes))])


# RFC 8011 §4.2.1.2: what a job creation answers with.
_JOB_CREATION_ATTRIBUTES = {"job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message"}

_OPERATIONS_SUPPORTED = sorted(_OPERATIONS)
