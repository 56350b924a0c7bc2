"""The sign-in identifiers accounts reads and writes. The normalisation itself is in relyfe/identifiers.py,
in the foundation, because audit (below accounts) reads identifiers too; accounts and the apps above it may
keep importing the names from here."""

from relyfe.identifiers import MOBILE_TYPES, canonical_identifier, format_phone, normalize_email, parse_phone

__all__ = ["MOBILE_TYPES", "canonical_identifier", "format_phone", "normalize_email", "parse_phone"]
