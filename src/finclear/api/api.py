"""The django-ninja API object: OpenAPI at /api/docs, token auth on every endpoint.

Each domain has its router (``finclear.<app>.api``), mounted by ``finclear.api.urls``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from finclear.api.auth import TokenAuth

api = NinjaAPI(
    title="finclear API",
    version="1",
    description="Financial clearance: eligibility, and more as the domains land.",
    urls_namespace="api",
    docs_url="/docs",
    auth=TokenAuth(),
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)
