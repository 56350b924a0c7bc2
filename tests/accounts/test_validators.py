import pytest
from django.core.exceptions import ValidationError

from accounts.validators import rpps_checksum_is_valid, validate_rpps
from relyfe.identifiers import canonical_identifier, parse_phone


@pytest.mark.parametrize(
    "written", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678", "0033612345678"]
)
def test_every_way_of_writing_a_french_mobile_gives_the_same_e164(written):
    assert parse_phone(written, mobile_only=True) == "+33612345678"


def test_a_foreign_number_keeps_its_country():
    assert parse_phone("+44 7911 123456", mobile_only=True) == "+447911123456"


@pytest.mark.parametrize("written", ["12", "06 12", "hello", "+33 9 99"])
def test_impossible_numbers_are_refused(written):
    with pytest.raises(ValidationError):
        parse_phone(written)


def test_an_identifier_is_read_as_email_or_phone():
    assert canonical_identifier(" Alice@Example.ORG ") == ("email", "alice@example.org")
    assert canonical_identifier("06 12 34 56 78") == ("phone", "+33612345678")
    assert canonical_identifier("nonsense") is None


def test_rpps_shape_is_eleven_digits():
    validate_rpps("10003456786")
    for wrong in ["", "1234567890", "123456789012", "1000345678X"]:
        with pytest.raises(ValidationError):
            validate_rpps(wrong)


def test_rpps_luhn_key_is_checked():
    assert rpps_checksum_is_valid("10003456786")
    assert not rpps_checksum_is_valid("10003456788")
