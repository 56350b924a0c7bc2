from django.utils.functional import SimpleLazyObject

from accounts.selectors import dependants_of


def guarded_files(request):
    """Whether the navigation shows "Files I manage": asked (one query) only when a page draws the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_patient or user.is_professional):
        return {}
    return {"guards_someone": SimpleLazyObject(lambda: dependants_of(user).exists())}
