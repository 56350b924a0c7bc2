"""IPP numbers: tags (RFC 8010 §3.5), operations and status codes (RFC 8011, PWG 5100.11), states, limits."""

from enum import IntEnum


class DelimiterTag(IntEnum):
    """Begin-attribute-group tags and the end-of-attributes tag (RFC 8010 §3.5.1)."""

    OPERATION_ATTRIBUTES = 0x01
    JOB_ATTRIBUTES = 0x02
    END_OF_ATTRIBUTES = 0x03
    PRINTER_ATTRIBUTES = 0x04
    UNSUPPORTED_ATTRIBUTES = 0x05
    SUBSCRIPTION_ATTRIBUTES = 0x06
    EVENT_NOTIFICATION_ATTRIBUTES = 0x07
    RESOURCE_ATTRIBUTES = 0x08
    DOCUMENT_ATTRIBUTES = 0x09
    SYSTEM_ATTRIBUTES = 0x0A


# Tags 0x00 to 0x0F are delimiters; the ones not listed above are reserved and make a request malformed.
LAST_DELIMITER_TAG = 0x0F


class ValueTag(IntEnum):
    """Attribute syntaxes (RFC 8010 §3.5.2)."""

    # Out-of-band values: no value bytes.
    UNSUPPORTED = 0x10
    UNKNOWN = 0x12
    NO_VALUE = 0x13
    NOT_SETTABLE = 0x15
    DELETE_ATTRIBUTE = 0x16
    ADMIN_DEFINE = 0x17
    # Integer types.
    INTEGER = 0x21
    BOOLEAN = 0x22
    ENUM = 0x23
    # Octet-string types.
    OCTET_STRING = 0x30
    DATE_TIME = 0x31
    RESOLUTION = 0x32
    RANGE_OF_INTEGER = 0x33
    BEGIN_COLLECTION = 0x34
    TEXT_WITH_LANGUAGE = 0x35
    NAME_WITH_LANGUAGE = 0x36
    END_COLLECTION = 0x37
    # Character-string types.
    TEXT = 0x41
    NAME = 0x42
    KEYWORD = 0x44
    URI = 0x45
    URI_SCHEME = 0x46
    CHARSET = 0x47
    NATURAL_LANGUAGE = 0x48
    MIME_MEDIA_TYPE = 0x49
    MEMBER_ATTRIBUTE_NAME = 0x4A
    # RFC 8010 reserves 0x7F for a four-octet "extension" tag that clients encode in two incompatible ways.
    EXTENSION = 0x7F


OUT_OF_BAND_TAGS = frozenset(
    {
        ValueTag.UNSUPPORTED,
        ValueTag.UNKNOWN,
        ValueTag.NO_VALUE,
        ValueTag.NOT_SETTABLE,
        ValueTag.DELETE_ATTRIBUTE,
        ValueTag.ADMIN_DEFINE,
    }
)
NAME_TAGS = frozenset({ValueTag.NAME, ValueTag.NAME_WITH_LANGUAGE})


class Operation(IntEnum):
    PRINT_JOB = 0x0002
    PRINT_URI = 0x0003
    VALIDATE_JOB = 0x0004
    CREATE_JOB = 0x0005
    SEND_DOCUMENT = 0x0006
    SEND_URI = 0x0007
    CANCEL_JOB = 0x0008
    GET_JOB_ATTRIBUTES = 0x0009
    GET_JOBS = 0x000A
    GET_PRINTER_ATTRIBUTES = 0x000B
    HOLD_JOB = 0x000C
    RELEASE_JOB = 0x000D
    RESTART_JOB = 0x000E
    PAUSE_PRINTER = 0x0010
    RESUME_PRINTER = 0x0011
    PURGE_JOBS = 0x0012
    CANCEL_MY_JOBS = 0x0039
    CLOSE_JOB = 0x003B
    IDENTIFY_PRINTER = 0x003C


class Status(IntEnum):
    """Status codes (RFC 8011 Appendix B). Names follow the IPP keywords."""

    SUCCESSFUL_OK = 0x0000
    SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES = 0x0001
    CLIENT_ERROR_BAD_REQUEST = 0x0400
    CLIENT_ERROR_FORBIDDEN = 0x0401
    CLIENT_ERROR_NOT_AUTHENTICATED = 0x0402
    CLIENT_ERROR_NOT_AUTHORIZED = 0x0403
    CLIENT_ERROR_NOT_POSSIBLE = 0x0404
    CLIENT_ERROR_TIMEOUT = 0x0405
    CLIENT_ERROR_NOT_FOUND = 0x0406
    CLIENT_ERROR_GONE = 0x0407
    CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE = 0x0408
    CLIENT_ERROR_REQUEST_VALUE_TOO_LONG = 0x0409
    CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED = 0x040A
    CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED = 0x040B
    CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED = 0x040C
    CLIENT_ERROR_CHARSET_NOT_SUPPORTED = 0x040D
    CLIENT_ERROR_CONFLICTING_ATTRIBUTES = 0x040E
    CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED = 0x040F
    CLIENT_ERROR_COMPRESSION_ERROR = 0x0410
    CLIENT_ERROR_DOCUMENT_FORMAT_ERROR = 0x0411
    CLIENT_ERROR_DOCUMENT_ACCESS_ERROR = 0x0412
    SERVER_ERROR_INTERNAL_ERROR = 0x0500
    SERVER_ERROR_OPERATION_NOT_SUPPORTED = 0x0501
    SERVER_ERROR_SERVICE_UNAVAILABLE = 0x0502
    SERVER_ERROR_VERSION_NOT_SUPPORTED = 0x0503
    SERVER_ERROR_DEVICE_ERROR = 0x0504
    SERVER_ERROR_TEMPORARY_ERROR = 0x0505
    SERVER_ERROR_NOT_ACCEPTING_JOBS = 0x0506
    SERVER_ERROR_BUSY = 0x0507
    SERVER_ERROR_JOB_CANCELED = 0x0508
    SERVER_ERROR_MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED = 0x0509

    @property
    def keyword(self) -> str:
        return self.name.lower().replace("_", "-")

    @property
    def is_successful(self) -> bool:
        return self < 0x0100


class JobState(IntEnum):
    PENDING = 3
    PENDING_HELD = 4
    PROCESSING = 5
    PROCESSING_STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9

    @property
    def is_terminal(self) -> bool:
        return self >= JobState.CANCELED


class PrinterState(IntEnum):
    IDLE = 3
    PROCESSING = 4
    STOPPED = 5


class ResolutionUnit(IntEnum):
    DOTS_PER_INCH = 3
    DOTS_PER_CENTIMETER = 4


class Finishing(IntEnum):
    NONE = 3


class Orientation(IntEnum):
    PORTRAIT = 3
    LANDSCAPE = 4
    REVERSE_LANDSCAPE = 5
    REVERSE_PORTRAIT = 6


class PrintQuality(IntEnum):
    DRAFT = 3
    NORMAL = 4
    HIGH = 5


# ipp-versions-supported: what this printer speaks and answers in.
SUPPORTED_VERSIONS = ("1.1", "2.0")

# Limits on one request's attributes. The header of a real request (CUPS, macOS, Windows) is a few KiB.
MAX_HEADER_BYTES = 256 * 1024
MAX_ATTRIBUTES = 1000  # attributes and collection members, all groups together
MAX_VALUES = 4000  # values of all attributes together, additional values included
MAX_COLLECTION_DEPTH = 8
# Value lengths in octets (RFC 8011 §5.1): text and uri 1023; name is 255 there, but clients send longer job
# names (file paths), so names get the text limit on the wire and are cut to 255 when stored.
MAX_TEXT_OCTETS = 1023
MAX_KEYWORD_OCTETS = 255
MAX_URI_SCHEME_OCTETS = 63
MAX_LANGUAGE_OCTETS = 63
MAX_OCTET_STRING_OCTETS = 1023
MAX_NAME_CHARACTERS = 255
