from notifications import selectors


def unread_notifications(request):
    """The number the navigation shows next to "Notifications" (one COUNT query per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user=user)}
