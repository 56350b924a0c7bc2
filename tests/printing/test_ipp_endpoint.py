"""The printer's IPP endpoint through Django: HTTP Basic with the printer's secret, throttling, and IPP
requests built with the codec, answered with IPP responses that are decoded and checked."""

import base64

import pytest
from django.urls import reverse

from printing.ipp.codec import Attribute, AttributeGroup, Message, decode, encode
from printing.ipp.constants import DelimiterTag, JobState, Operation, Status, ValueTag
from printing.models import PrintDocument, PrintJob
from printing.services import printer_ensure, printer_rotate_secret
from tests.files import as_stored, jpeg_bytes, pdf_bytes

SLUG = "bob-cabinet"
SECRET = "bob-printer-secret-for-tests"
PRINTER_URI = f"ipp://testserver/ipp/print/{SLUG}"


def ipp_request(
    operation: int,
    *attributes: Attribute,
    job_attributes: tuple[Attribute, ...] = (),
    version: tuple[int, int] = (2, 0),
    request_id: int = 1,
    printer_uri: str = PRINTER_URI,
) -> bytes:
    """An encoded request: the three operation attributes every request starts with, then `attributes`."""
    operation_group = AttributeGroup(
        DelimiterTag.OPERATION_ATTRIBUTES,
        (
            Attribute.of("attributes-charset", ValueTag.CHARSET, "utf-8"),
            Attribute.of("attributes-natural-language", ValueTag.NATURAL_LANGUAGE, "en"),
            Attribute.of("printer-uri", ValueTag.URI, printer_uri),
            *attributes,
        ),
    )
    groups = [operation_group]
    if job_attributes:
        groups.append(AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, job_attributes))
    return encode(Message(version, operation, request_id, tuple(groups)))


def get_printer_attributes(request_id: int = 1) -> bytes:
    return ipp_request(Operation.GET_PRINTER_ATTRIBUTES, request_id=request_id)


def print_job(document: bytes, *, job_name: str = "Ordonnance", document_format: str | None = "application/pdf"):
    attributes = [
        Attribute.of("requesting-user-name", ValueTag.NAME, "secretariat"),
        Attribute.of("job-name", ValueTag.NAME, job_name),
    ]
    if document_format is not None:
        attributes.append(Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, document_format))
    return ipp_request(Operation.PRINT_JOB, *attributes) + document


def basic(secret: str, user: str = "bob") -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def post_ipp(client, body: bytes, *, secret: str | None = SECRET, slug: str = SLUG, path: str | None = None, **extra):
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = basic(secret)
    # The test client drops the content type of an empty body; an IPP client sends it whatever the body.
    extra.setdefault("CONTENT_TYPE", "application/ipp")
    return client.post(path or reverse("printing:ipp", args=[slug]), data=body, content_type="application/ipp", **extra)


def ipp_response(response) -> Message:
    """The decoded IPP response; IPP answers every request it reads with HTTP 200 and application/ipp."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/ipp"
    return decode(response.content)


def status_of(message: Message) -> Status:
    return Status(message.code)


def operation_value(message: Message, name: str):
    attribute = message.group(DelimiterTag.OPERATION_ATTRIBUTES).get(name)
    return attribute.value if attribute is not None else None


def message_text(message: Message) -> str:
    return encode(message).decode("utf-8", "replace")


def job_value(message: Message, name: str):
    return message.group(DelimiterTag.JOB_ATTRIBUTES).get(name).value


def assert_refused_with_401(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic realm=")
    assert response["Content-Type"].startswith("text/plain")


@pytest.fixture
def printer(bob):
    printer, _secret = printer_ensure(owner=bob, slug=SLUG, secret=SECRET)
    return printer


# --- Authentication ---------------------------------------------------------------------------


def test_it_asks_for_basic_credentials_when_none_are_sent(client, printer):
    response = post_ipp(client, print_job(pdf_bytes()), secret=None)

    assert_refused_with_401(response)
    assert not PrintJob.objects.exists()


@pytest.mark.parametrize("slug", [SLUG, "no-such-printer"])
def test_before_the_secret_a_computer_learns_what_a_printer_can_do_but_not_whose_it_is(client, printer, slug):
    """Driverless set-up asks for the printer's attributes before it asks the user for the password."""
    message = ipp_response(post_ipp(client, get_printer_attributes(), secret=None, slug=slug))

    assert status_of(message) == Status.SUCCESSFUL_OK
    attributes = message.group(DelimiterTag.PRINTER_ATTRIBUTES)
    assert attributes.get("printer-name").value == "ReLyfe"
    assert attributes.get("queued-job-count").value == 0
    assert attributes.get("uri-authentication-supported").value == "basic"
    assert printer.owner.last_name not in message_text(message)


def test_it_refuses_a_wrong_secret(client, printer):
    response = post_ipp(client, print_job(pdf_bytes()), secret="not-the-secret")

    assert_refused_with_401(response)
    assert not PrintJob.objects.exists()


def test_an_unknown_printer_gets_the_same_answer_as_a_wrong_secret(client, printer):
    wrong_secret = post_ipp(client, get_printer_attributes(), secret="not-the-secret")
    unknown_printer = post_ipp(client, get_printer_attributes(), slug="no-such-printer")

    assert_refused_with_401(unknown_printer)
    assert unknown_printer.content == wrong_secret.content
    assert unknown_printer["WWW-Authenticate"] == wrong_secret["WWW-Authenticate"]


def test_another_professionals_secret_does_not_open_the_printer(client, printer, charlie):
    _charlies_printer, charlies_secret = printer_ensure(owner=charlie)

    response = post_ipp(client, print_job(pdf_bytes()), secret=charlies_secret)

    assert_refused_with_401(response)
    assert not PrintJob.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {SECRET}",
        "Basic %%%not-base64%%%",
        "Basic " + base64.b64encode(SECRET.encode()).decode(),  # no "user:" before the secret
        "Basic " + base64.b64encode(b"bob:\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_credentials_that_are_not_basic_user_and_secret_are_refused(client, printer, authorization):
    response = post_ipp(client, get_printer_attributes(), secret=None, HTTP_AUTHORIZATION=authorization)

    assert_refused_with_401(response)


@pytest.mark.parametrize("user_name", ["bob", "Secrétariat du cabinet", ""])
def test_the_secret_alone_is_the_credential_whatever_the_user_name(client, printer, user_name):
    response = client.post(
        reverse("printing:ipp", args=[SLUG]),
        data=get_printer_attributes(),
        content_type="application/ipp",
        HTTP_AUTHORIZATION=basic(SECRET, user=user_name),
    )

    assert status_of(ipp_response(response)) == Status.SUCCESSFUL_OK


def test_the_right_secret_gets_the_printer_attributes(client, printer):
    response = post_ipp(client, get_printer_attributes(request_id=42))

    message = ipp_response(response)
    assert status_of(message) == Status.SUCCESSFUL_OK
    assert message.version == (2, 0)
    assert message.request_id == 42
    attributes = message.group(DelimiterTag.PRINTER_ATTRIBUTES)
    assert attributes.get("printer-uri-supported").value == PRINTER_URI
    assert attributes.get("uri-authentication-supported").value == "basic"
    assert attributes.get("uri-security-supported").value == "none"
    assert attributes.get("printer-name").value == "ReLyfe"
    assert attributes.get("printer-uuid").value == printer.ipp_uuid.urn
    assert attributes.get("printer-is-accepting-jobs").value is True
    assert "application/pdf" in attributes.get("document-format-supported").all_values()
    assert attributes.get("printer-more-info").value == "http://testserver" + reverse("printing:printer")


def test_after_rotation_the_old_secret_is_refused_and_the_new_one_works(client, printer, bob):
    new_secret = printer_rotate_secret(actor=bob, printer=printer)

    assert_refused_with_401(post_ipp(client, get_printer_attributes()))
    message = ipp_response(post_ipp(client, get_printer_attributes(), secret=new_secret))
    assert status_of(message) == Status.SUCCESSFUL_OK


def test_a_switched_off_printer_says_it_accepts_no_jobs_and_stores_nothing(client, printer):
    printer.is_active = False
    printer.save(update_fields=["is_active"])

    attributes = ipp_response(post_ipp(client, get_printer_attributes()))
    refused = ipp_response(post_ipp(client, print_job(pdf_bytes())))

    printer_attributes = attributes.group(DelimiterTag.PRINTER_ATTRIBUTES)
    assert printer_attributes.get("printer-is-accepting-jobs").value is False
    assert status_of(refused) == Status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    assert not PrintJob.objects.exists()


def test_a_printer_whose_owner_is_deactivated_is_refused(client, printer, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])

    assert_refused_with_401(post_ipp(client, print_job(pdf_bytes())))
    assert not PrintJob.objects.exists()


# --- HTTP -------------------------------------------------------------------------------------


def test_a_get_is_refused_with_405(client, printer):
    response = client.get(reverse("printing:ipp", args=[SLUG]), HTTP_AUTHORIZATION=basic(SECRET))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_body_that_is_not_ipp_is_refused_with_415(client, printer):
    response = client.post(
        reverse("printing:ipp", args=[SLUG]),
        data=print_job(pdf_bytes()),
        content_type="application/pdf",
        HTTP_AUTHORIZATION=basic(SECRET),
    )

    assert response.status_code == 415
    assert not PrintJob.objects.exists()


# --- Throttling -------------------------------------------------------------------------------


def test_fifty_wrong_secrets_from_a_shared_address_never_stop_bobs_right_secret(client, printer):
    """A hospital's one address: someone tries secrets on printers everywhere, then on bob's; bob prints."""
    refused = [
        post_ipp(client, get_printer_attributes(), secret="guess", slug=f"printer-{number}") for number in range(50)
    ]

    wrong = post_ipp(client, get_printer_attributes(), secret="guess")
    right = post_ipp(client, get_printer_attributes())

    assert [answer.status_code for answer in refused] == [401] * 30 + [429] * 20
    assert wrong.status_code == 429
    assert status_of(ipp_response(right)) == Status.SUCCESSFUL_OK


def test_wrong_secrets_for_one_printer_wait_longer_and_longer_but_its_right_secret_prints(client, printer, settings):
    for _attempt in range(settings.PRINTER_FAILURES_PER_PRINTER):
        assert_refused_with_401(post_ipp(client, get_printer_attributes(), secret="guess", REMOTE_ADDR="192.0.2.1"))

    waiting = post_ipp(client, get_printer_attributes(), secret="guess", REMOTE_ADDR="192.0.2.2")
    right = post_ipp(client, get_printer_attributes(), REMOTE_ADDR="192.0.2.3")

    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "30"
    assert "try again in 30 seconds" in waiting.content.decode()
    assert status_of(ipp_response(right)) == Status.SUCCESSFUL_OK


def test_requests_without_credentials_do_not_count_as_failures(client, printer):
    # Every IPP client first sends its request without credentials and only answers the 401 with them.
    for _attempt in range(40):
        assert_refused_with_401(post_ipp(client, print_job(pdf_bytes()), secret=None))

    response = post_ipp(client, get_printer_attributes())

    assert status_of(ipp_response(response)) == Status.SUCCESSFUL_OK


# --- Jobs -------------------------------------------------------------------------------------


def test_print_job_with_a_pdf_lands_in_the_inbox(client, printer):
    document = pdf_bytes()

    message = ipp_response(post_ipp(client, print_job(document, job_name="Ordonnance Mme Martin")))

    assert status_of(message) == Status.SUCCESSFUL_OK
    assert job_value(message, "job-id") == 1
    assert job_value(message, "job-uri") == f"{PRINTER_URI}/jobs/1"
    assert job_value(message, "job-state") == JobState.COMPLETED
    job = PrintJob.objects.in_inbox().get()
    assert (job.printer, job.number, job.name, job.user_name) == (printer, 1, "Ordonnance Mme Martin", "secretariat")
    stored = job.documents.get()
    assert stored.content_type == "application/pdf"
    assert stored.size == len(as_stored(document))
    with stored.file.open("rb") as file:
        assert file.read() == as_stored(document)


def test_a_pdf_sent_as_octet_stream_is_recognised_by_its_content(client, printer):
    message = ipp_response(post_ipp(client, print_job(pdf_bytes(), document_format="application/octet-stream")))

    assert status_of(message) == Status.SUCCESSFUL_OK
    assert PrintJob.objects.in_inbox().get().documents.get().content_type == "application/pdf"


def test_create_job_then_send_document_completes_the_job(client, printer):
    document = pdf_bytes()
    created = ipp_response(
        post_ipp(
            client,
            ipp_request(
                Operation.CREATE_JOB,
                Attribute.of("requesting-user-name", ValueTag.NAME, "secretariat"),
                Attribute.of("job-name", ValueTag.NAME, "Compte rendu"),
            ),
        )
    )
    assert status_of(created) == Status.SUCCESSFUL_OK
    job_id = job_value(created, "job-id")
    assert job_value(created, "job-state") not in (JobState.COMPLETED, JobState.ABORTED)
    assert "job-incoming" in created.group(DelimiterTag.JOB_ATTRIBUTES).get("job-state-reasons").all_values()
    assert not PrintJob.objects.in_inbox().exists()

    sent = ipp_response(
        post_ipp(
            client,
            ipp_request(
                Operation.SEND_DOCUMENT,
                Attribute.of("job-id", ValueTag.INTEGER, job_id),
                Attribute.of("last-document", ValueTag.BOOLEAN, True),
                Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, "application/pdf"),
            )
            + document,
        )
    )

    assert status_of(sent) == Status.SUCCESSFUL_OK
    assert job_value(sent, "job-id") == job_id
    assert job_value(sent, "job-state") == JobState.COMPLETED
    job = PrintJob.objects.in_inbox().get()
    assert (job.number, job.name) == (job_id, "Compte rendu")
    with job.documents.get().file.open("rb") as file:
        assert file.read() == as_stored(document)


def test_get_jobs_lists_the_printed_jobs_newest_first(client, printer):
    ipp_response(post_ipp(client, print_job(pdf_bytes(), job_name="Premier")))
    ipp_response(post_ipp(client, print_job(jpeg_bytes(), job_name="Second", document_format="image/jpeg")))

    message = ipp_response(
        post_ipp(
            client,
            ipp_request(
                Operation.GET_JOBS,
                Attribute.of("which-jobs", ValueTag.KEYWORD, "completed"),
                Attribute.of("requested-attributes", ValueTag.KEYWORD, "job-id", "job-name", "job-state"),
            ),
        )
    )

    assert status_of(message) == Status.SUCCESSFUL_OK
    jobs = [
        (group.get("job-id").value, group.get("job-name").value, group.get("job-state").value)
        for group in message.groups_with_tag(DelimiterTag.JOB_ATTRIBUTES)
    ]
    assert jobs == [(2, "Second", JobState.COMPLETED), (1, "Premier", JobState.COMPLETED)]


def test_the_job_uri_answers_get_job_attributes(client, printer):
    ipp_response(post_ipp(client, print_job(pdf_bytes())))
    job_uri = f"{PRINTER_URI}/jobs/1"

    message = ipp_response(
        post_ipp(
            client,
            ipp_request(Operation.GET_JOB_ATTRIBUTES, Attribute.of("job-uri", ValueTag.URI, job_uri)),
            path=reverse("printing:ipp_job", args=[SLUG, 1]),
        )
    )

    assert status_of(message) == Status.SUCCESSFUL_OK
    assert job_value(message, "job-uri") == job_uri
    assert job_value(message, "job-state") == JobState.COMPLETED


def test_a_printer_sees_only_its_own_jobs(client, printer, charlie):
    _charlies_printer, charlies_secret = printer_ensure(owner=charlie, slug="charlie-cabinet")
    charlies_uri = "ipp://testserver/ipp/print/charlie-cabinet"
    charlies_job = ipp_request(
        Operation.PRINT_JOB,
        Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, "application/pdf"),
        printer_uri=charlies_uri,
    )
    ipp_response(post_ipp(client, charlies_job + pdf_bytes(), slug="charlie-cabinet", secret=charlies_secret))

    all_jobs = ipp_response(
        post_ipp(client, ipp_request(Operation.GET_JOBS, Attribute.of("which-jobs", ValueTag.KEYWORD, "all")))
    )
    job_one = ipp_response(
        post_ipp(client, ipp_request(Operation.GET_JOB_ATTRIBUTES, Attribute.of("job-id", ValueTag.INTEGER, 1)))
    )

    assert status_of(all_jobs) == Status.SUCCESSFUL_OK
    assert all_jobs.groups_with_tag(DelimiterTag.JOB_ATTRIBUTES) == []
    assert status_of(job_one) == Status.CLIENT_ERROR_NOT_FOUND


@pytest.mark.parametrize(
    ("document_format", "document", "expected_status"),
    [
        ("text/plain", b"Amoxicilline 1 g\n", Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED),
        ("application/postscript", b"%!PS-Adobe-3.0\nshowpage\n", Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED),
        ("application/octet-stream", b"%!PS-Adobe-3.0\nshowpage\n", Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED),
        (None, b"\x89PNG\r\n\x1a\n not a supported image", Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED),
        ("application/pdf", b"Amoxicilline 1 g\n", Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR),
        ("image/jpeg", b"%PDF-1.4 declared as a JPEG", Status.CLIENT_ERROR_DOCUMENT_FORMAT_ERROR),
    ],
)
def test_a_document_of_the_wrong_type_is_refused_and_nothing_is_stored(
    client, printer, document_format, document, expected_status
):
    message = ipp_response(post_ipp(client, print_job(document, document_format=document_format)))

    assert status_of(message) == expected_status
    assert operation_value(message, "status-message")
    assert message.group(DelimiterTag.JOB_ATTRIBUTES) is None
    assert not PrintJob.objects.exists()
    assert not PrintDocument.objects.exists()


def test_a_document_format_the_printer_does_not_support_is_named_in_the_answer(client, printer):
    message = ipp_response(post_ipp(client, print_job(b"Amoxicilline\n", document_format="text/plain")))

    unsupported = message.group(DelimiterTag.UNSUPPORTED_ATTRIBUTES)
    assert unsupported.get("document-format").value == "text/plain"


def test_unsupported_job_attributes_are_ignored_unless_the_client_asks_for_fidelity(client, printer):
    pdf_format = Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, "application/pdf")
    two_copies = (Attribute.of("copies", ValueTag.INTEGER, 2),)
    fidelity = Attribute.of("ipp-attribute-fidelity", ValueTag.BOOLEAN, True)

    lenient_request = ipp_request(Operation.PRINT_JOB, pdf_format, job_attributes=two_copies)
    strict_request = ipp_request(Operation.PRINT_JOB, pdf_format, fidelity, job_attributes=two_copies)

    ignored = ipp_response(post_ipp(client, lenient_request + pdf_bytes()))
    refused = ipp_response(post_ipp(client, strict_request + pdf_bytes()))

    assert status_of(ignored) == Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert ignored.group(DelimiterTag.UNSUPPORTED_ATTRIBUTES).get("copies").value == 2
    assert status_of(refused) == Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert PrintJob.objects.in_inbox().count() == 1


def test_print_job_without_a_document_is_refused(client, printer):
    message = ipp_response(post_ipp(client, print_job(b"")))

    assert status_of(message) == Status.CLIENT_ERROR_BAD_REQUEST
    assert not PrintJob.objects.exists()


# --- Malformed requests -----------------------------------------------------------------------

VALID_REQUEST = get_printer_attributes(request_id=7)


@pytest.mark.parametrize(
    ("body", "expected_status"),
    [
        pytest.param(b"", Status.CLIENT_ERROR_BAD_REQUEST, id="empty"),
        pytest.param(VALID_REQUEST[:5], Status.CLIENT_ERROR_BAD_REQUEST, id="shorter-than-the-header"),
        pytest.param(VALID_REQUEST[: len(VALID_REQUEST) // 2], Status.CLIENT_ERROR_BAD_REQUEST, id="truncated"),
        pytest.param(VALID_REQUEST[:-1], Status.CLIENT_ERROR_BAD_REQUEST, id="no-end-of-attributes"),
        pytest.param(
            b"\x03\x00" + VALID_REQUEST[2:],
            Status.SERVER_ERROR_VERSION_NOT_SUPPORTED,
            id="version-3.0",
        ),
        pytest.param(
            b"\x01\x00" + VALID_REQUEST[2:],
            Status.SERVER_ERROR_VERSION_NOT_SUPPORTED,
            id="version-1.0",
        ),
        pytest.param(
            VALID_REQUEST[:8] + b"\x01\x47\xff\xff" + b"attributes-charset",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="name-longer-than-a-keyword",
        ),
        pytest.param(
            VALID_REQUEST[:8] + b"\x01\x47\x00\x12attributes-charset\x00\x05utf",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="value-length-past-the-end",
        ),
        pytest.param(VALID_REQUEST[:8] + b"\x0f" + VALID_REQUEST[9:], Status.CLIENT_ERROR_BAD_REQUEST, id="bad-tag"),
        pytest.param(
            ipp_request(0x4321, request_id=7), Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, id="unknown-operation"
        ),
    ],
)
def test_a_malformed_request_gets_an_ipp_error_never_a_500(client, printer, body, expected_status):
    message = ipp_response(post_ipp(client, body))

    assert status_of(message) == expected_status
    assert operation_value(message, "attributes-charset") == "utf-8"
    assert operation_value(message, "status-message")
    assert not PrintJob.objects.exists()


def test_a_request_in_version_3_is_answered_in_version_2_with_its_request_id(client, printer):
    body = ipp_request(Operation.GET_PRINTER_ATTRIBUTES, version=(3, 0), request_id=99)

    message = ipp_response(post_ipp(client, body))

    assert status_of(message) == Status.SERVER_ERROR_VERSION_NOT_SUPPORTED
    assert (message.version, message.request_id) == ((2, 0), 99)


def test_a_print_job_cut_off_in_its_attributes_stores_nothing(client, printer):
    request = print_job(pdf_bytes())
    attributes_end = request.index(b"%PDF-")

    message = ipp_response(post_ipp(client, request[: attributes_end - 10]))

    assert status_of(message) == Status.CLIENT_ERROR_BAD_REQUEST
    assert not PrintJob.objects.exists()
