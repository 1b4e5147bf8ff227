"""Fast inserts of many rows: ``executemany`` (COPY on PostgreSQL) with ids assigned up front.

The loader writes hundreds of thousands of rows. Django's ``bulk_create`` builds a model
instance per row (and the audit app's ``post_init`` receivers snapshot each one), then prepares
every field of every row: too slow for 100,000 encounters in a minute. ``TableWriter`` takes
plain values, converts only the field types the backend needs converted, and assigns ids itself
so children can point at their parents before anything is written. Bulk writes send no signals;
the loader records its own audit event.

Ids start above both the table's largest id and its sequence, so ids of deleted rows are never
reused (audit events keep pointing at what they named). Call ``do_reset_sequences`` after the
inserts so the database's own next id is past ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

Converter = Callable[[Any], Any]


def build_converter(field: models.Field[Any, Any]) -> Converter | None:
    """How the backend wants this field's Python values, or None when it takes them as they are.

    Conversions are memoized: the same dates, times and small JSON lists repeat by the thousand.
    """
    ops = connection.ops
    adapt: Converter
    if isinstance(field, models.DateTimeField):
        adapt = ops.adapt_datetimefield_value
    elif isinstance(field, models.DateField):
        adapt = ops.adapt_datefield_value
    elif isinstance(field, models.DecimalField):
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None  # the driver adapts Decimal itself (Django registers it for SQLite)
        return ops.adapt_decimalfield_value
    elif isinstance(field, models.JSONField):
        encoder = field.encoder

        def adapt(value: Any) -> Any:
            return ops.adapt_json_value(list(value) if isinstance(value, tuple) else value, encoder)

    else:
        return None
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = adapt(value)
            return result
        except TypeError:  # unhashable (a list or a dict): no memo
            return adapt(value)

    return convert


def find_next_id(model: type[models.Model]) -> int:
    """The first id above the table's rows and above its sequence (never reuse an id)."""
    table = model._meta.db_table
    pk = model._meta.pk.column  # type: ignore[union-attr]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                last, called = cursor.fetchone()
                top = max(top, last if called else last - 1)
    return int(top) + 1


def build_default(field: models.Field[Any, Any], now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if not field.has_default() and field.null:
        return None
    default = field.get_default()
    convert = build_converter(field)
    return convert(default) if convert is not None and default is not None else default


class TableWriter:
    """Collects rows of one model and writes them with ``executemany`` in chunks.

    ``columns`` names the fields (attnames) each ``add`` gives, in order; every other field gets
    its default (timestamps: now). ``add`` returns the id the row will have.
    """

    def __init__(
        self, model: type[models.Model], columns: Sequence[str], chunk: int = 5000
    ) -> None:
        self.model = model
        self.chunk = chunk
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model._meta.label}: no field named {', '.join(unknown)}")
        pk = model._meta.pk
        assert pk is not None
        given = [fields[c] for c in columns]
        rest = [f for f in fields.values() if f.attname not in columns and f is not pk]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.constants = tuple(build_default(f, now) for f in rest)
        self.conversions = [
            (i, convert) for i, f in enumerate(given) if (convert := build_converter(f)) is not None
        ]
        self.width = len(columns)
        self.next_id = find_next_id(model)
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        qn = connection.ops.quote_name
        names = ", ".join(qn(f.column) for f in [pk, *given, *rest])
        marks = ", ".join(["%s"] * (1 + len(given) + len(rest)))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"
        self.copy_sql = f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN"

    def add(self, *values: Any) -> int:
        """Queue one row (values in the order of ``columns``); return the id it will have."""
        if len(values) != self.width:
            raise ValueError(
                f"{self.model._meta.label}: {len(values)} values for {self.width} columns"
            )
        if self.conversions:
            converted = list(values)
            for i, convert in self.conversions:
                if converted[i] is not None:
                    converted[i] = convert(converted[i])
            values = tuple(converted)
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values, *self.constants))
        if len(self.rows) >= self.chunk:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than executemany's row-by-row statements.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def do_insert_records(model: type[models.Model], records: Sequence[dict[str, Any]]) -> list[int]:
    """Insert a few rows given as dicts (all with the same keys, in the same order)."""
    if not records:
        return []
    columns = list(records[0])
    writer = TableWriter(model, columns)
    ids = []
    for i, record in enumerate(records):
        if list(record) != columns:
            raise ValueError(f"{model._meta.label}: record {i} has other fields than record 0")
        ids.append(writer.add(*record.values()))
    writer.flush()
    return ids


def do_reset_sequences(models_written: Iterable[type[models.Model]]) -> None:
    """Move each table's id sequence past the ids written explicitly (PostgreSQL needs it)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_written))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def do_analyze(models_written: Iterable[type[models.Model]] | None = None) -> None:
    """Gather the PostgreSQL planner's statistics on tables just bulk-loaded (None: all).

    Autovacuum would, a minute or so later; until then the planner has no row counts and reads
    whole tables where an index would do (a 100-encounter batch chunk's encounters: 8.5 ms by
    sequential scans, 2.4 ms once analyzed). SQLite is left as it is.
    """
    if connection.vendor != "postgresql":
        return
    tables = [] if models_written is None else [m._meta.db_table for m in models_written]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
