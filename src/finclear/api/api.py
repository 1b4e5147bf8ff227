"""The django-ninja API object: OpenAPI at /api/docs, token auth on every endpoint.

Each domain has its router (``finclear.<app>.api``), mounted by ``finclear.api.urls``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError

from finclear.api.auth import TokenAuth
from finclear.api.parser import NulCharacterError, StrictParser

logger = logging.getLogger("finclear.api")

api = NinjaAPI(
    title="finclear API",
    version="1",
    description="Financial clearance: eligibility, and more as the domains land.",
    urls_namespace="api",
    docs_url="/docs",
    auth=TokenAuth(),
    parser=StrictParser(),
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the body parser raises in a bare 400; a NUL character is named.
    if isinstance(exc.__cause__, NulCharacterError):
        return api.create_response(request, {"detail": str(exc.__cause__)}, status=422)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # The database refused a value (out of range, unstorable): the request's fault, not ours.
    # The database's message may quote the value, so it is neither logged nor returned.
    logger.warning("%s %s: the database refused a value", request.method, request.path)
    return api.create_response(
        request, {"detail": "a value could not be stored: out of range or not storable"}, status=422
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)
