import io
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest

from printing.ipp.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    IntegerRange,
    IppError,
    Message,
    RequestReader,
    Resolution,
    StringWithLanguage,
    Value,
    decode,
    encode,
    read_attribute_groups,
    read_header,
)
from printing.ipp.constants import MAX_ATTRIBUTES, DelimiterTag, ResolutionUnit, Status, ValueTag


def field(tag: int, name: str, value: bytes) -> bytes:
    """One attribute-with-one-value (RFC 8010 §3.1.4), or an additional value when the name is empty."""
    encoded_name = name.encode()
    return bytes([tag]) + struct.pack(">H", len(encoded_name)) + encoded_name + struct.pack(">H", len(value)) + value


HEADER = b"\x02\x00\x00\x0b\x00\x00\x00\x07"  # IPP/2.0, Get-Printer-Attributes, request-id 7
OPERATION_START = (
    bytes([DelimiterTag.OPERATION_ATTRIBUTES])
    + field(ValueTag.CHARSET, "attributes-charset", b"utf-8")
    + field(ValueTag.NATURAL_LANGUAGE, "attributes-natural-language", b"en")
)


def decode_error(data: bytes) -> IppError:
    with pytest.raises(IppError) as caught:
        decode(data)
    return caught.value


def round_trip(*attributes: Attribute) -> Message:
    message = Message((2, 0), 0x000B, 42, (AttributeGroup(DelimiterTag.PRINTER_ATTRIBUTES, attributes),))
    decoded = decode(encode(message))
    assert decoded == message
    return decoded


def test_the_rfc_8010_print_job_example_decodes_byte_for_byte():
    # RFC 8010 Appendix A.2 "Print-Job Request", written out octet by octet.
    data = (
        b"\x01\x01"  # version 1.1
        b"\x00\x02"  # Print-Job
        b"\x00\x00\x00\x01"  # request-id
        b"\x01"  # operation-attributes-tag
        b"\x47\x00\x12attributes-charset\x00\x05utf-8"
        b"\x48\x00\x1battributes-natural-language\x00\x05en-us"
        b"\x45\x00\x0bprinter-uri\x00\x2cipp://printer.example.com/ipp/print/pinetree"
        b"\x42\x00\x08job-name\x00\x06foobar"
        b"\x22\x00\x16ipp-attribute-fidelity\x00\x01\x01"
        b"\x02"  # job-attributes-tag
        b"\x21\x00\x06copies\x00\x04\x00\x00\x00\x14"
        b"\x44\x00\x05sides\x00\x13two-sided-long-edge"
        b"\x03"  # end-of-attributes-tag
        b"%!PS..."  # document data
    )
    message = decode(data)

    assert (message.version, message.code, message.request_id) == ((1, 1), 0x0002, 1)
    operation = message.group(DelimiterTag.OPERATION_ATTRIBUTES)
    assert [attribute.name for attribute in operation.attributes] == [
        "attributes-charset",
        "attributes-natural-language",
        "printer-uri",
        "job-name",
        "ipp-attribute-fidelity",
    ]
    assert operation.get("printer-uri").value == "ipp://printer.example.com/ipp/print/pinetree"
    assert operation.get("ipp-attribute-fidelity").value is True
    job = message.group(DelimiterTag.JOB_ATTRIBUTES)
    assert job.get("copies") == Attribute.of("copies", ValueTag.INTEGER, 20)
    assert job.get("sides") == Attribute.of("sides", ValueTag.KEYWORD, "two-sided-long-edge")
    # Re-encoding gives the same octets, without the document.
    assert encode(message) == data[: -len(b"%!PS...")]


def test_integer_types_round_trip():
    round_trip(
        Attribute.of("integer", ValueTag.INTEGER, -(2**31), 0, 2**31 - 1),
        Attribute.of("boolean", ValueTag.BOOLEAN, True, False),
        Attribute.of("enum", ValueTag.ENUM, 3, 0x7FFFFFFF),
    )


def test_octet_string_types_round_trip():
    decoded = round_trip(
        Attribute.of("octets", ValueTag.OCTET_STRING, b"\x00\xff binary"),
        Attribute.of("when", ValueTag.DATE_TIME, datetime(2025, 2, 28, 23, 59, 58, 700_000, tzinfo=UTC)),
        Attribute.of(
            "when-elsewhere",
            ValueTag.DATE_TIME,
            datetime(2024, 2, 29, 1, 2, 3, tzinfo=timezone(-timedelta(hours=9, minutes=30))),
        ),
        Attribute.of(
            "resolution",
            ValueTag.RESOLUTION,
            Resolution(600, 300),
            Resolution(118, 118, ResolutionUnit.DOTS_PER_CENTIMETER),
        ),
        Attribute.of("range", ValueTag.RANGE_OF_INTEGER, IntegerRange(1, 999), IntegerRange(-5, -5)),
        Attribute.of("text-language", ValueTag.TEXT_WITH_LANGUAGE, StringWithLanguage("Ordonnance", "fr")),
        Attribute.of("name-language", ValueTag.NAME_WITH_LANGUAGE, StringWithLanguage("Dr Émile", "fr-FR")),
    )
    when = decoded.groups[0].get("when-elsewhere").value
    assert when.utcoffset() == -timedelta(hours=9, minutes=30)


def test_character_string_types_round_trip():
    round_trip(
        Attribute.of("text", ValueTag.TEXT, "Compte rendu — été", ""),
        Attribute.of("name", ValueTag.NAME, "Cabinet Dr Bob"),
        Attribute.of("keyword", ValueTag.KEYWORD, "one-sided", "two-sided-long-edge"),
        Attribute.of("uri", ValueTag.URI, "ipps://relyfe.example/ipp/print/abc"),
        Attribute.of("scheme", ValueTag.URI_SCHEME, "ipps"),
        Attribute.of("charset", ValueTag.CHARSET, "utf-8"),
        Attribute.of("language", ValueTag.NATURAL_LANGUAGE, "fr-fr"),
        Attribute.of("format", ValueTag.MIME_MEDIA_TYPE, "application/pdf"),
    )


def test_out_of_band_values_round_trip():
    round_trip(
        *(Attribute.of(f"out-of-band-{tag:x}", tag) for tag in (0x10, 0x12, 0x13, 0x15, 0x16, 0x17)),
    )


def test_collections_round_trip_nested_and_as_additional_values():
    size_a4 = Collection(
        (Attribute.of("x-dimension", ValueTag.INTEGER, 21000), Attribute.of("y-dimension", ValueTag.INTEGER, 29700))
    )
    size_letter = Collection(
        (Attribute.of("x-dimension", ValueTag.INTEGER, 21590), Attribute.of("y-dimension", ValueTag.INTEGER, 27940))
    )

    def media_col(size: Collection) -> Collection:
        return Collection(
            (
                Attribute.of("media-size", ValueTag.BEGIN_COLLECTION, size),
                Attribute.of("media-source", ValueTag.KEYWORD, "auto"),
                Attribute.of("media-type", ValueTag.KEYWORD, "stationery", "photographic"),
            )
        )

    decoded = round_trip(
        Attribute.of("media-col-database", ValueTag.BEGIN_COLLECTION, media_col(size_a4), media_col(size_letter)),
        Attribute.of("after", ValueTag.INTEGER, 1),
    )
    database = decoded.groups[0].get("media-col-database")
    assert len(database.values) == 2
    assert database.values[1].value.get("media-size").value.get("x-dimension").value == 21590


def test_a_collection_is_encoded_as_rfc_8010_says():
    attribute = Attribute.of(
        "media-col",
        ValueTag.BEGIN_COLLECTION,
        Collection((Attribute.of("media-source", ValueTag.KEYWORD, "auto"),)),
    )
    message = Message((2, 0), 2, 1, (AttributeGroup(DelimiterTag.JOB_ATTRIBUTES, (attribute,)),))

    assert encode(message)[8:] == (
        b"\x02"
        + field(ValueTag.BEGIN_COLLECTION, "media-col", b"")
        + field(ValueTag.MEMBER_ATTRIBUTE_NAME, "", b"media-source")
        + field(ValueTag.KEYWORD, "", b"auto")
        + field(ValueTag.END_COLLECTION, "", b"")
        + b"\x03"
    )


def test_an_unknown_value_tag_is_kept_as_it_came():
    data = HEADER + OPERATION_START + field(0x5F, "vendor-thing", b"\x01\x02") + b"\x03"

    attribute = decode(data).groups[0].get("vendor-thing")

    assert attribute.values == (Value(0x5F, b"\x01\x02"),)
    assert encode(decode(data)) == data


def test_groups_keep_their_order_and_repeat():
    data = (
        HEADER
        + OPERATION_START
        + bytes([DelimiterTag.JOB_ATTRIBUTES])
        + field(ValueTag.INTEGER, "job-id", b"\x00\x00\x00\x01")
        + bytes([DelimiterTag.JOB_ATTRIBUTES])
        + field(ValueTag.INTEGER, "job-id", b"\x00\x00\x00\x02")
        + b"\x03"
    )

    jobs = decode(data).groups_with_tag(DelimiterTag.JOB_ATTRIBUTES)

    assert [group.get("job-id").value for group in jobs] == [1, 2]


def test_the_document_after_the_attributes_is_read_separately_within_its_limit():
    reader = RequestReader(io.BytesIO(HEADER + OPERATION_START + b"\x03" + b"%PDF-1.7 document"), chunk_size=5)

    assert read_header(reader).request_id == 7
    assert len(read_attribute_groups(reader)) == 1
    assert reader.read_document(max_bytes=17) == b"%PDF-1.7 document"


def test_a_document_over_the_limit_is_refused():
    reader = RequestReader(io.BytesIO(HEADER + OPERATION_START + b"\x03" + b"x" * 100))
    read_header(reader)
    read_attribute_groups(reader)

    with pytest.raises(IppError) as caught:
        reader.read_document(max_bytes=99)

    assert caught.value.status == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(b"", Status.CLIENT_ERROR_BAD_REQUEST, id="empty"),
        pytest.param(HEADER[:5], Status.CLIENT_ERROR_BAD_REQUEST, id="truncated-header"),
        pytest.param(HEADER, Status.CLIENT_ERROR_BAD_REQUEST, id="no-groups-no-end"),
        pytest.param(HEADER + OPERATION_START, Status.CLIENT_ERROR_BAD_REQUEST, id="missing-end-of-attributes"),
        pytest.param(
            HEADER + b"\x01\x47\x00\x40attributes-charset", Status.CLIENT_ERROR_BAD_REQUEST, id="name-beyond-end"
        ),
        pytest.param(
            HEADER + b"\x01" + field(ValueTag.CHARSET, "attributes-charset", b"utf-8")[:-2],
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="value-beyond-end",
        ),
        pytest.param(HEADER + b"\x0b\x03", Status.CLIENT_ERROR_BAD_REQUEST, id="reserved-delimiter-tag"),
        pytest.param(HEADER + b"\x00\x03", Status.CLIENT_ERROR_BAD_REQUEST, id="delimiter-tag-zero"),
        pytest.param(
            HEADER + OPERATION_START + field(0x7F, "extension", b"\x40\x00\x00\x01") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="extension-tag",
        ),
        pytest.param(
            HEADER + field(ValueTag.INTEGER, "copies", b"\x00\x00\x00\x01") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="value-before-group",
        ),
        pytest.param(
            HEADER + b"\x01" + field(ValueTag.KEYWORD, "", b"none") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="additional-value-first",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.CHARSET, "attributes-charset", b"utf-8") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="duplicate-attribute",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.INTEGER, "copies", b"\x00\x01") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="short-integer",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.INTEGER, "copies", b"\x00" * 60000) + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="huge-integer",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.BOOLEAN, "my-jobs", b"\x02") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="boolean-two",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.NO_VALUE, "media", b"x") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="out-of-band-with-value",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.RANGE_OF_INTEGER, "r", struct.pack(">ii", 5, 1)) + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="reversed-range",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.RESOLUTION, "r", struct.pack(">iib", 300, 300, 9)) + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="resolution-unit",
        ),
        pytest.param(
            HEADER
            + OPERATION_START
            + field(ValueTag.DATE_TIME, "d", b"\x07\xe9\x02\x1e\x00\x00\x00\x00+\x00\x00")
            + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="february-30",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.TEXT, "job-name", b"\xff\xfe") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="invalid-utf-8",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.TEXT_WITH_LANGUAGE, "t", b"\x00\x02fr\x00\x09abc") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="text-with-language-bad-length",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.TEXT, "job-name", b"x" * 1024) + b"\x03",
            Status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG,
            id="text-over-1023",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.KEYWORD, "sides", b"x" * 256) + b"\x03",
            Status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG,
            id="keyword-over-255",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.END_COLLECTION, "", b"") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="end-collection-outside",
        ),
        pytest.param(
            HEADER + OPERATION_START + field(ValueTag.BEGIN_COLLECTION, "media-col", b"") + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="unterminated-collection",
        ),
        pytest.param(
            HEADER
            + OPERATION_START
            + field(ValueTag.BEGIN_COLLECTION, "media-col", b"")
            + field(ValueTag.KEYWORD, "", b"auto")
            + field(ValueTag.END_COLLECTION, "", b"")
            + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="collection-value-without-member-name",
        ),
        pytest.param(
            HEADER
            + OPERATION_START
            + field(ValueTag.BEGIN_COLLECTION, "media-col", b"")
            + field(ValueTag.MEMBER_ATTRIBUTE_NAME, "", b"media-source")
            + field(ValueTag.END_COLLECTION, "", b"")
            + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="collection-member-without-value",
        ),
        pytest.param(
            HEADER
            + OPERATION_START
            + field(ValueTag.BEGIN_COLLECTION, "c", b"")
            + (field(ValueTag.MEMBER_ATTRIBUTE_NAME, "", b"m") + field(ValueTag.BEGIN_COLLECTION, "", b"")) * 20
            + field(ValueTag.END_COLLECTION, "", b"") * 21
            + b"\x03",
            Status.CLIENT_ERROR_BAD_REQUEST,
            id="collections-nested-too-deep",
        ),
    ],
)
def test_malformed_messages_are_refused_with_the_right_status(data, status):
    assert decode_error(data).status == status


def test_too_many_attributes_is_a_request_too_large():
    attributes = b"".join(
        field(ValueTag.INTEGER, f"a{index}", b"\x00\x00\x00\x01") for index in range(MAX_ATTRIBUTES + 1)
    )

    assert decode_error(HEADER + OPERATION_START + attributes + b"\x03").status == (
        Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    )


def test_too_many_values_is_a_request_too_large():
    values = b"".join(field(ValueTag.KEYWORD, "", b"x") for _ in range(5000))

    error = decode_error(HEADER + OPERATION_START + field(ValueTag.KEYWORD, "requested-attributes", b"x") + values)

    assert error.status == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_attributes_over_the_header_budget_are_a_request_too_large():
    reader = RequestReader(
        io.BytesIO(HEADER + OPERATION_START + field(ValueTag.TEXT, "job-name", b"x" * 1000) + b"\x03"),
        max_header_bytes=512,
    )
    read_header(reader)

    with pytest.raises(IppError) as caught:
        read_attribute_groups(reader)

    assert caught.value.status == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_encoding_refuses_values_that_do_not_fit_their_syntax():
    for attribute in (
        Attribute.of("text", ValueTag.TEXT, "x" * 1024),
        Attribute.of("integer", ValueTag.INTEGER, 2**31),
        Attribute.of("integer", ValueTag.INTEGER, "1"),
        Attribute.of("boolean", ValueTag.BOOLEAN, 1),
        Attribute.of("naive", ValueTag.DATE_TIME, datetime(2025, 1, 1)),
        Attribute.of("collection", ValueTag.BEGIN_COLLECTION, "not a collection"),
    ):
        message = Message((2, 0), 0, 1, (AttributeGroup(DelimiterTag.PRINTER_ATTRIBUTES, (attribute,)),))
        with pytest.raises((ValueError, struct.error)):
            encode(message)
