"""Bearer-token authentication for the API (``Authorization: Bearer fc_...``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from finclear.api.tokens import find_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = find_user(token)
        if user is not None:
            request.user = user
        return user
