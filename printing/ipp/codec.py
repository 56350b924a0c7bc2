"""The binary encoding of IPP messages (RFC 8010 §3).

A message is an 8-octet header (version, operation-id or status-code, request-id), attribute groups, the
end-of-attributes tag, then the document data, if any. Decoding is strict: every length is checked against
what is left and against the limits in `constants`, and any fault raises `IppError` with the status code a
Printer answers with, so the caller never has to guess how a malformed request should be refused.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from printing.ipp.constants import (
    LAST_DELIMITER_TAG,
    MAX_ATTRIBUTES,
    MAX_COLLECTION_DEPTH,
    MAX_HEADER_BYTES,
    MAX_KEYWORD_OCTETS,
    MAX_LANGUAGE_OCTETS,
    MAX_OCTET_STRING_OCTETS,
    MAX_TEXT_OCTETS,
    MAX_URI_SCHEME_OCTETS,
    MAX_VALUES,
    OUT_OF_BAND_TAGS,
    DelimiterTag,
    ResolutionUnit,
    Status,
    ValueTag,
)


class IppError(Exception):
    """A request that must be refused with `status`; `unsupported` goes back in the unsupported group."""

    def __init__(self, status: Status, message: str = "", *, unsupported: Sequence[Attribute] = ()):
        super().__init__(message or status.keyword)
        self.status = status
        self.message = message or status.keyword
        self.unsupported = tuple(unsupported)


@dataclass(frozen=True)
class Resolution:
    cross_feed: int
    feed: int
    unit: ResolutionUnit = ResolutionUnit.DOTS_PER_INCH


@dataclass(frozen=True)
class IntegerRange:
    lower: int
    upper: int

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.lower <= number <= self.upper


@dataclass(frozen=True)
class StringWithLanguage:
    """A textWithLanguage or nameWithLanguage value."""

    text: str
    language: str


@dataclass(frozen=True)
class Value:
    tag: int
    value: object = None


@dataclass(frozen=True)
class Attribute:
    name: str
    values: tuple[Value, ...]

    @classmethod
    def of(cls, name: str, tag: int, *values: object) -> Attribute:
        """An attribute whose values share one syntax; out-of-band tags take no value."""
        if not values:
            if tag not in OUT_OF_BAND_TAGS:
                raise ValueError(f"{name}: an attribute needs at least one value")
            values = (None,)
        return cls(name, tuple(Value(tag, value) for value in values))

    @property
    def tag(self) -> int:
        return self.values[0].tag

    @property
    def value(self) -> object:
        return self.values[0].value

    def all_values(self) -> list[object]:
        return [value.value for value in self.values]


@dataclass(frozen=True)
class Collection:
    members: tuple[Attribute, ...]

    def get(self, name: str) -> Attribute | None:
        return next((member for member in self.members if member.name == name), None)


@dataclass(frozen=True)
class AttributeGroup:
    tag: int
    attributes: tuple[Attribute, ...]

    def get(self, name: str) -> Attribute | None:
        return next((attribute for attribute in self.attributes if attribute.name == name), None)


@dataclass(frozen=True)
class MessageHeader:
    version: tuple[int, int]
    code: int  # operation-id in a request, status-code in a response
    request_id: int


@dataclass(frozen=True)
class Message:
    version: tuple[int, int]
    code: int
    request_id: int
    groups: tuple[AttributeGroup, ...] = ()

    def group(self, tag: int) -> AttributeGroup | None:
        return next((group for group in self.groups if group.tag == tag), None)

    def groups_with_tag(self, tag: int) -> list[AttributeGroup]:
        return [group for group in self.groups if group.tag == tag]


class ReadableStream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class RequestReader:
    """Reads one request from a stream: the header and attributes within a byte budget, then the document.

    The stream only needs `read(size)` (a Django request, a file, a socket file). Reads are made in chunks,
    so bytes of the document already read while looking for the end of the attributes are kept for
    `read_document`.
    """

    def __init__(self, stream: ReadableStream, *, max_header_bytes: int = MAX_HEADER_BYTES, chunk_size: int = 65536):
        self._stream = stream
        self._max_header_bytes = max_header_bytes
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._position = 0

    def read_exact(self, size: int) -> bytes:
        end = self._position + size
        if end > self._max_header_bytes:
            raise IppError(Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, "The request's attributes are too large.")
        while len(self._buffer) < end:
            chunk = self._stream.read(self._chunk_size)
            if not chunk:
                raise IppError(Status.CLIENT_ERROR_BAD_REQUEST, "The request ends before its attributes do.")
            self._buffer += chunk
        data = bytes(self._buffer[self._position : end])
        self._position = end
        return data

    def read_document(self, max_bytes: int) -> bytes:
        """Everything after the attributes; more than `max_bytes` is refused without reading it all."""
        data = bytearray(self._buffer[self._position :])
        self._position = len(self._buffer)
        while len(data) <= max_bytes:
            chunk = self._stream.read(min(self._chunk_size, max_bytes + 1 - len(data)))
            if not chunk:
                return bytes(data)
            data += chunk
        raise IppError(Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, f"The document is larger than {max_bytes} bytes.")


class _BytesStream:
    def __init__(self, data: bytes):
        self._data = memoryview(data)
        self._position = 0

    def read(self, size: int = -1, /) -> bytes:
        end = len(self._data) if size < 0 else self._position + size
        chunk = bytes(self._data[self._position : end])
        self._position += len(chunk)
        return chunk


# ---------------------------------------------------------------------------------------------- decoding


def read_header(reader: RequestReader) -> MessageHeader:
    major, minor, code, request_id = struct.unpack(">BBHI", reader.read_exact(8))
    return MessageHeader(version=(major, minor), code=code, request_id=request_id)


def read_attribute_groups(reader: RequestReader) -> tuple[AttributeGroup, ...]:
    """The attribute groups up to and including the end-of-attributes tag."""
    return _Decoder(reader).groups()


def decode(data: bytes) -> Message:
    """A whole message held in memory (a response, or a request in tests); data after the attributes is ignored."""
    reader = RequestReader(_BytesStream(data), max_header_bytes=sys.maxsize)
    header = read_header(reader)
    return Message(header.version, header.code, header.request_id, read_attribute_groups(reader))


def _bad_request(message: str) -> IppError:
    return IppError(Status.CLIENT_ERROR_BAD_REQUEST, message)


_GROUP_TAGS = frozenset(DelimiterTag) - {DelimiterTag.END_OF_ATTRIBUTES}
_FIXED_LENGTHS = {
    ValueTag.INTEGER: 4,
    ValueTag.ENUM: 4,
    ValueTag.BOOLEAN: 1,
    ValueTag.DATE_TIME: 11,
    ValueTag.RESOLUTION: 9,
    ValueTag.RANGE_OF_INTEGER: 8,
    ValueTag.BEGIN_COLLECTION: 0,
    ValueTag.END_COLLECTION: 0,
    **dict.fromkeys(OUT_OF_BAND_TAGS, 0),
}
_MAX_LENGTHS = {
    ValueTag.TEXT: MAX_TEXT_OCTETS,
    ValueTag.NAME: MAX_TEXT_OCTETS,
    ValueTag.URI: MAX_TEXT_OCTETS,
    ValueTag.TEXT_WITH_LANGUAGE: 4 + MAX_LANGUAGE_OCTETS + MAX_TEXT_OCTETS,
    ValueTag.NAME_WITH_LANGUAGE: 4 + MAX_LANGUAGE_OCTETS + MAX_TEXT_OCTETS,
    ValueTag.KEYWORD: MAX_KEYWORD_OCTETS,
    ValueTag.CHARSET: MAX_KEYWORD_OCTETS,
    ValueTag.MIME_MEDIA_TYPE: MAX_KEYWORD_OCTETS,
    ValueTag.MEMBER_ATTRIBUTE_NAME: MAX_KEYWORD_OCTETS,
    ValueTag.NATURAL_LANGUAGE: MAX_LANGUAGE_OCTETS,
    ValueTag.URI_SCHEME: MAX_URI_SCHEME_OCTETS,
}
_UTF8_TAGS = frozenset({ValueTag.TEXT, ValueTag.NAME, ValueTag.URI})
_ASCII_TAGS = frozenset(
    {
        ValueTag.KEYWORD,
        ValueTag.CHARSET,
        ValueTag.MIME_MEDIA_TYPE,
        ValueTag.MEMBER_ATTRIBUTE_NAME,
        ValueTag.NATURAL_LANGUAGE,
        ValueTag.URI_SCHEME,
    }
)


class _Decoder:
    def __init__(self, reader: RequestReader):
        self._reader = reader
        self._attribute_count = 0
        self._value_count = 0

    def groups(self) -> tuple[AttributeGroup, ...]:
        groups: list[AttributeGroup] = []
        group_tag: int | None = None
        attributes: list[tuple[str, list[Value]]] = []

        def close_group() -> None:
            if group_tag is not None:
                groups.append(AttributeGroup(group_tag, tuple(Attribute(n, tuple(v)) for n, v in attributes)))

        while True:
            tag = self._byte()
            if tag == DelimiterTag.END_OF_ATTRIBUTES:
                close_group()
                return tuple(groups)
            if tag <= LAST_DELIMITER_TAG:
                if tag not in _GROUP_TAGS:
                    raise _bad_request(f"Reserved delimiter tag 0x{tag:02x}.")
                close_group()
                group_tag, attributes = tag, []
                continue
            if group_tag is None:
                raise _bad_request("An attribute comes before any attribute group.")
            if tag in (ValueTag.END_COLLECTION, ValueTag.MEMBER_ATTRIBUTE_NAME):
                raise _bad_request(f"Value tag 0x{tag:02x} outside a collection.")
            name = self._name()
            value = self._value(tag, depth=0)
            if name:
                if any(existing == name for existing, _ in attributes):
                    raise _bad_request(f"Attribute {name} appears twice in one group.")
                self._count_attribute()
                attributes.append((name, [value]))
            elif attributes:
                attributes[-1][1].append(value)
            else:
                raise _bad_request("An additional value comes before any attribute.")

    def _collection(self, depth: int) -> Collection:
        if depth > MAX_COLLECTION_DEPTH:
            raise _bad_request("Collections are nested too deeply.")
        members: list[tuple[str, list[Value]]] = []
        while True:
            tag = self._byte()
            if tag <= LAST_DELIMITER_TAG:
                raise _bad_request("A collection is not terminated.")
            if self._name():
                raise _bad_request("A collection member has an attribute name.")
            if tag == ValueTag.END_COLLECTION:
                self._value(tag, depth)
                break
            value = self._value(tag, depth)
            if tag == ValueTag.MEMBER_ATTRIBUTE_NAME:
                member_name = str(value.value)
                if not member_name or any(existing == member_name for existing, _ in members):
                    raise _bad_request("A collection member name is empty or repeated.")
                if members and not members[-1][1]:
                    raise _bad_request(f"Collection member {members[-1][0]} has no value.")
                self._count_attribute()
                members.append((member_name, []))
            elif members:
                members[-1][1].append(value)
            else:
                raise _bad_request("A collection value comes before any member name.")
        if members and not members[-1][1]:
            raise _bad_request(f"Collection member {members[-1][0]} has no value.")
        return Collection(tuple(Attribute(name, tuple(values)) for name, values in members))

    def _value(self, tag: int, depth: int) -> Value:
        if tag == ValueTag.EXTENSION:
            raise _bad_request("The extension value tag 0x7f is not supported.")
        length = self._unsigned_short()
        expected = _FIXED_LENGTHS.get(tag)
        if expected is not None and length != expected:
            raise _bad_request(f"A value with tag 0x{tag:02x} must be {expected} octets long, not {length}.")
        if length > _MAX_LENGTHS.get(tag, MAX_OCTET_STRING_OCTETS):
            raise IppError(Status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG, f"A value of {length} octets is too long.")
        self._value_count += 1
        if self._value_count > MAX_VALUES:
            raise IppError(Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, "The request has too many values.")
        if tag == ValueTag.BEGIN_COLLECTION:
            return Value(tag, self._collection(depth + 1))
        return Value(tag, _decode_value(tag, self._reader.read_exact(length)))

    def _name(self) -> str:
        length = self._unsigned_short()
        if length > MAX_KEYWORD_OCTETS:
            raise _bad_request("An attribute name is too long.")
        return _text(self._reader.read_exact(length), "ascii")

    def _count_attribute(self) -> None:
        self._attribute_count += 1
        if self._attribute_count > MAX_ATTRIBUTES:
            raise IppError(Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, "The request has too many attributes.")

    def _byte(self) -> int:
        return self._reader.read_exact(1)[0]

    def _unsigned_short(self) -> int:
        return int.from_bytes(self._reader.read_exact(2), "big")


def _text(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _bad_request(f"A value is not valid {encoding}.") from None


def _decode_value(tag: int, data: bytes) -> object:
    if tag in OUT_OF_BAND_TAGS or tag == ValueTag.END_COLLECTION:
        return None
    if tag in (ValueTag.INTEGER, ValueTag.ENUM):
        return int.from_bytes(data, "big", signed=True)
    if tag == ValueTag.BOOLEAN:
        if data[0] > 1:
            raise _bad_request("A boolean value is neither 0 nor 1.")
        return data[0] == 1
    if tag == ValueTag.DATE_TIME:
        return _decode_date_time(data)
    if tag == ValueTag.RESOLUTION:
        cross_feed, feed, unit = struct.unpack(">iib", data)
        if unit not in ResolutionUnit._value2member_map_ or cross_feed <= 0 or feed <= 0:
            raise _bad_request("A resolution value is invalid.")
        return Resolution(cross_feed, feed, ResolutionUnit(unit))
    if tag == ValueTag.RANGE_OF_INTEGER:
        lower, upper = struct.unpack(">ii", data)
        if lower > upper:
            raise _bad_request("A rangeOfInteger value has its bounds reversed.")
        return IntegerRange(lower, upper)
    if tag in (ValueTag.TEXT_WITH_LANGUAGE, ValueTag.NAME_WITH_LANGUAGE):
        return _decode_string_with_language(data)
    if tag in _UTF8_TAGS:
        return _text(data, "utf-8")
    if tag in _ASCII_TAGS:
        return _text(data, "ascii")
    # octetString, and syntaxes this Printer does not know: kept as they came (RFC 8011 §4.1.7 has the
    # operation treat such an attribute as unsupported).
    return data


def _decode_string_with_language(data: bytes) -> StringWithLanguage:
    if len(data) < 4:
        raise _bad_request("A value with a language is too short.")
    language_length = int.from_bytes(data[0:2], "big")
    text_start = 2 + language_length + 2
    if language_length > MAX_LANGUAGE_OCTETS or text_start > len(data):
        raise _bad_request("A value with a language has an invalid language length.")
    text_length = int.from_bytes(data[text_start - 2 : text_start], "big")
    if text_start + text_length != len(data):
        raise _bad_request("A value with a language has an invalid text length.")
    if text_length > MAX_TEXT_OCTETS:
        raise IppError(Status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG, "A text value is too long.")
    return StringWithLanguage(
        text=_text(data[text_start:], "utf-8"), language=_text(data[2 : 2 + language_length], "ascii")
    )


def _decode_date_time(data: bytes) -> datetime:
    # RFC 2579 DateAndTime: year(2) month day hour minutes seconds deci-seconds direction hours minutes.
    year, month, day, hour, minute, second, deciseconds, direction, offset_hours, offset_minutes = struct.unpack(
        ">HBBBBBBcBB", data
    )
    if direction not in (b"+", b"-") or deciseconds > 9 or offset_hours > 14 or offset_minutes > 59:
        raise _bad_request("A dateTime value is invalid.")
    offset = timedelta(hours=offset_hours, minutes=offset_minutes)
    try:
        return datetime(
            year,
            month,
            day,
            hour,
            minute,
            min(second, 59),  # 60 is a leap second
            deciseconds * 100_000,
            tzinfo=timezone(-offset if direction == b"-" else offset),
        )
    except ValueError:
        raise _bad_request("A dateTime value is not a real date.") from None


# ---------------------------------------------------------------------------------------------- encoding


def encode(message: Message) -> bytes:
    major, minor = message.version
    output = bytearray(struct.pack(">BBHI", major, minor, message.code, message.request_id))
    for group in message.groups:
        output.append(group.tag)
        for attribute in group.attributes:
            _encode_attribute(output, attribute)
    output.append(DelimiterTag.END_OF_ATTRIBUTES)
    return bytes(output)


def encode_attributes(attributes: Iterable[Attribute]) -> bytes:
    """Attributes without a group tag: for tests that build requests by hand."""
    output = bytearray()
    for attribute in attributes:
        _encode_attribute(output, attribute)
    return bytes(output)


def _encode_attribute(output: bytearray, attribute: Attribute) -> None:
    if not attribute.values:
        raise ValueError(f"{attribute.name}: an attribute needs at least one value")
    for index, value in enumerate(attribute.values):
        _encode_value(output, value, attribute.name if index == 0 else "")


def _encode_value(output: bytearray, value: Value, name: str) -> None:
    if value.tag == ValueTag.BEGIN_COLLECTION:
        if not isinstance(value.value, Collection):
            raise ValueError(f"{name}: a begCollection value must be a Collection")
        _encode_field(output, ValueTag.BEGIN_COLLECTION, name, b"")
        for member in value.value.members:
            _encode_field(output, ValueTag.MEMBER_ATTRIBUTE_NAME, "", member.name.encode("ascii"))
            for member_value in member.values:
                _encode_value(output, member_value, "")
        _encode_field(output, ValueTag.END_COLLECTION, "", b"")
    else:
        _encode_field(output, value.tag, name, _encode_payload(value.tag, value.value))


def _encode_field(output: bytearray, tag: int, name: str, payload: bytes) -> None:
    if not 0x10 <= tag <= 0xFF or tag == ValueTag.EXTENSION:
        raise ValueError(f"tag 0x{tag:x} cannot be encoded")
    encoded_name = name.encode("ascii")
    output.append(tag)
    output += len(encoded_name).to_bytes(2, "big") + encoded_name
    output += len(payload).to_bytes(2, "big") + payload


def _encode_payload(tag: int, value: object) -> bytes:
    payload = _payload_bytes(tag, value)
    expected = _FIXED_LENGTHS.get(tag)
    if expected is not None and len(payload) != expected:
        raise ValueError(f"a value with tag 0x{tag:02x} must be {expected} octets long")
    if len(payload) > _MAX_LENGTHS.get(tag, MAX_OCTET_STRING_OCTETS):
        raise ValueError(f"a value with tag 0x{tag:02x} is {len(payload)} octets long, over the limit")
    return payload


def _payload_bytes(tag: int, value: object) -> bytes:
    if tag in OUT_OF_BAND_TAGS:
        return b""
    match value:
        case bool() if tag == ValueTag.BOOLEAN:
            return b"\x01" if value else b"\x00"
        case int() if tag in (ValueTag.INTEGER, ValueTag.ENUM) and not isinstance(value, bool):
            return struct.pack(">i", value)
        case datetime() if tag == ValueTag.DATE_TIME:
            return _encode_date_time(value)
        case Resolution() if tag == ValueTag.RESOLUTION:
            return struct.pack(">iib", value.cross_feed, value.feed, value.unit)
        case IntegerRange() if tag == ValueTag.RANGE_OF_INTEGER:
            return struct.pack(">ii", value.lower, value.upper)
        case StringWithLanguage() if tag in (ValueTag.TEXT_WITH_LANGUAGE, ValueTag.NAME_WITH_LANGUAGE):
            language, text = value.language.encode("ascii"), value.text.encode("utf-8")
            return len(language).to_bytes(2, "big") + language + len(text).to_bytes(2, "big") + text
        case str() if tag in _UTF8_TAGS:
            return value.encode("utf-8")
        case str() if tag in _ASCII_TAGS:
            return value.encode("ascii")
        case bytes() if tag not in _FIXED_LENGTHS and tag not in _UTF8_TAGS and tag not in _ASCII_TAGS:
            return value
    raise ValueError(f"{value!r} is not a value for tag 0x{tag:02x}")


def _encode_date_time(moment: datetime) -> bytes:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a dateTime value needs a time zone")
    direction = b"-" if offset < timedelta(0) else b"+"
    offset_minutes = abs(offset) // timedelta(minutes=1)
    return struct.pack(
        ">HBBBBBBcBB",
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 100_000,
        direction,
        offset_minutes // 60,
        offset_minutes % 60,
    )
