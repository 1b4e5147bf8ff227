"""Automatic logoff (HIPAA 164.312(a)(2)(iii)): a session idle too long is ended.

``IdleLogoutMiddleware`` stamps the session with the time of each request and signs the user
out when the gap exceeds ``settings.FINCLEAR_IDLE_TIMEOUT`` seconds. Views marked with
``passive_view`` (the page's countdown asking how long is left) do not count as activity.
The page's script shows the countdown and goes to the login page when time is up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url

LAST_ACTIVITY_KEY = "finclear_last_activity"
LOGOUT_REASON_ATTR = "finclear_logout_reason"
# Write the stamp at most this often: every request would mean a session write each time.
STAMP_EVERY_SECONDS = 5

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def passive_view(view: ViewFunc) -> ViewFunc:
    """Mark a view whose requests are not user activity."""
    view.finclear_passive = True  # type: ignore[attr-defined]
    return view


def idle_timeout() -> int:
    return int(getattr(settings, "FINCLEAR_IDLE_TIMEOUT", 15 * 60))


def seconds_remaining(request: HttpRequest, now: float | None = None) -> int:
    last = request.session.get(LAST_ACTIVITY_KEY)
    if last is None:
        return idle_timeout()
    now = time.time() if now is None else now
    return max(0, math.ceil(idle_timeout() - (now - float(last))))


def stamp_activity(request: HttpRequest, now: float | None = None) -> None:
    request.session[LAST_ACTIVITY_KEY] = time.time() if now is None else now


def idle_minutes_text() -> str:
    seconds = idle_timeout()
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


class IdleLogoutMiddleware:
    """Must come after the session, authentication and message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if request.session.get(LAST_ACTIVITY_KEY) is None and not request.session.session_key:
            return None  # token-authenticated API call: no session to time out
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        passive = getattr(view_func, "finclear_passive", False)
        if last is not None and now - float(last) >= idle_timeout():
            return self.do_idle_logout(request, passive)
        if not passive and (last is None or now - float(last) >= STAMP_EVERY_SECONDS):
            stamp_activity(request, now)
        return None

    def do_idle_logout(self, request: HttpRequest, passive: bool) -> HttpResponse | None:
        setattr(request, LOGOUT_REASON_ATTR, "idle")
        logout(request)
        messages.info(request, f"You were signed out after {idle_minutes_text()} without activity.")
        login_url = resolve_url(settings.LOGIN_URL)
        if passive:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": "session ended after inactivity"}, status=401)
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        if request.path == login_url:
            return None
        return redirect_to_login(request.get_full_path(), login_url)
