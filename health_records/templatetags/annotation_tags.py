from django import template

from health_records import annotations

register = template.Library()


@register.inclusion_tag("health_records/_annotation_layer.html")
def annotation_layer(record_file):
    """The drawings over a photo as an SVG laid over it: `{% annotation_layer file %}` inside the element
    that holds the photo (positioned, the size of the photo's box). The view box is the photo's pixels and
    the drawing is fitted as `object-fit: contain` fits the photo, so the two line up at any size and follow
    the transforms of their common parent. Nothing is drawn when the photo has no layer. The page that shows
    the photo has checked access and written its access event."""
    annotation = annotations.annotation_of(record_file) if record_file.is_image else None
    if annotation is None or not annotation.shapes:
        return {"shapes": []}
    width, height = annotations.photo_size(record_file)
    return {
        "shapes": annotations.drawn_shapes(annotation, width, height),
        "width": width,
        "height": height,
        "stroke": annotations.stroke_width(width, height),
        "font_size": annotations.font_size(width, height),
        "color": annotations.COLOR,
        "outline": annotations.OUTLINE,
        "scaled": annotation.mm_per_pixel is not None,
    }


@register.simple_tag
def annotation_needs_reference(record_file) -> bool:
    """Whether the photo's rulers read pixels for want of a reference of known length: the page says how to
    get millimetres."""
    annotation = annotations.annotation_of(record_file) if record_file.is_image else None
    if annotation is None or annotation.mm_per_pixel is not None:
        return False
    return any(shape["kind"] == "ruler" for shape in annotation.shapes)
