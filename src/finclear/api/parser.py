"""The API's request parser: JSON and query strings, refusing NUL characters.

PostgreSQL cannot store a NUL character in a text column, and SQLite would store it silently:
refusing it at the edge gives both databases the same answer, and names the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import HttpError
from ninja.parser import Parser


class NulCharacterError(ValueError):
    """A request value holds a NUL character; ``where`` names it (``body.note``, ``query.q``)."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: a NUL character (\\u0000) is not allowed")
        self.where = where


def find_nul(value: Any, where: str) -> str | None:
    """The path of the first string holding a NUL character inside ``value``, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{where}.{key!r}"
        found = find_nul(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found:
            return found
    return None


class StrictParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        # The escape or the raw byte must be in the text for a NUL to be in the data.
        if b"\\u0000" in request.body or b"\x00" in request.body:
            where = find_nul(data, "body")
            if where:
                raise NulCharacterError(where)
        return data  # type: ignore[no-any-return]

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            for value in values:
                if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                    raise HttpError(422, str(NulCharacterError(f"query.{key}")))
        return super().parse_querydict(data, list_fields, request)
