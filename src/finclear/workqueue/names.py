"""The names a worklist row shows from the small tables (facility, payer, department,
provider, owner), kept a minute in each process.

Reading them with every page cost more than the rows themselves: joined, the case and
seven tables took PostgreSQL 2 to 6 ms to plan; as scalar subqueries, a millisecond of the
database and as much again of Django compiling them. These tables hold tens to a few
thousand rows and change rarely, so each process keeps what it has read for ``NAMES_TTL``
seconds and asks only for the ids it has not seen (one query per table, none once warm).
A renamed department shows its old name for up to a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from finclear.organizations.models import Department, Facility, Provider
from finclear.payers.models import Payer

NAMES_TTL = 60.0


class NameTable:
    """``{id: value}`` of one table, read by id and kept ``NAMES_TTL`` seconds."""

    def __init__(self, model: Callable[[], type[models.Model]], fields: tuple[str, ...]) -> None:
        self.model = model
        self.fields = fields
        self.values: dict[int, tuple[Any, ...]] = {}
        self.read_at = 0.0

    def lookup(self, ids: Iterable[int | None], now: float | None = None) -> dict[int, Any]:
        """The values of these ids (``None`` and unknown ids are left out)."""
        now = time.monotonic() if now is None else now
        if now - self.read_at > NAMES_TTL:
            self.values, self.read_at = {}, now
        wanted = {i for i in ids if i is not None}
        missing = wanted - self.values.keys()
        if missing:
            rows = self.model()._default_manager.filter(pk__in=missing)
            for pk, *values in rows.values_list("pk", *self.fields):
                self.values[pk] = tuple(values)
        return {i: self.values[i] for i in wanted if i in self.values}


def _user_model() -> type[models.Model]:
    return get_user_model()


FACILITIES = NameTable(lambda: Facility, ("code", "time_zone"))
PAYERS = NameTable(lambda: Payer, ("name",))
DEPARTMENTS = NameTable(lambda: Department, ("name",))
PROVIDERS = NameTable(lambda: Provider, ("first_name", "last_name"))
OWNERS = NameTable(_user_model, ("username",))
TABLES = (FACILITIES, PAYERS, DEPARTMENTS, PROVIDERS, OWNERS)


def do_forget_names() -> None:
    """Read every name afresh next time (tests; after a bulk rename)."""
    for table in TABLES:
        table.values, table.read_at = {}, 0.0
