from django.contrib.auth import logout

from accounts import quick_unlock, user_sessions
from accounts.models import UserSession
from relyfe.abuse import client_address


class UserSessionMiddleware:
    """Signs out a browser whose session row was ended (from another browser, by a password change), writes
    the session's last use, and sets the device cookie a sign-in asked for (and the quick re-entry cookie a
    sign-in or a sign-out set or delete, accounts.quick_unlock). After AuthenticationMiddleware.

    One query by primary key per signed-in request, and a write at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._check_session(request)
        response = self.get_response(request)
        cookie = getattr(request, user_sessions.DEVICE_COOKIE_TO_SET, None)
        if cookie:
            response.set_cookie(
                user_sessions.DEVICE_COOKIE_NAME,
                cookie,
                max_age=user_sessions.device_cookie_max_age(),
                secure=user_sessions.device_cookie_secure(),
                httponly=True,
                samesite="Lax",
            )
        quick_unlock.apply(request, response)
        return response

    def _check_session(self, request) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        public_id = request.session.get(user_sessions.SESSION_KEY)
        if public_id is None:
            # Signed in before sessions had rows: it gets one, and shows in the list from now on.
            user_sessions.user_session_start(request=request, user=user)
            return
        session = UserSession.objects.filter(public_id=public_id, user=user).first()
        if session is None or session.ended_at is not None:
            logout(request)
            return
        user_sessions.user_session_seen(session=session, address=client_address(request))
