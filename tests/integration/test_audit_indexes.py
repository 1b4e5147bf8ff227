"""The audit table's indexes after migration 0003: no index of the user alone, the rest kept."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

from finclear.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

migration = importlib.import_module("finclear.audit.migrations.0003_user_without_own_index")


def indexed_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    return sorted(
        info["columns"]
        for info in constraints.values()
        if info["index"] and not info["primary_key"]
    )


class Editor:
    """What the migration's functions use of a schema editor, on the test's connection."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def quote_name(self, name: str) -> Any:
        return connection.ops.quote_name(name)


def test_the_user_has_no_index_of_its_own_and_the_composites_remain() -> None:
    columns = indexed_columns()
    assert ["user_id"] not in columns
    for kept in (
        ["user_id", "occurred_at"],
        ["patient_id", "occurred_at"],
        ["object_type", "object_id"],
        ["action", "occurred_at"],
        ["occurred_at"],
    ):
        assert kept in columns


def test_the_migration_goes_back_and_forth() -> None:
    editor = Editor()
    migration.create_user_index(None, editor)
    assert ["user_id"] in indexed_columns()
    migration.create_user_index(None, editor)  # already there: not made twice
    assert indexed_columns().count(["user_id"]) == 1
    migration.drop_user_index(None, editor)
    assert ["user_id"] not in indexed_columns()
