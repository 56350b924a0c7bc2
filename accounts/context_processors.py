from django.utils.functional import SimpleLazyObject

from accounts.selectors import caregiving_roles


def guarded_files(request):
    """Whether the navigation shows "Files I manage": asked only when a page draws the menu, in the query that
    also answers "People I help" (accounts.selectors.caregiving_roles)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_patient or user.is_professional):
        return {}
    return {"guards_someone": SimpleLazyObject(lambda: caregiving_roles(request).guards_someone)}
