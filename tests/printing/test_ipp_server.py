import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from printing.ipp.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    IntegerRange,
    IppError,
    Message,
    Resolution,
    StringWithLanguage,
    decode,
    encode,
)
from printing.ipp.constants import DelimiterTag, JobState, Operation, Status, ValueTag
from printing.ipp.server import JobInfo, PrinterContext, handle

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PRINTER_URI = "ipp://localhost/ipp/print/3f1c"
PRINTER = PrinterContext(
    printer_uri=PRINTER_URI,
    name="Dr Bob",
    uuid=uuid.UUID("5a0c1b2e-8d4f-4c3a-9e1d-2b7f6a5c4d3e"),
    more_info_uri="http://localhost/printing/",
    started_at=NOW - timedelta(hours=1),
    info="Cabinet du Dr Bob",
    location="Lyon",
    max_document_bytes=64 * 1024,
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(output, "JPEG")
    return output.getvalue()


@dataclass
class StoredJob:
    id: int
    name: str
    user_name: str
    created_at: datetime
    state: JobState = JobState.PENDING_HELD
    documents: list[tuple[str, bytes]] = field(default_factory=list)
    accepting_documents: bool = True
    completed_at: datetime | None = None


class MemoryJobStore:
    """The JobStore protocol kept in a dict: jobs complete as soon as their last document arrives."""

    def __init__(self, now: datetime = NOW):
        self.now = now
        self.jobs: dict[int, StoredJob] = {}

    def create_job(self, *, job_name, user_name, document_format):
        job_id = len(self.jobs) + 1
        self.jobs[job_id] = StoredJob(job_id, job_name, user_name, self.now)
        return job_id

    def add_document(self, job_id, *, data, document_format, last):
        self.jobs[job_id].documents.append((document_format, data))
        if last:
            self.close_job(job_id)

    def close_job(self, job_id):
        job = self.jobs[job_id]
        job.accepting_documents = False
        job.state = JobState.COMPLETED if job.documents else JobState.ABORTED
        job.completed_at = self.now

    def get_job(self, job_id):
        job = self.jobs.get(job_id)
        if job is None:
            return None
        return JobInfo(
            id=job.id,
            name=job.name,
            state=job.state,
            created_at=job.created_at,
            originating_user_name=job.user_name,
            processing_at=job.completed_at,
            completed_at=job.completed_at,
            size_kbytes=sum(len(data) for _, data in job.documents) // 1024,
            document_count=len(job.documents),
            accepting_documents=job.accepting_documents,
        )

    def list_jobs(self, *, which, limit, user_name=None):
        jobs = [
            self.get_job(job.id)
            for job in self.jobs.values()
            if (which == "all" or (which == "completed") == job.state.is_terminal)
            and (user_name is None or job.user_name == user_name)
        ]
        return jobs[:limit]

    def cancel_job(self, job_id):
        job = self.jobs[job_id]
        if job.state.is_terminal:
            return False
        job.state, job.accepting_documents, job.completed_at = JobState.CANCELED, False, self.now
        return True


def request_bytes(
    operation: int,
    *attributes: Attribute,
    job_attributes: tuple[Attribute, ...] = (),
    version: tuple[int, int] = (2, 0),
    request_id: int = 1,
    document: bytes = b"",
) -> bytes:
    operation_attributes = (
        Attribute.of("attributes-charset", ValueTag.CHARSET, "utf-8"),
        Attribute.of("attributes-natural-language", ValueTag.NATURAL_LANGUAGE, "en"),
        Attribute.of("printer-uri", ValueTag.URI, PRINTER_URI),
        Attribute.of("requesting-user-name", ValueTag.NAME, "bob"),
        *attributes,
    )
    groups = [AttributeGroup(DelimiterTag.OPERATION_ATTRIBUTES, operation_attributes)]
    if job_attributes:
        groups.append(AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, job_attributes))
    return encode(Message(version, operation, request_id, tuple(groups))) + document


def send(body: bytes, store: MemoryJobStore | None = None, printer: PrinterContext = PRINTER) -> Message:
    response = decode(handle(io.BytesIO(body), printer=printer, store=store or MemoryJobStore(), now=NOW))
    operation = response.groups[0]
    assert operation.tag == DelimiterTag.OPERATION_ATTRIBUTES
    assert [attribute.name for attribute in operation.attributes[:2]] == [
        "attributes-charset",
        "attributes-natural-language",
    ]
    return response


def call(operation: int, *attributes: Attribute, store: MemoryJobStore | None = None, **options) -> Message:
    return send(request_bytes(operation, *attributes, **options), store)


def values(response: Message, tag: int) -> dict[str, list[object]]:
    group = response.group(tag)
    assert group is not None, f"no group 0x{tag:02x} in the response"
    return {attribute.name: attribute.all_values() for attribute in group.attributes}


def tags(response: Message, tag: int) -> dict[str, int]:
    return {attribute.name: attribute.tag for attribute in response.group(tag).attributes}


def keyword(name: str, *words: str) -> Attribute:
    return Attribute.of(name, ValueTag.KEYWORD, *words)


def document_format(name: str) -> Attribute:
    return Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, name)


def job_id(number: int) -> Attribute:
    return Attribute.of("job-id", ValueTag.INTEGER, number)


def last_document(last: bool) -> Attribute:
    return Attribute.of("last-document", ValueTag.BOOLEAN, last)


def operation_group(*attributes: Attribute, operation: int = Operation.GET_PRINTER_ATTRIBUTES) -> bytes:
    return encode(
        Message(
            (2, 0),
            operation,
            5,
            (AttributeGroup(DelimiterTag.OPERATION_ATTRIBUTES, attributes),),
        )
    )


CHARSET = Attribute.of("attributes-charset", ValueTag.CHARSET, "utf-8")
LANGUAGE = Attribute.of("attributes-natural-language", ValueTag.NATURAL_LANGUAGE, "en")
TARGET = Attribute.of("printer-uri", ValueTag.URI, PRINTER_URI)


def print_pdf(store: MemoryJobStore, name: str = "ordonnance.pdf") -> int:
    response = call(
        Operation.PRINT_JOB,
        Attribute.of("job-name", ValueTag.NAME, name),
        document_format("application/pdf"),
        store=store,
        document=PDF,
    )
    assert response.code == Status.SUCCESSFUL_OK
    return values(response, DelimiterTag.JOB_ATTRIBUTES)["job-id"][0]


def create_job(store: MemoryJobStore) -> int:
    response = call(Operation.CREATE_JOB, Attribute.of("job-name", ValueTag.NAME, "scan"), store=store)
    assert response.code == Status.SUCCESSFUL_OK
    return values(response, DelimiterTag.JOB_ATTRIBUTES)["job-id"][0]


# ---------------------------------------------------------------------------------- Get-Printer-Attributes


def test_get_printer_attributes_gives_what_driverless_clients_and_ipptool_expect():
    response = call(Operation.GET_PRINTER_ATTRIBUTES, request_id=77)

    assert (response.version, response.code, response.request_id) == ((2, 0), Status.SUCCESSFUL_OK, 77)
    printer = values(response, DelimiterTag.PRINTER_ATTRIBUTES)
    syntax = tags(response, DelimiterTag.PRINTER_ATTRIBUTES)
    assert printer["printer-uri-supported"] == [PRINTER_URI]
    assert printer["uri-security-supported"] == ["none"]
    assert printer["uri-authentication-supported"] == ["basic"]
    assert printer["printer-name"] == ["Dr Bob"]
    assert printer["printer-info"] == ["Cabinet du Dr Bob"]
    assert printer["printer-location"] == ["Lyon"]
    assert printer["printer-more-info"] == ["http://localhost/printing/"]
    assert printer["printer-make-and-model"] == ["ReLyfe Virtual Printer"]
    assert printer["printer-device-id"] == ["MFG:ReLyfe;MDL:Virtual Printer;CMD:PDF,JPEG;"]
    assert printer["printer-uuid"] == ["urn:uuid:5a0c1b2e-8d4f-4c3a-9e1d-2b7f6a5c4d3e"]
    assert printer["printer-state"] == [3]
    assert printer["printer-state-reasons"] == ["none"]
    assert printer["printer-is-accepting-jobs"] == [True]
    assert printer["queued-job-count"] == [0]
    assert printer["printer-up-time"] == [3601]
    assert printer["ipp-versions-supported"] == ["1.1", "2.0"]
    assert set(printer["operations-supported"]) == {0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x39, 0x3B}
    assert printer["charset-configured"] == ["utf-8"]
    assert printer["charset-supported"] == ["utf-8"]
    assert printer["natural-language-configured"] == ["en"]
    assert printer["generated-natural-language-supported"] == ["en"]
    assert printer["document-format-default"] == ["application/octet-stream"]
    assert printer["document-format-supported"] == ["application/octet-stream", "application/pdf", "image/jpeg"]
    assert printer["compression-supported"] == ["none"]
    assert printer["pdl-override-supported"] == ["not-attempted"]
    assert printer["multiple-document-jobs-supported"] == [True]
    assert printer["media-default"] == ["iso_a4_210x297mm"]
    assert printer["media-supported"] == ["iso_a4_210x297mm", "na_letter_8.5x11in"]
    assert printer["media-ready"] == printer["media-supported"]
    assert printer["sides-default"] == ["one-sided"]
    assert printer["copies-supported"] == [IntegerRange(1, 1)]
    assert printer["printer-resolution-default"] == [Resolution(300, 300)]
    assert printer["print-color-mode-supported"] == ["auto", "color", "monochrome"]
    assert "job-name" in printer["job-creation-attributes-supported"]
    assert printer["ipp-features-supported"] == ["none"]
    assert printer["printer-kind"] == ["document"]
    assert syntax["printer-current-time"] == ValueTag.DATE_TIME
    assert syntax["media-col-default"] == ValueTag.BEGIN_COLLECTION
    default_size = printer["media-col-default"][0].get("media-size").value
    assert (default_size.get("x-dimension").value, default_size.get("y-dimension").value) == (21000, 29700)
    assert len(printer["media-col-ready"]) == 2
    # media-col-database is large: it only comes when it is named (as CUPS does).
    assert "media-col-database" not in printer
    # No raster format is accepted, so none is advertised.
    assert not any(name.startswith(("pwg-raster", "urf")) for name in printer)


def test_a_printer_behind_tls_says_so():
    printer = PrinterContext(**{**PRINTER.__dict__, "printer_uri": "ipps://relyfe.example/ipp/print/3f1c"})

    response = send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES), printer=printer)

    assert values(response, DelimiterTag.PRINTER_ATTRIBUTES)["uri-security-supported"] == ["tls"]


@pytest.mark.parametrize(
    ("requested", "present", "absent"),
    [
        (["printer-uri-supported"], {"printer-uri-supported"}, {"printer-name", "copies-default"}),
        (["job-template"], {"copies-default", "media-col-ready", "sides-supported"}, {"printer-name"}),
        (["printer-description"], {"printer-name", "operations-supported"}, {"copies-default"}),
        (["media-col-database"], {"media-col-database"}, {"printer-name"}),
        (["all", "media-col-database"], {"printer-name", "copies-default", "media-col-database"}, set()),
        (["no-such-attribute"], set(), {"printer-name"}),
    ],
)
def test_requested_attributes_choose_the_printer_attributes(requested, present, absent):
    response = call(Operation.GET_PRINTER_ATTRIBUTES, keyword("requested-attributes", *requested))

    assert response.code == Status.SUCCESSFUL_OK
    names = set(values(response, DelimiterTag.PRINTER_ATTRIBUTES))
    assert present <= names
    assert not absent & names


def test_media_col_database_lists_every_size():
    response = call(Operation.GET_PRINTER_ATTRIBUTES, keyword("requested-attributes", "media-col-database"))

    database = values(response, DelimiterTag.PRINTER_ATTRIBUTES)["media-col-database"]
    sizes = [media_col.get("media-size").value for media_col in database]
    assert [(size.get("x-dimension").value, size.get("y-dimension").value) for size in sizes] == [
        (21000, 29700),
        (21590, 27940),
    ]


def test_a_request_written_out_as_cups_sends_it_is_answered():
    # What `lpstat`/the CUPS ipp backend sends first: requested-attributes as one attribute with additional
    # values (name-length 0), written here octet by octet.
    def field(tag: int, name: bytes, value: bytes) -> bytes:
        return bytes([tag]) + len(name).to_bytes(2, "big") + name + len(value).to_bytes(2, "big") + value

    uri = PRINTER_URI.encode()
    body = (
        b"\x02\x00\x00\x0b\x00\x00\x00\x01\x01"
        + field(0x47, b"attributes-charset", b"utf-8")
        + field(0x48, b"attributes-natural-language", b"en-us")
        + field(0x45, b"printer-uri", uri)
        + field(0x42, b"requesting-user-name", b"bob")
        + field(0x44, b"requested-attributes", b"printer-state")
        + field(0x44, b"", b"printer-state-reasons")
        + field(0x44, b"", b"document-format-supported")
        + field(0x44, b"", b"media-col-ready")
        + b"\x03"
    )

    response = send(body)

    assert response.code == Status.SUCCESSFUL_OK
    assert set(values(response, DelimiterTag.PRINTER_ATTRIBUTES)) == {
        "printer-state",
        "printer-state-reasons",
        "document-format-supported",
        "media-col-ready",
    }


def test_queued_job_count_counts_the_jobs_waiting_for_documents():
    store = MemoryJobStore()
    create_job(store)
    print_pdf(store)

    response = call(Operation.GET_PRINTER_ATTRIBUTES, keyword("requested-attributes", "queued-job-count"), store=store)

    assert values(response, DelimiterTag.PRINTER_ATTRIBUTES) == {"queued-job-count": [1]}


# ------------------------------------------------------------------------------------ Print-Job, Validate-Job


def test_print_job_with_a_pdf_stores_the_document():
    store = MemoryJobStore()
    response = call(
        Operation.PRINT_JOB,
        Attribute.of("job-name", ValueTag.NAME, "ordonnance.pdf"),
        document_format("application/pdf"),
        job_attributes=(Attribute.of("copies", ValueTag.INTEGER, 1),),
        store=store,
        document=PDF,
    )

    assert response.code == Status.SUCCESSFUL_OK
    job = values(response, DelimiterTag.JOB_ATTRIBUTES)
    assert job == {
        "job-id": [1],
        "job-uri": [f"{PRINTER_URI}/jobs/1"],
        "job-state": [JobState.COMPLETED],
        "job-state-reasons": ["none"],
        "job-state-message": ["Job completed."],
    }
    stored = store.jobs[1]
    assert (stored.name, stored.user_name, stored.documents) == ("ordonnance.pdf", "bob", [("application/pdf", PDF)])


def test_print_job_with_a_jpeg_stores_the_photo():
    store = MemoryJobStore()
    photo = jpeg_bytes()

    response = call(Operation.PRINT_JOB, document_format("image/jpeg"), store=store, document=photo)

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[1].documents == [("image/jpeg", photo)]
    assert store.jobs[1].name == "Untitled"


@pytest.mark.parametrize(("document", "detected"), [(PDF, "application/pdf"), (jpeg_bytes(), "image/jpeg")])
def test_an_octet_stream_is_recognised_by_its_content(document, detected):
    store = MemoryJobStore()

    response = call(Operation.PRINT_JOB, document_format("application/octet-stream"), store=store, document=document)

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[1].documents == [(detected, document)]


def test_a_document_without_a_format_is_recognised_by_its_content():
    store = MemoryJobStore()

    assert call(Operation.PRINT_JOB, store=store, document=PDF).code == Status.SUCCESSFUL_OK
    assert store.jobs[1].documents == [("application/pdf", PDF)]


@pytest.mark.parametrize(
    ("declared", "document"),
    [
        ("application/pdf", jpeg_bytes()),
        ("application/pdf", b"<html>not a pdf</html>"),
        ("image/jpeg", PDF),
        ("image/jpeg", b"\xff\xd8"),
    ],
)
def test_a_document_that_is_not_what_it_claims_is_a_document_format_error(declared, document):
    store = MemoryJobStore()

    response = call(Operation.PRINT_JOB, document_format(declared), store=store, document=document)

    assert response.code == Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR
    assert store.jobs == {}


def test_an_octet_stream_that_is_neither_pdf_nor_jpeg_is_a_format_not_supported():
    store = MemoryJobStore()

    response = call(
        Operation.PRINT_JOB, document_format("application/octet-stream"), store=store, document=b"%!PS-Adobe-3.0\n"
    )

    assert response.code == Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    assert store.jobs == {}


def test_an_unsupported_document_format_is_refused_and_named():
    store = MemoryJobStore()

    response = call(Operation.PRINT_JOB, document_format("text/plain"), store=store, document=b"hello")

    assert response.code == Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"document-format": ["text/plain"]}
    assert store.jobs == {}


def test_a_document_over_the_size_limit_is_refused():
    store = MemoryJobStore()
    too_big = PDF + b"0" * PRINTER.max_document_bytes

    response = call(Operation.PRINT_JOB, document_format("application/pdf"), store=store, document=too_big)

    assert response.code == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert store.jobs == {}


def test_a_document_exactly_at_the_size_limit_is_accepted():
    store = MemoryJobStore()
    document = PDF + b"0" * (PRINTER.max_document_bytes - len(PDF))

    response = call(Operation.PRINT_JOB, document_format("application/pdf"), store=store, document=document)

    assert response.code == Status.SUCCESSFUL_OK
    assert values(call(Operation.GET_JOB_ATTRIBUTES, job_id(1), store=store), DelimiterTag.JOB_ATTRIBUTES)[
        "job-k-octets"
    ] == [64]


def test_print_job_without_document_data_is_a_bad_request():
    store = MemoryJobStore()

    assert call(Operation.PRINT_JOB, document_format("application/pdf"), store=store).code == (
        Status.CLIENT_ERROR_BAD_REQUEST
    )
    assert store.jobs == {}


def test_compressed_documents_are_refused():
    response = call(Operation.PRINT_JOB, keyword("compression", "gzip"), document=PDF)

    assert response.code == Status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"compression": ["gzip"]}


def test_unsupported_job_attributes_are_ignored_and_reported():
    store = MemoryJobStore()
    response = call(
        Operation.PRINT_JOB,
        Attribute.of("ipp-attribute-fidelity", ValueTag.BOOLEAN, False),
        job_attributes=(
            keyword("sides", "two-sided-long-edge"),
            Attribute.of("copies", ValueTag.INTEGER, 3),
            Attribute.of("job-priority", ValueTag.INTEGER, 50),
            keyword("print-color-mode", "monochrome"),
            keyword("media", "iso_a4_210x297mm"),
        ),
        store=store,
        document=PDF,
    )

    assert response.code == Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {
        "sides": ["two-sided-long-edge"],
        "copies": [3],
        "job-priority": [None],
    }
    assert tags(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES)["job-priority"] == ValueTag.UNSUPPORTED
    assert values(response, DelimiterTag.JOB_ATTRIBUTES)["job-id"] == [1]
    assert len(store.jobs[1].documents) == 1


def test_with_fidelity_an_unsupported_job_attribute_refuses_the_job():
    store = MemoryJobStore()
    response = call(
        Operation.PRINT_JOB,
        Attribute.of("ipp-attribute-fidelity", ValueTag.BOOLEAN, True),
        job_attributes=(keyword("sides", "two-sided-long-edge"),),
        store=store,
        document=PDF,
    )

    assert response.code == Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"sides": ["two-sided-long-edge"]}
    assert store.jobs == {}


def test_a_media_col_from_the_media_col_database_is_accepted():
    database = values(
        call(Operation.GET_PRINTER_ATTRIBUTES, keyword("requested-attributes", "media-col-database")),
        DelimiterTag.PRINTER_ATTRIBUTES,
    )["media-col-database"]

    for media_col in database:
        response = call(
            Operation.VALIDATE_JOB,
            job_attributes=(Attribute.of("media-col", ValueTag.BEGIN_COLLECTION, media_col),),
        )
        assert response.code == Status.SUCCESSFUL_OK


def test_a_media_col_with_an_unknown_size_is_reported():
    size = Collection(
        (Attribute.of("x-dimension", ValueTag.INTEGER, 10160), Attribute.of("y-dimension", ValueTag.INTEGER, 15240))
    )
    media_col = Collection((Attribute.of("media-size", ValueTag.BEGIN_COLLECTION, size),))

    response = call(
        Operation.VALIDATE_JOB, job_attributes=(Attribute.of("media-col", ValueTag.BEGIN_COLLECTION, media_col),)
    )

    assert response.code == Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"media-col": [media_col]}


def test_validate_job_checks_and_stores_nothing():
    store = MemoryJobStore()

    response = call(
        Operation.VALIDATE_JOB,
        Attribute.of("job-name", ValueTag.NAME, "test"),
        document_format("application/pdf"),
        keyword("compression", "none"),
        store=store,
        document=PDF,
    )

    assert response.code == Status.SUCCESSFUL_OK
    assert response.group(DelimiterTag.JOB_ATTRIBUTES) is None
    assert store.jobs == {}


def test_validate_job_refuses_an_unsupported_format():
    assert call(Operation.VALIDATE_JOB, document_format("application/postscript")).code == (
        Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    )


def test_a_printer_that_is_not_accepting_jobs_refuses_them():
    printer = PrinterContext(**{**PRINTER.__dict__, "accepting": False})
    store = MemoryJobStore()

    for operation in (Operation.PRINT_JOB, Operation.VALIDATE_JOB, Operation.CREATE_JOB):
        response = send(request_bytes(operation, document=PDF), store, printer=printer)
        assert response.code == Status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    assert store.jobs == {}
    response = send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES), store, printer=printer)
    assert values(response, DelimiterTag.PRINTER_ATTRIBUTES)["printer-is-accepting-jobs"] == [False]


def test_a_job_name_with_a_language_is_kept_and_cut_to_255_characters():
    store = MemoryJobStore()
    name = StringWithLanguage("é" * 300, "fr")

    call(Operation.PRINT_JOB, Attribute.of("job-name", ValueTag.NAME_WITH_LANGUAGE, name), store=store, document=PDF)

    assert store.jobs[1].name == "é" * 255


def test_a_job_name_sent_as_text_is_accepted():
    store = MemoryJobStore()

    response = call(
        Operation.PRINT_JOB, Attribute.of("job-name", ValueTag.TEXT, "compte-rendu"), store=store, document=PDF
    )

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[1].name == "compte-rendu"


def test_a_body_that_arrives_a_few_bytes_at_a_time_is_read_whole():
    class TricklingStream:
        def __init__(self, data: bytes):
            self.data = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self.data.read(min(size, 3))

    store = MemoryJobStore()
    body = request_bytes(Operation.PRINT_JOB, document_format("image/jpeg"), document=jpeg_bytes())

    response = decode(handle(TricklingStream(body), printer=PRINTER, store=store, now=NOW))

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[1].documents == [("image/jpeg", jpeg_bytes())]


# ---------------------------------------------------------------------------- Create-Job, Send-Document


def test_create_job_then_send_document_completes_the_job():
    store = MemoryJobStore()
    job = create_job(store)

    waiting = values(call(Operation.GET_JOB_ATTRIBUTES, job_id(job), store=store), DelimiterTag.JOB_ATTRIBUTES)
    assert waiting["job-state"] == [JobState.PENDING_HELD]
    assert waiting["job-state-reasons"] == ["job-incoming"]

    response = call(
        Operation.SEND_DOCUMENT,
        job_id(job),
        last_document(True),
        document_format("application/pdf"),
        store=store,
        document=PDF,
    )

    assert response.code == Status.SUCCESSFUL_OK
    assert values(response, DelimiterTag.JOB_ATTRIBUTES)["job-state"] == [JobState.COMPLETED]
    assert store.jobs[job].documents == [("application/pdf", PDF)]
    assert store.jobs[job].state == JobState.COMPLETED


def test_a_job_can_receive_several_documents():
    store = MemoryJobStore()
    job = create_job(store)
    photo = jpeg_bytes()

    first = call(Operation.SEND_DOCUMENT, job_id(job), last_document(False), store=store, document=PDF)
    second = call(Operation.SEND_DOCUMENT, job_id(job), last_document(True), store=store, document=photo)

    assert (first.code, second.code) == (Status.SUCCESSFUL_OK, Status.SUCCESSFUL_OK)
    assert values(first, DelimiterTag.JOB_ATTRIBUTES)["job-state-reasons"] == ["job-incoming"]
    assert store.jobs[job].documents == [("application/pdf", PDF), ("image/jpeg", photo)]


def test_an_empty_last_document_closes_the_job():
    store = MemoryJobStore()
    job = create_job(store)
    call(Operation.SEND_DOCUMENT, job_id(job), last_document(False), store=store, document=PDF)

    response = call(Operation.SEND_DOCUMENT, job_id(job), last_document(True), store=store)

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[job].state == JobState.COMPLETED
    assert len(store.jobs[job].documents) == 1


def test_close_job_ends_a_job_that_received_no_document():
    store = MemoryJobStore()
    job = create_job(store)

    response = call(Operation.CLOSE_JOB, job_id(job), store=store)

    assert response.code == Status.SUCCESSFUL_OK
    assert values(response, DelimiterTag.JOB_ATTRIBUTES)["job-state"] == [JobState.ABORTED]
    assert call(Operation.CLOSE_JOB, job_id(job), store=store).code == Status.CLIENT_ERROR_NOT_POSSIBLE


def test_send_document_needs_last_document():
    store = MemoryJobStore()
    job = create_job(store)

    response = call(Operation.SEND_DOCUMENT, job_id(job), store=store, document=PDF)

    assert response.code == Status.CLIENT_ERROR_BAD_REQUEST
    assert store.jobs[job].documents == []


def test_send_document_to_a_finished_job_is_not_possible():
    store = MemoryJobStore()
    job = print_pdf(store)

    response = call(Operation.SEND_DOCUMENT, job_id(job), last_document(True), store=store, document=PDF)

    assert response.code == Status.CLIENT_ERROR_NOT_POSSIBLE
    assert len(store.jobs[job].documents) == 1


def test_send_document_to_an_unknown_job_is_not_found():
    response = call(Operation.SEND_DOCUMENT, job_id(99), last_document(True), document=PDF)

    assert response.code == Status.CLIENT_ERROR_NOT_FOUND


def test_send_document_checks_the_document_like_print_job():
    store = MemoryJobStore()
    job = create_job(store)

    response = call(
        Operation.SEND_DOCUMENT,
        job_id(job),
        last_document(True),
        document_format("image/jpeg"),
        store=store,
        document=b"GIF89a",
    )

    assert response.code == Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR
    assert store.jobs[job].documents == []
    assert store.jobs[job].accepting_documents


# ------------------------------------------------------------------------- Get-Jobs, Get-Job-Attributes


def test_get_job_attributes_gives_the_job_description():
    store = MemoryJobStore()
    job = print_pdf(store)

    response = call(Operation.GET_JOB_ATTRIBUTES, job_id(job), store=store)

    assert response.code == Status.SUCCESSFUL_OK
    attributes = values(response, DelimiterTag.JOB_ATTRIBUTES)
    assert attributes["job-id"] == [job]
    assert attributes["job-uri"] == [f"{PRINTER_URI}/jobs/{job}"]
    assert attributes["job-printer-uri"] == [PRINTER_URI]
    assert attributes["job-name"] == ["ordonnance.pdf"]
    assert attributes["job-originating-user-name"] == ["bob"]
    assert attributes["job-state"] == [JobState.COMPLETED]
    assert attributes["job-state-reasons"] == ["none"]
    assert attributes["number-of-documents"] == [1]
    assert attributes["job-printer-up-time"] == [3601]
    assert attributes["time-at-creation"] == [3601]
    assert attributes["time-at-completed"] == [3601]
    assert attributes["date-time-at-creation"] == [NOW]
    assert attributes["date-time-at-completed"] == [NOW]


def test_a_job_not_yet_processed_has_no_value_for_its_processing_times():
    store = MemoryJobStore()
    job = create_job(store)

    response = call(Operation.GET_JOB_ATTRIBUTES, job_id(job), store=store)

    syntax = tags(response, DelimiterTag.JOB_ATTRIBUTES)
    assert syntax["time-at-processing"] == ValueTag.NO_VALUE
    assert syntax["date-time-at-completed"] == ValueTag.NO_VALUE


def test_get_job_attributes_filters_with_requested_attributes():
    store = MemoryJobStore()
    job = print_pdf(store)

    response = call(
        Operation.GET_JOB_ATTRIBUTES, job_id(job), keyword("requested-attributes", "job-state"), store=store
    )

    assert values(response, DelimiterTag.JOB_ATTRIBUTES) == {"job-state": [JobState.COMPLETED]}


def test_a_job_can_be_named_by_its_job_uri():
    store = MemoryJobStore()
    job = print_pdf(store)
    body = operation_group(
        CHARSET,
        LANGUAGE,
        Attribute.of("job-uri", ValueTag.URI, f"{PRINTER_URI}/jobs/{job}"),
        keyword("requested-attributes", "job-id"),
        operation=Operation.GET_JOB_ATTRIBUTES,
    )

    response = send(body, store)

    assert values(response, DelimiterTag.JOB_ATTRIBUTES) == {"job-id": [job]}


def test_an_unknown_job_is_not_found():
    store = MemoryJobStore()
    print_pdf(store)

    for operation in (Operation.GET_JOB_ATTRIBUTES, Operation.CANCEL_JOB, Operation.CLOSE_JOB):
        assert call(operation, job_id(42), store=store).code == Status.CLIENT_ERROR_NOT_FOUND


@pytest.mark.parametrize("attribute", [Attribute.of("job-id", ValueTag.INTEGER, 0), keyword("job-id", "1"), None])
def test_a_missing_or_invalid_job_id_is_a_bad_request(attribute):
    attributes = (attribute,) if attribute else ()

    assert call(Operation.GET_JOB_ATTRIBUTES, *attributes).code == Status.CLIENT_ERROR_BAD_REQUEST


def job_ids(response: Message) -> list[int]:
    return [group.get("job-id").value for group in response.groups_with_tag(DelimiterTag.JOB_ATTRIBUTES)]


def test_get_jobs_chooses_jobs_with_which_jobs():
    store = MemoryJobStore()
    done = print_pdf(store)
    waiting = create_job(store)

    assert job_ids(call(Operation.GET_JOBS, store=store)) == [waiting]
    assert job_ids(call(Operation.GET_JOBS, keyword("which-jobs", "not-completed"), store=store)) == [waiting]
    assert job_ids(call(Operation.GET_JOBS, keyword("which-jobs", "completed"), store=store)) == [done]
    assert job_ids(call(Operation.GET_JOBS, keyword("which-jobs", "all"), store=store)) == [done, waiting]


def test_get_jobs_answers_job_id_and_job_uri_unless_asked_for_more():
    store = MemoryJobStore()
    print_pdf(store)

    plain = call(Operation.GET_JOBS, keyword("which-jobs", "completed"), store=store)
    everything = call(
        Operation.GET_JOBS, keyword("which-jobs", "completed"), keyword("requested-attributes", "all"), store=store
    )

    assert set(values(plain, DelimiterTag.JOB_ATTRIBUTES)) == {"job-id", "job-uri"}
    assert {"job-name", "job-state", "time-at-creation"} <= set(values(everything, DelimiterTag.JOB_ATTRIBUTES))


def test_get_jobs_honours_limit_and_my_jobs():
    store = MemoryJobStore()
    for _ in range(3):
        print_pdf(store)
    store.jobs[3].user_name = "alice"

    limited = call(
        Operation.GET_JOBS, keyword("which-jobs", "all"), Attribute.of("limit", ValueTag.INTEGER, 2), store=store
    )
    mine = call(
        Operation.GET_JOBS, keyword("which-jobs", "all"), Attribute.of("my-jobs", ValueTag.BOOLEAN, True), store=store
    )

    assert job_ids(limited) == [1, 2]
    assert job_ids(mine) == [1, 2]


def test_get_jobs_with_no_job_answers_only_operation_attributes():
    response = call(Operation.GET_JOBS, keyword("which-jobs", "completed"))

    assert response.code == Status.SUCCESSFUL_OK
    assert [group.tag for group in response.groups] == [DelimiterTag.OPERATION_ATTRIBUTES]


def test_an_unsupported_which_jobs_is_reported():
    response = call(Operation.GET_JOBS, keyword("which-jobs", "proof-print"))

    assert response.code == Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"which-jobs": ["proof-print"]}


# ----------------------------------------------------------------------------------------------- Cancel


def test_cancel_job_cancels_a_job_waiting_for_documents():
    store = MemoryJobStore()
    job = create_job(store)

    response = call(Operation.CANCEL_JOB, job_id(job), store=store)

    assert response.code == Status.SUCCESSFUL_OK
    assert store.jobs[job].state == JobState.CANCELED


def test_cancel_job_on_a_completed_job_is_not_possible():
    store = MemoryJobStore()
    job = print_pdf(store)

    response = call(Operation.CANCEL_JOB, job_id(job), store=store)

    assert response.code == Status.CLIENT_ERROR_NOT_POSSIBLE
    assert store.jobs[job].state == JobState.COMPLETED


def test_cancel_my_jobs_cancels_only_the_requesting_users_open_jobs():
    store = MemoryJobStore()
    mine, done = create_job(store), print_pdf(store)
    theirs = create_job(store)
    store.jobs[theirs].user_name = "alice"

    response = call(Operation.CANCEL_MY_JOBS, store=store)

    assert response.code == Status.SUCCESSFUL_OK
    assert [store.jobs[job].state for job in (mine, done, theirs)] == [
        JobState.CANCELED,
        JobState.COMPLETED,
        JobState.PENDING_HELD,
    ]


# ------------------------------------------------------------------------------------- malformed requests


def test_an_empty_body_is_a_bad_request():
    response = send(b"")

    assert (response.code, response.request_id) == (Status.CLIENT_ERROR_BAD_REQUEST, 0)


def test_a_truncated_header_is_a_bad_request():
    assert send(b"\x02\x00\x00\x0b\x00").code == Status.CLIENT_ERROR_BAD_REQUEST


def test_a_truncated_attribute_is_a_bad_request_that_keeps_the_request_id():
    body = request_bytes(Operation.GET_PRINTER_ATTRIBUTES, request_id=9)
    cut = body.index(b"printer-uri") + 5

    response = send(body[:cut])

    assert (response.code, response.request_id) == (Status.CLIENT_ERROR_BAD_REQUEST, 9)


def test_a_request_without_end_of_attributes_is_a_bad_request():
    assert send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES)[:-1]).code == Status.CLIENT_ERROR_BAD_REQUEST


@pytest.mark.parametrize("version", [(3, 0), (1, 0), (0, 0)])
def test_unsupported_versions_are_refused(version):
    response = send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES, version=version))

    assert response.code == Status.SERVER_ERROR_VERSION_NOT_SUPPORTED
    assert response.version == ((1, 1) if version[0] <= 1 else (2, 0))


@pytest.mark.parametrize(("version", "answered"), [((1, 1), (1, 1)), ((2, 0), (2, 0)), ((2, 2), (2, 0))])
def test_supported_versions_are_answered_in_kind(version, answered):
    response = send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES, version=version))

    assert (response.code, response.version) == (Status.SUCCESSFUL_OK, answered)


def test_a_request_id_of_zero_is_a_bad_request():
    assert send(request_bytes(Operation.GET_PRINTER_ATTRIBUTES, request_id=0)).code == Status.CLIENT_ERROR_BAD_REQUEST


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param((), id="no-operation-attributes"),
        pytest.param((LANGUAGE, TARGET), id="missing-charset"),
        pytest.param((CHARSET, TARGET), id="missing-natural-language"),
        pytest.param((LANGUAGE, CHARSET, TARGET), id="natural-language-first"),
        pytest.param((TARGET, CHARSET, LANGUAGE), id="printer-uri-first"),
        pytest.param((CHARSET, LANGUAGE), id="missing-printer-uri"),
        pytest.param(
            (Attribute.of("attributes-charset", ValueTag.KEYWORD, "utf-8"), LANGUAGE, TARGET), id="charset-as-keyword"
        ),
        pytest.param((CHARSET, LANGUAGE, Attribute.of("printer-uri", ValueTag.TEXT, PRINTER_URI)), id="uri-as-text"),
    ],
)
def test_misplaced_or_missing_operation_attributes_are_a_bad_request(attributes):
    assert send(operation_group(*attributes)).code == Status.CLIENT_ERROR_BAD_REQUEST


def test_a_request_whose_first_group_is_not_operation_attributes_is_a_bad_request():
    message = Message(
        (2, 0),
        Operation.GET_PRINTER_ATTRIBUTES,
        5,
        (AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, (CHARSET, LANGUAGE, TARGET)),),
    )

    assert send(encode(message)).code == Status.CLIENT_ERROR_BAD_REQUEST


def test_a_charset_other_than_utf_8_is_not_supported():
    response = send(
        operation_group(Attribute.of("attributes-charset", ValueTag.CHARSET, "iso-8859-1"), LANGUAGE, TARGET)
    )

    assert response.code == Status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"attributes-charset": ["iso-8859-1"]}


@pytest.mark.parametrize("operation", [Operation.HOLD_JOB, Operation.PRINT_URI, Operation.PAUSE_PRINTER, 0x4001])
def test_an_unsupported_operation_is_refused(operation):
    assert call(operation).code == Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED


def test_an_unknown_tag_is_a_bad_request():
    body = request_bytes(Operation.GET_PRINTER_ATTRIBUTES)

    assert send(body[:-1] + b"\x0e\x03").code == Status.CLIENT_ERROR_BAD_REQUEST


def test_an_unknown_value_syntax_in_a_job_attribute_is_reported_as_unsupported():
    body = request_bytes(Operation.VALIDATE_JOB, job_attributes=(Attribute.of("copies", 0x5F, b"\x01"),))

    response = send(body)

    assert response.code == Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert values(response, DelimiterTag.UNSUPPORTED_ATTRIBUTES) == {"copies": [b"\x01"]}


def test_a_huge_attribute_value_is_refused_as_too_long():
    body = request_bytes(Operation.PRINT_JOB, Attribute.of("job-name", ValueTag.NAME, "x"), document=PDF)
    huge = body.replace(b"job-name\x00\x01x", b"job-name\x10\x00" + b"x" * 4096)

    assert send(huge).code == Status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG


def test_too_many_attributes_are_refused_as_too_large():
    many = tuple(Attribute.of(f"x-{index}", ValueTag.INTEGER, 1) for index in range(1200))

    assert call(Operation.PRINT_JOB, *many, document=PDF).code == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_an_attribute_header_over_the_budget_is_refused_as_too_large():
    many = tuple(Attribute.of(f"x-{index}", ValueTag.TEXT, "y" * 1000) for index in range(300))

    assert call(Operation.GET_PRINTER_ATTRIBUTES, *many).code == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_a_failing_store_gives_an_internal_error_not_an_exception():
    class BrokenStore(MemoryJobStore):
        def create_job(self, **kwargs):
            raise RuntimeError("database is down")

    response = send(request_bytes(Operation.PRINT_JOB, document=PDF, request_id=3), BrokenStore())

    assert (response.code, response.request_id) == (Status.SERVER_ERROR_INTERNAL_ERROR, 3)


def test_a_store_can_refuse_with_an_ipp_status():
    class FullStore(MemoryJobStore):
        def create_job(self, **kwargs):
            raise IppError(Status.SERVER_ERROR_BUSY, "Too many jobs today.")

    response = send(request_bytes(Operation.PRINT_JOB, document=PDF), FullStore())

    assert response.code == Status.SERVER_ERROR_BUSY
    assert values(response, DelimiterTag.OPERATION_ATTRIBUTES)["status-message"] == ["Too many jobs today."]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(buffer)) if buffer else 0
        match rng.randrange(5):
            case 0:
                buffer[position : position + 1] = bytes([rng.randrange(256)])
            case 1:
                del buffer[position : position + rng.randint(1, 16)]
            case 2:
                buffer[position:position] = rng.randbytes(rng.randint(1, 16))
            case 3:
                buffer = buffer[:position]
            case 4:
                start = rng.randrange(len(buffer)) if buffer else 0
                buffer[position:position] = buffer[start : start + rng.randint(1, 64)]
    return bytes(buffer)


def test_random_mutations_of_valid_requests_always_get_an_ipp_response():
    rng = random.Random(8010)
    seeds = [
        request_bytes(Operation.GET_PRINTER_ATTRIBUTES, keyword("requested-attributes", "all", "media-col-database")),
        request_bytes(
            Operation.PRINT_JOB,
            document_format("application/pdf"),
            job_attributes=(keyword("media", "iso_a4_210x297mm"), Attribute.of("copies", ValueTag.INTEGER, 1)),
            document=PDF,
        ),
        request_bytes(Operation.SEND_DOCUMENT, job_id(1), last_document(True), document=jpeg_bytes()),
        request_bytes(Operation.GET_JOBS, keyword("which-jobs", "all"), keyword("requested-attributes", "all")),
        request_bytes(
            Operation.VALIDATE_JOB,
            job_attributes=(
                Attribute.of(
                    "media-col",
                    ValueTag.BEGIN_COLLECTION,
                    Collection((Attribute.of("media-source", ValueTag.KEYWORD, "auto"),)),
                ),
            ),
        ),
    ]
    statuses = set()
    for iteration in range(2000):
        store = MemoryJobStore()
        create_job(store)
        body = mutate(seeds[iteration % len(seeds)], rng)

        response = decode(handle(io.BytesIO(body), printer=PRINTER, store=store, now=NOW))

        assert response.version in ((1, 1), (2, 0))
        assert response.code != Status.SERVER_ERROR_INTERNAL_ERROR, body
        statuses.add(response.code)
    assert Status.CLIENT_ERROR_BAD_REQUEST in statuses
    assert Status.SUCCESSFUL_OK in statuses
