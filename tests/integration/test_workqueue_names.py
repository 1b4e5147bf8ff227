"""The small tables' names kept per process: read by id, once, then from memory."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finclear.workqueue import names
from tests.integration.webclinic import build_site

pytestmark = pytest.mark.django_db


def test_names_are_read_once_and_forgotten_after_their_time() -> None:
    north, south = build_site("NORTH"), build_site("SOUTH")
    table = names.NameTable(lambda: type(north.department), ("name",))
    with CaptureQueriesContext(connection) as first:
        found = table.lookup([north.department.pk, None, 10**9], now=1000.0)
    assert found == {north.department.pk: ("General",)} and len(first) == 1
    with CaptureQueriesContext(connection) as again:
        table.lookup([north.department.pk], now=1000.0 + names.NAMES_TTL)
    assert len(again) == 0
    with CaptureQueriesContext(connection) as more:
        table.lookup([north.department.pk, south.department.pk], now=1001.0)
    assert len(more) == 1 and set(table.values) == {north.department.pk, south.department.pk}
    type(north.department).objects.filter(pk=north.department.pk).update(name="Renamed")
    later = table.lookup([north.department.pk], now=1001.0 + names.NAMES_TTL + 1)
    assert later == {north.department.pk: ("Renamed",)}
