"""Drawings over a photo (arrows, circles, rulers, text): one layer per photo, kept apart from it.

The photo is never changed: the layer is stored as shapes in a `PhotoAnnotation` and drawn over the image
(an SVG in the pages, `draw_annotation` for a picture made on the server).

Coordinates are in the photo's own upright pixels (the stored image, already turned upright at upload):
[0, width] x [0, height], origin top left. Pixels rather than 0-1 fractions so that a length on the photo is
a length in pixels whatever its proportions, which the millimetre scale needs. A shape is
{"kind": AnnotationKind, "points": [[x, y], ...], "label": str}; the reference of known length also has
"length_mm". Points: an arrow goes from its tail to its head, a circle from its centre to a point of its
edge, a ruler and the reference from one end to the other, a text has the one point where it starts.

Services here follow the project's rules: the policy decides (whoever may edit the record edits its photos'
layers; whoever sees the photo sees them), and each read or write leaves an access event.
"""

import io
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from access import policy
from access.policy import Access, Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records import selectors
from health_records.models import AnnotationKind, PhotoAnnotation, RecordFile

MAX_SHAPES = 100
MAX_LABEL_LENGTH = 80
# A reference longer than a metre is not a ruler in a clinical photo: a typing error.
MAX_REFERENCE_MM = 1000
# Ends closer than this give a scale too uncertain to be worth showing.
MIN_REFERENCE_PIXELS = 5
POINTS_OF = {
    AnnotationKind.ARROW: 2,
    AnnotationKind.CIRCLE: 2,
    AnnotationKind.RULER: 2,
    AnnotationKind.REFERENCE: 2,
    AnnotationKind.TEXT: 1,
}
SHAPE_KEYS = {"kind", "points", "label", "length_mm"}


def _invalid(message: str, code: str, index: int | None = None) -> ValidationError:
    if index is not None:
        message = _("Shape %(number)d: %(problem)s") % {"number": index + 1, "problem": message}
    return ValidationError(message, code=code)


def _number(value, index: int) -> float:
    # JSON booleans are ints to Python: a point of `true` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(_("a coordinate is not a number."), "not_a_number", index)
    if not math.isfinite(value):
        raise _invalid(_("a coordinate is not a finite number."), "not_finite", index)
    return float(value)


def _points(raw, count: int, *, width: int, height: int, index: int) -> list[list[float]]:
    if not isinstance(raw, list) or len(raw) != count:
        raise _invalid(_("it needs exactly %(count)d point(s).") % {"count": count}, "wrong_points", index)
    points = []
    for point in raw:
        if not isinstance(point, list) or len(point) != 2:
            raise _invalid(_("a point is two numbers, [x, y]."), "wrong_points", index)
        x, y = _number(point[0], index), _number(point[1], index)
        if not (0 <= x <= width and 0 <= y <= height):
            raise _invalid(_("a point is outside the photo."), "outside_image", index)
        points.append([round(x, 1), round(y, 1)])
    return points


def _clean_shape(raw, *, width: int, height: int, index: int) -> dict:
    if not isinstance(raw, dict):
        raise _invalid(_("a shape is an object with a kind and points."), "not_a_shape", index)
    unknown = set(raw) - SHAPE_KEYS
    if unknown:
        raise _invalid(_("unknown field %(field)s.") % {"field": sorted(unknown)[0]}, "unknown_field", index)
    kind = raw.get("kind")
    if kind not in AnnotationKind.values:
        raise _invalid(_("unknown kind of shape."), "unknown_kind", index)
    points = _points(raw.get("points"), POINTS_OF[kind], width=width, height=height, index=index)
    shape = {"kind": kind, "points": points}
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise _invalid(_("the label is not text."), "label_not_text", index)
    label = " ".join(label.split())
    if len(label) > MAX_LABEL_LENGTH:
        raise _invalid(
            _("the label is longer than %(count)d characters.") % {"count": MAX_LABEL_LENGTH}, "label_too_long", index
        )
    if kind == AnnotationKind.TEXT and not label:
        raise _invalid(_("a text needs words."), "text_without_label", index)
    shape["label"] = label
    if kind == AnnotationKind.REFERENCE:
        length_mm = _number(raw.get("length_mm"), index) if raw.get("length_mm") is not None else None
        if length_mm is None or not 0 < length_mm <= MAX_REFERENCE_MM:
            raise _invalid(
                _("the reference needs its length, between 0 and %(max)d mm.") % {"max": MAX_REFERENCE_MM},
                "reference_length",
                index,
            )
        if _length_in_pixels(shape) < MIN_REFERENCE_PIXELS:
            raise _invalid(_("the ends of the reference are too close together."), "reference_too_short", index)
        shape["length_mm"] = round(length_mm, 2)
    elif "length_mm" in raw:
        raise _invalid(_("only the reference has a length in millimetres."), "unknown_field", index)
    return shape


def clean_shapes(raw, *, width: int, height: int) -> list[dict]:
    """The shapes as they are stored, or a ValidationError whose code says what is wrong (the API's 400)."""
    if not isinstance(raw, list):
        raise _invalid(_("The shapes must be a list."), "not_a_list")
    if len(raw) > MAX_SHAPES:
        raise _invalid(_("At most %(count)d shapes on a photo.") % {"count": MAX_SHAPES}, "too_many_shapes")
    shapes = [_clean_shape(item, width=width, height=height, index=index) for index, item in enumerate(raw)]
    if sum(shape["kind"] == AnnotationKind.REFERENCE for shape in shapes) > 1:
        raise _invalid(_("A photo has one reference of known length at most."), "two_references")
    return shapes


def _length_in_pixels(shape: dict) -> float:
    (x1, y1), (x2, y2) = shape["points"][:2]
    return math.hypot(x2 - x1, y2 - y1)


def mm_per_pixel_of(shapes: list[dict]) -> float | None:
    """The scale the reference of known length gives (its millimetres over its length in pixels), if any."""
    reference = next((shape for shape in shapes if shape["kind"] == AnnotationKind.REFERENCE), None)
    if reference is None:
        return None
    return reference["length_mm"] / _length_in_pixels(reference)


def _number_text(value: float, decimals: int) -> str:
    """10.0 as "10", 12.5 as "12,5" in French: whole numbers without a decimal part."""
    value = round(value, decimals)
    return number_format(int(value) if value == int(value) else value)


def measure(shape: dict, mm_per_pixel: float | None) -> str:
    """What a ruler (or the reference) reads: "12 mm" with a scale, "120 px" without (a reference would
    turn it into millimetres)."""
    if shape["kind"] == AnnotationKind.REFERENCE:
        return _("%(length)s mm (reference)") % {"length": _number_text(shape["length_mm"], 2)}
    pixels = _length_in_pixels(shape)
    if mm_per_pixel:
        millimetres = pixels * mm_per_pixel
        return _("%(length)s mm") % {"length": _number_text(millimetres, 1 if millimetres < 10 else 0)}
    return _("%(length)s px") % {"length": _number_text(pixels, 0)}


def photo_size(record_file: RecordFile) -> tuple[int, int]:
    """The photo's upright size in pixels: stored at upload; read from the image for an older row."""
    if record_file.width and record_file.height:
        return record_file.width, record_file.height
    with record_file.file.open("rb") as stored, Image.open(stored) as image:
        upright = ImageOps.exif_transpose(image)
        return upright.width, upright.height


def annotation_of(record_file: RecordFile) -> PhotoAnnotation | None:
    try:
        return record_file.annotation
    except PhotoAnnotation.DoesNotExist:
        return None


# Reads and writes, through the access policy.


def _audit(*, actor, record_file: RecordFile, action: AuditAction, access: Access, request) -> None:
    audit.record(
        actor=actor,
        patient=record_file.record.patient,
        object_type=ObjectType.PHOTO_ANNOTATION,
        object_id=record_file.public_id,
        action=action,
        access=access,
        request=request,
    )


def photo_for_annotation(*, user, public_id) -> RecordFile:
    """The photo `user` is about to draw on: 404 for one they may not see (or not an image). Whether they
    may edit it is the service's question (403); the service writes the access event."""
    record_file = selectors.record_file_get_for_user(user=user, public_id=public_id, audited=False)
    if not record_file.is_image:
        raise Http404
    return record_file


def annotated_photo_for_user(*, user, public_id, request=None) -> tuple[RecordFile, PhotoAnnotation | None, Access]:
    """The photo `user` sees, its layer (None when nothing is drawn) and the access: 404 for a photo they
    may not see (or that is not an image). Writes a `view` event of the layer."""
    record_file = photo_for_annotation(user=user, public_id=public_id)
    access = policy.decide(user, Action.DOWNLOAD, record_file.record.patient, record=record_file.record)
    _audit(actor=user, record_file=record_file, action=AuditAction.VIEW, access=access, request=request)
    return record_file, annotation_of(record_file), access


def may_edit(user, record_file: RecordFile) -> bool:
    """Whether `user` may draw over the photo: whoever may edit its record, while it is not archived."""
    record = record_file.record
    allowed = policy.decide(user, Action.UPDATE, record.patient, record=record)
    return bool(allowed) and not record.is_archived and record_file.is_image


def _editable(actor, record_file: RecordFile) -> Access:
    record = record_file.record
    access = policy.require(actor, Action.UPDATE, record.patient, record=record)
    if record.is_archived or not record_file.is_image:
        raise PermissionDenied
    return access


def annotation_save(*, actor, record_file: RecordFile, shapes, request=None) -> PhotoAnnotation:
    """Stores the layer over `record_file` (replacing the one there was), with the scale its reference
    gives. Whoever may edit the record may; the photo itself is untouched."""
    access = _editable(actor, record_file)
    width, height = photo_size(record_file)
    cleaned = clean_shapes(shapes, width=width, height=height)
    with transaction.atomic():
        annotation, created = PhotoAnnotation.objects.select_for_update().get_or_create(
            record_file=record_file,
            defaults={"shapes": cleaned, "mm_per_pixel": mm_per_pixel_of(cleaned), "updated_by": actor},
        )
        if not created:
            annotation.shapes = cleaned
            annotation.mm_per_pixel = mm_per_pixel_of(cleaned)
            annotation.updated_by = actor
            annotation.updated_at = timezone.now()
            annotation.full_clean()
            annotation.save()
        action = AuditAction.CREATE if created else AuditAction.UPDATE
        _audit(actor=actor, record_file=record_file, action=action, access=access, request=request)
    return annotation


def annotation_delete(*, actor, record_file: RecordFile, request=None) -> bool:
    """Removes the layer over `record_file`; whether there was one. Logged as a change of the drawings (the
    access log has no "deleted"; the photo stays)."""
    access = _editable(actor, record_file)
    with transaction.atomic():
        deleted, _rows = PhotoAnnotation.objects.filter(record_file=record_file).delete()
        if deleted:
            _audit(actor=actor, record_file=record_file, action=AuditAction.UPDATE, access=access, request=request)
    return bool(deleted)


# Drawing: the same geometry for the SVG layer and for pictures made on the server.

COLOR = "#ffd400"
OUTLINE = "#000000"


@dataclass
class Drawn:
    """One shape ready to draw, in the photo's pixels."""

    kind: str
    points: list[list[float]]
    label: str
    head: list[list[float]] | None = None  # an arrow's head: a triangle
    radius: float | None = None
    ticks: list[list[list[float]]] | None = None  # a ruler's ends: two short segments across it
    text_at: list[float] | None = None


def stroke_width(width: int, height: int) -> float:
    return round(max(2.0, max(width, height) / 250), 1)


def font_size(width: int, height: int) -> float:
    return round(max(12.0, max(width, height) / 22), 1)


def _across(x1, y1, x2, y2, half: float) -> tuple[float, float]:
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    return (-(y2 - y1) / length * half, (x2 - x1) / length * half)


def drawn_shapes(annotation: PhotoAnnotation | None, width: int, height: int) -> list[Drawn]:
    if annotation is None:
        return []
    stroke = stroke_width(width, height)
    drawn = []
    for shape in annotation.shapes:
        kind, points, label = shape["kind"], shape["points"], shape.get("label", "")
        item = Drawn(kind=kind, points=points, label=label)
        if kind == AnnotationKind.ARROW:
            (x1, y1), (x2, y2) = points
            length = math.hypot(x2 - x1, y2 - y1) or 1.0
            size = min(stroke * 5, length / 2)
            ux, uy = (x2 - x1) / length, (y2 - y1) / length
            bx, by = x2 - ux * size, y2 - uy * size
            nx, ny = -uy * size / 2, ux * size / 2
            item.head = [[x2, y2], [round(bx + nx, 1), round(by + ny, 1)], [round(bx - nx, 1), round(by - ny, 1)]]
            item.text_at = [x1, y1]
        elif kind == AnnotationKind.CIRCLE:
            (cx, cy), (ex, ey) = points
            item.radius = round(math.hypot(ex - cx, ey - cy), 1)
            item.text_at = [cx, cy - item.radius]
        elif kind in (AnnotationKind.RULER, AnnotationKind.REFERENCE):
            (x1, y1), (x2, y2) = points
            dx, dy = _across(x1, y1, x2, y2, stroke * 3)
            item.ticks = [
                [[round(x + dx, 1), round(y + dy, 1)], [round(x - dx, 1), round(y - dy, 1)]] for x, y in points
            ]
            measured = measure(shape, annotation.mm_per_pixel)
            item.label = f"{label} {measured}" if label else measured
            item.text_at = [round((x1 + x2) / 2, 1), round((y1 + y2) / 2 - stroke * 4, 1)]
        else:
            item.text_at = points[0]
        drawn.append(item)
    return drawn


def draw_annotation(image: Image.Image, annotation: PhotoAnnotation | None) -> Image.Image:
    """A copy of `image` (the photo upright, at any scale) with the layer drawn on it, for pictures made on
    the server (the saved side-by-side). The shapes are scaled from the photo's pixels to the image's."""
    if annotation is None or not annotation.shapes:
        return image
    width, height = photo_size(annotation.record_file)
    scale_x, scale_y = image.width / width, image.height / height
    drawn_image = image.convert("RGB")
    draw = ImageDraw.Draw(drawn_image)
    scale = (scale_x + scale_y) / 2
    line = max(1, round(stroke_width(width, height) * scale))
    font = ImageFont.load_default(size=max(10, round(font_size(width, height) * scale)))

    def at(point):
        return (point[0] * scale_x, point[1] * scale_y)

    for item in drawn_shapes(annotation, width, height):
        if item.kind in (AnnotationKind.ARROW, AnnotationKind.RULER, AnnotationKind.REFERENCE):
            draw.line([at(point) for point in item.points], fill=COLOR, width=line)
        if item.head:
            draw.polygon([at(point) for point in item.head], fill=COLOR)
        for tick in item.ticks or []:
            draw.line([at(point) for point in tick], fill=COLOR, width=line)
        if item.radius is not None:
            cx, cy = at(item.points[0])
            rx, ry = item.radius * scale_x, item.radius * scale_y
            draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=COLOR, width=line)
        if item.label and item.text_at:
            x, y = at(item.text_at)
            outline = {"stroke_width": max(1, line // 2), "stroke_fill": OUTLINE}
            draw.text((x, y), item.label, fill=COLOR, font=font, anchor="ls", **outline)
    return drawn_image


def photo_with_layer(record_file: RecordFile, content: bytes | None = None) -> bytes:
    """The photo's bytes (`content`, the version the viewer is shown, or the stored original) with its layer
    drawn on, upright, for a picture made from it on the server: the saved comparison passes these to
    `photos.side_by_side`. The stored photo itself is not touched; without a layer the bytes come back as
    they are."""
    if content is None:
        with record_file.file.open("rb") as stored:
            content = stored.read()
    annotation = annotation_of(record_file)
    if annotation is None or not annotation.shapes:
        return content
    with Image.open(io.BytesIO(content)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    buffer = io.BytesIO()
    draw_annotation(image, annotation).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()
