"""Who is acting, through which channel, from where: set once per request, job or command.

``AuditContextMiddleware`` sets it for each web, admin and API request; command-line and task
code wraps its work in ``audit_context(user=..., channel="cli")``. The signal receivers that
record changes to patient data read it from here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from finclear.audit.models import AuditChannel


@dataclass(frozen=True)
class AuditContext:
    channel: str
    user: Any = None
    ip_address: str | None = None
    path: str = ""
    request: HttpRequest | None = None

    def acting_user(self) -> Any:
        """The authenticated user, resolved late (API token auth sets ``request.auth``)."""
        if self.request is not None:
            return user_of_request(self.request)
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user
        return None


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "finclear_audit_context", default=None
)


def current_context() -> AuditContext | None:
    return _current.get()


@contextmanager
def audit_context(
    user: Any = None, channel: str = AuditChannel.CLI, ip_address: str | None = None, path: str = ""
) -> Iterator[AuditContext]:
    """Attribute everything recorded inside the block to ``user`` over ``channel``."""
    if channel not in AuditChannel.values:
        raise ValueError(f"channel: {channel!r} is not one of {', '.join(AuditChannel.values)}")
    context = AuditContext(channel=channel, user=user, ip_address=ip_address, path=path)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def user_of_request(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "is_authenticated", False):
        return auth
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def client_ip(request: HttpRequest) -> str | None:
    """The client address: REMOTE_ADDR, or the proxy-reported one when the proxy is trusted."""
    hops = int(getattr(settings, "FINCLEAR_TRUSTED_PROXY_HOPS", 0))
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def channel_of_request(request: HttpRequest) -> str:
    path = request.path_info
    if path.startswith("/admin/"):
        return AuditChannel.ADMIN
    if path.startswith("/api/"):
        return AuditChannel.API
    return AuditChannel.WEB


def build_request_context(request: HttpRequest) -> AuditContext:
    return AuditContext(
        channel=channel_of_request(request),
        ip_address=client_ip(request),
        path=request.path[:500],
        request=request,
    )


class AuditContextMiddleware:
    """Sets the audit context for the request; must come after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(build_request_context(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
