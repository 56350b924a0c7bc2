from accounts.selectors import navigation


def navigation_facts(request):
    """The navigation's unread notifications, "People I help", "Files I manage" and "Identify": callables, which the
    template calls when it draws the menu, all answered by one query (accounts.selectors.navigation); none
    on a page without the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    facts = {"unread_notifications": lambda: navigation(request).unread_notifications}
    facts["helps_someone"] = lambda: navigation(request).helps_someone
    if user.is_patient or user.is_professional:
        facts["guards_someone"] = lambda: navigation(request).guards_someone
    if user.is_professional:
        facts["verified_professional"] = lambda: navigation(request).verified_professional
    return facts
