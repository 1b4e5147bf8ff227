from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from finclear.accounts.forms import LoginForm
from finclear.accounts.idle import idle_timeout, passive_view, seconds_remaining


class FinclearLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class FinclearLogoutView(LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "You are signed out.")
        return response


@passive_view
@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; asking does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "remaining": 0})
    return JsonResponse({"authenticated": True, "remaining": seconds_remaining(request)})


@never_cache
@require_POST
@login_required
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The "stay signed in" button: the request itself is the activity."""
    return JsonResponse({"authenticated": True, "remaining": idle_timeout()})
