"""{% mask_toggle photo %}: the "blur faces" switch of a photo, as the signed-in user may use it."""

from django import template

from access import policy
from access.policy import Action

register = template.Library()


def mask_toggle_context(*, user, photo, next_url: str = "") -> dict:
    """Turning it on needs the right to change the record; turning it off, besides, to see the original
    (policy.sees_unmasked_photos): a scoped professional would otherwise unblur what they are shown blurred."""
    access = policy.decide(user, Action.UPDATE, photo.record.patient, record=photo.record)
    can_change = bool(access) and photo.is_image
    return {
        "photo": photo,
        "next_url": next_url,
        "can_turn_on": can_change and not photo.mask_faces,
        "can_turn_off": can_change and photo.mask_faces and policy.sees_unmasked_photos(access),
    }


@register.inclusion_tag("health_records/_mask_toggle_form.html", takes_context=True)
def mask_toggle(context, photo):
    request = context["request"]
    return mask_toggle_context(user=request.user, photo=photo, next_url=request.get_full_path())
