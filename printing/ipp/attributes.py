"""The printer's and the jobs' attributes, as Get-Printer-Attributes, Get-Job-Attributes and Get-Jobs return them.

Each attribute comes with its group name ('printer-description', 'job-template', ...) so that `select` can
filter them by requested-attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from printing.ipp.codec import Attribute, IntegerRange
from printing.ipp.constants import (
    MAX_NAME_CHARACTERS,
    SUPPORTED_VERSIONS,
    Finishing,
    JobState,
    Orientation,
    PrinterState,
    PrintQuality,
    ValueTag,
)
from printing.ipp.job_template import (
    COLOR_MODES,
    JOB_TEMPLATE_CHECKS,
    MEDIA_COL_MEMBERS,
    MEDIA_SIZES,
    MEDIA_SOURCE,
    MEDIA_TYPE,
    ORIENTATIONS,
    QUALITIES,
    RESOLUTION,
)
from printing.ipp.model import DOCUMENT_FORMATS, OCTET_STREAM, Context, JobInfo, PrinterContext

_DESCRIPTION, _TEMPLATE, _MEDIA_COL_DATABASE = "printer-description", "job-template", "media-col-database"
_JOB_DESCRIPTION = "job-description"


def select(attributes: Iterable[tuple[str, Attribute]], requested: set[str]) -> list[Attribute]:
    """requested-attributes filtering: names and group names; media-col-database only when named."""
    return [
        attribute
        for group, attribute in attributes
        if attribute.name in requested or (group != _MEDIA_COL_DATABASE and (group in requested or "all" in requested))
    ]


def _up_time(printer: PrinterContext, moment: datetime) -> int:
    return max(1, int((moment - printer.started_at).total_seconds()) + 1)


def job_attributes(job: JobInfo, context: Context) -> list[tuple[str, Attribute]]:
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


_JOB_CREATION_ATTRIBUTES_SUPPORTED = ("ipp-attribute-fidelity", "job-name", *sorted(JOB_TEMPLATE_CHECKS))


def printer_attributes(context: Context, operations_supported: Sequence[int]) -> list[tuple[str, Attribute]]:
    """The printer's attributes; `operations_supported` are the codes of the operations it carries out."""
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
        Attribute.of("operations-supported", ValueTag.ENUM, *operations_supported),
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
    default_media = MEDIA_SIZES[0]
    template = [
        Attribute.of("copies-default", ValueTag.INTEGER, 1),
        Attribute.of("copies-supported", ValueTag.RANGE_OF_INTEGER, IntegerRange(1, 1)),
        Attribute.of("finishings-default", ValueTag.ENUM, Finishing.NONE),
        Attribute.of("finishings-supported", ValueTag.ENUM, Finishing.NONE),
        Attribute.of("job-sheets-default", ValueTag.KEYWORD, "none"),
        Attribute.of("job-sheets-supported", ValueTag.KEYWORD, "none"),
        Attribute.of("media-default", ValueTag.KEYWORD, default_media.name),
        Attribute.of("media-supported", ValueTag.KEYWORD, *(size.name for size in MEDIA_SIZES)),
        Attribute.of("media-ready", ValueTag.KEYWORD, *(size.name for size in MEDIA_SIZES)),
        Attribute.of("media-col-default", ValueTag.BEGIN_COLLECTION, default_media.media_col()),
        Attribute.of("media-col-ready", ValueTag.BEGIN_COLLECTION, *(size.media_col() for size in MEDIA_SIZES)),
        Attribute.of("media-col-supported", ValueTag.KEYWORD, *MEDIA_COL_MEMBERS),
        Attribute.of("media-size-supported", ValueTag.BEGIN_COLLECTION, *(s.size_collection() for s in MEDIA_SIZES)),
        Attribute.of("media-source-supported", ValueTag.KEYWORD, MEDIA_SOURCE),
        Attribute.of("media-type-supported", ValueTag.KEYWORD, MEDIA_TYPE),
        Attribute.of("media-bottom-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-left-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-right-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("media-top-margin-supported", ValueTag.INTEGER, 0),
        Attribute.of("number-up-default", ValueTag.INTEGER, 1),
        Attribute.of("number-up-supported", ValueTag.INTEGER, 1),
        Attribute.of("orientation-requested-default", ValueTag.ENUM, Orientation.PORTRAIT),
        Attribute.of("orientation-requested-supported", ValueTag.ENUM, *ORIENTATIONS),
        Attribute.of("output-bin-default", ValueTag.KEYWORD, "face-up"),
        Attribute.of("output-bin-supported", ValueTag.KEYWORD, "face-up"),
        Attribute.of("print-color-mode-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-color-mode-supported", ValueTag.KEYWORD, *COLOR_MODES),
        Attribute.of("print-content-optimize-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-content-optimize-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-quality-default", ValueTag.ENUM, PrintQuality.NORMAL),
        Attribute.of("print-quality-supported", ValueTag.ENUM, *QUALITIES),
        Attribute.of("print-rendering-intent-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-rendering-intent-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-scaling-default", ValueTag.KEYWORD, "auto"),
        Attribute.of("print-scaling-supported", ValueTag.KEYWORD, "auto"),
        Attribute.of("printer-resolution-default", ValueTag.RESOLUTION, RESOLUTION),
        Attribute.of("printer-resolution-supported", ValueTag.RESOLUTION, RESOLUTION),
        Attribute.of("sides-default", ValueTag.KEYWORD, "one-sided"),
        Attribute.of("sides-supported", ValueTag.KEYWORD, "one-sided"),
    ]
    database = Attribute.of("media-col-database", ValueTag.BEGIN_COLLECTION, *(s.media_col() for s in MEDIA_SIZES))
    return [
        *((_DESCRIPTION, attribute) for attribute in description),
        *((_TEMPLATE, attribute) for attribute in template),
        (_MEDIA_COL_DATABASE, database),
    ]


def _device_id_field(text: str) -> str:
    """IEEE 1284 device ID values cannot hold its separators."""
    return text.replace(";", " ").replace(":", " ")
