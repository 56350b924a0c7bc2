"""The Job Template attributes (RFC 8011 §5.2, PWG 5100.13) this printer supports, and the checks of a request's.

The printer has one kind of paper in two sizes, one resolution and no finishing: the values here are both what
it advertises (printing.ipp.attributes) and what a job may ask for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from printing.ipp.codec import Attribute, Collection, Resolution, StringWithLanguage
from printing.ipp.constants import NAME_TAGS, Finishing, Orientation, PrintQuality, ValueTag


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
                Attribute.of("media-source", ValueTag.KEYWORD, MEDIA_SOURCE),
                Attribute.of("media-top-margin", ValueTag.INTEGER, 0),
                Attribute.of("media-type", ValueTag.KEYWORD, MEDIA_TYPE),
            )
        )


MEDIA_SIZES = (_MediaSize("iso_a4_210x297mm", 21000, 29700), _MediaSize("na_letter_8.5x11in", 21590, 27940))
MEDIA_SOURCE, MEDIA_TYPE = "auto", "stationery"
MEDIA_COL_MEMBERS = (
    "media-bottom-margin",
    "media-left-margin",
    "media-right-margin",
    "media-size",
    "media-source",
    "media-top-margin",
    "media-type",
)
RESOLUTION = Resolution(300, 300)
COLOR_MODES = ("auto", "color", "monochrome")
ORIENTATIONS = tuple(Orientation)
QUALITIES = tuple(PrintQuality)


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
    return any(dimensions == (media_size.width, media_size.length) for media_size in MEDIA_SIZES)


def _margin_supported(member: Attribute) -> bool:
    margin = _single(member, {ValueTag.INTEGER})
    return isinstance(margin, int) and margin >= 0


_MEDIA_COL_MEMBER_CHECKS: dict[str, Callable[[Attribute], bool]] = {
    "media-size": _media_size_supported,
    "media-source": lambda member: _single(member, {ValueTag.KEYWORD}) == MEDIA_SOURCE,
    "media-type": lambda member: _single(member, {ValueTag.KEYWORD}) == MEDIA_TYPE,
    **dict.fromkeys((name for name in MEDIA_COL_MEMBERS if name.endswith("-margin")), _margin_supported),
}


def _media_col_supported(attribute: Attribute) -> bool:
    media_col = _single(attribute, {ValueTag.BEGIN_COLLECTION})
    return isinstance(media_col, Collection) and all(
        _MEDIA_COL_MEMBER_CHECKS.get(member.name, lambda _: False)(member) for member in media_col.members
    )


# Job Template attributes (RFC 8011 §5.2, PWG 5100.13) this printer accepts, each with the check of its values.
JOB_TEMPLATE_CHECKS: dict[str, Callable[[Attribute], bool]] = {
    "copies": lambda attribute: _single(attribute, {ValueTag.INTEGER}) == 1,
    "finishings": lambda attribute: all(
        value.tag == ValueTag.ENUM and value.value == Finishing.NONE for value in attribute.values
    ),
    "job-sheets": _keyword_check("none"),
    "media": _keyword_check(*(media_size.name for media_size in MEDIA_SIZES)),
    "media-col": _media_col_supported,
    "number-up": lambda attribute: _single(attribute, {ValueTag.INTEGER}) == 1,
    "orientation-requested": lambda attribute: _single(attribute, {ValueTag.ENUM}) in ORIENTATIONS,
    "output-bin": _keyword_check("face-up"),
    "print-color-mode": _keyword_check(*COLOR_MODES),
    "print-content-optimize": _keyword_check("auto"),
    "print-quality": lambda attribute: _single(attribute, {ValueTag.ENUM}) in QUALITIES,
    "print-rendering-intent": _keyword_check("auto"),
    "print-scaling": _keyword_check("auto"),
    "printer-resolution": lambda attribute: _single(attribute, {ValueTag.RESOLUTION}) == RESOLUTION,
    "sides": _keyword_check("one-sided"),
}


def unsupported_job_attributes(attributes: Iterable[Attribute]) -> list[Attribute]:
    """RFC 8011 §4.1.7: an unknown attribute comes back as 'unsupported', a known one with its bad values."""
    unsupported = []
    for attribute in attributes:
        check = JOB_TEMPLATE_CHECKS.get(attribute.name)
        if check is None:
            unsupported.append(Attribute.of(attribute.name, ValueTag.UNSUPPORTED))
        elif not check(attribute):
            unsupported.append(attribute)
    return unsupported
