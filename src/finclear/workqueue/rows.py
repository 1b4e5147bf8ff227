"""Model rows read with plain SQL, for the few reads a real-time check makes of one case.

Django's compiler spends more CPU building a select-related query than the database takes to
answer it for one row (``as_sql``, the select list, the joins, ordering: ~0.5-1 ms a query).
``Columns`` writes a model's select list once per process and turns a slice of a fetched row
into the instance the ORM would have built: the same converters (``from_db_value``, the
backend's, e.g. SQLite's dates), ``Model.from_db`` (so ``pre_init``/``post_init`` receivers
run; a model with none, and Django's own ``from_db`` and ``__init__``, gets the same instance
without running ``__init__``: ``Columns.builder``), and the related instances cached on it as
``select_related`` caches them. Rows read only to be written back with plain SQL (the cases
of a bulk recompute) may be built without the init receivers (``receivers=False``: no audit
snapshot, which only a ``save`` reads). ``do_insert_rows`` writes new rows the same way (the audit
events of a recompute); ``build_prep`` prepares values as ``get_db_prep_save`` does.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import BooleanField, CharField, DateTimeField, Model, TextField
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

Converter = Callable[[Any, Any, Any], Any]


class Columns:
    """Every concrete column of ``model`` under the table alias ``alias`` (or the fields
    ``names``, read as values: ``convert``, not ``build``). ``receivers=False``: instances
    built without the model's ``pre_init``/``post_init`` receivers, for instances never saved."""

    def __init__(
        self, model: type[Model], alias: str, names: Sequence[str] = (), *, receivers: bool = True
    ) -> None:
        self.model = model
        self.alias = alias
        self.receivers = receivers
        self.fields: list[Any] = (
            [model._meta.get_field(name) for name in names]
            if names
            else list(model._meta.concrete_fields)
        )
        self.whole = not names
        self.width = len(self.fields)
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}

    @property
    def table(self) -> str:
        """``"table" alias``, for a FROM or JOIN clause."""
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"

    @property
    def select(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def column(self, name: str) -> str:
        """A field's column under the alias, e.g. ``c."encounter_id"``."""
        field = self.model._meta.get_field(name)
        return f"{self.alias}.{connection.ops.quote_name(field.column)}"  # type: ignore[union-attr]

    def ordering(self, *leading: str) -> str:
        """ORDER BY terms: the ``leading`` fields, then the model's ``Meta.ordering`` (the
        order the ORM's queries of it have), each a column under the alias (``-`` for
        descending, ``pk`` for the key). Plain field names only: a related field's or an
        expression's order is refused."""
        terms = []
        for name in (*leading, *self.model._meta.ordering):
            if not isinstance(name, str) or "__" in name or name.startswith("?"):
                raise TypeError(f"{self.model.__name__}: cannot order plain SQL by {name!r}")
            field = name.lstrip("-")
            column = self.column(self.model._meta.pk.name if field == "pk" else field)
            terms.append(f"{column} DESC" if name.startswith("-") else column)
        return ", ".join(terms)

    def converters(self) -> list[tuple[int, Any, list[Converter]]]:
        """(index, column, converters) of the fields whose values the ORM converts."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                chain = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if chain:
                    found.append((index, col, chain))
            self._converters[connection.vendor] = found
        return found

    def convert(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """The values of ``row[start:start + width]`` as the ORM reads them."""
        return self.converter()(row, start)

    def converter(self) -> Callable[[Sequence[Any], int], list[Any]]:
        """``convert`` for the rows of one read (the converters and connection found once)."""
        width, chains = self.width, self.converters()
        real = connections[DEFAULT_DB_ALIAS]  # what ``connection`` stands for

        def convert(row: Sequence[Any], start: int = 0) -> list[Any]:
            values = list(row[start : start + width])
            for index, col, chain in chains:
                for converter in chain:
                    values[index] = converter(values[index], col, real)
            return values

        return convert

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance of ``row[start:start + width]``, as the ORM loads it."""
        return self.builder()(row, start)

    def builder(self) -> Callable[[Sequence[Any], int], Any]:
        """``build`` for the rows of one read: the converters, the connection and the way of
        building (``_plain_init``) found once, not per row."""
        if not self.whole:
            raise TypeError("Columns.build: these columns are not the whole model")
        model, convert = self.model, self.converter()
        real = connections[DEFAULT_DB_ALIAS]
        names = _plain_init(model, self.receivers)
        loaded = getattr(model, LOADED_HOOK, None) if names is not None else None

        def build(row: Sequence[Any], start: int = 0) -> Any:
            values = convert(row, start)
            if names is None:
                return model.from_db(real.alias, None, values)
            new = model.__new__(model)
            state = new._state = ModelState()
            state.adding = False
            state.db = real.alias
            new.__dict__.update(zip(names, values, strict=True))
            if loaded is not None:
                loaded(new)
            return new

        return build


# A model whose own ``from_db`` is Django's and then this method of the new instance (e.g.
# ``Encounter``: the status as read) may be built without either: the builder calls it.
LOADED_HOOK = "note_loaded"


def _plain_init(model: type[Model], receivers: bool = True) -> list[str] | None:
    """The attribute names a builder sets directly (the instance ``from_db`` would make, without
    running ``__init__``), or None: ``from_db`` then.

    Django's ``__init__`` sets each value with ``setattr``: a field's attribute is a plain
    instance attribute, but a foreign key's id goes through a descriptor that only forgets a
    cached related object (a new instance has none). Models with their own ``from_db`` (unless
    it only adds ``LOADED_HOOK``, which the builder then calls) or ``__init__``, or with
    ``pre_init``/``post_init`` receivers (the audit's snapshots) unless ``receivers`` is False,
    keep Django's way.
    """
    own_from_db = getattr(model.from_db, "__func__", None) is not Model.from_db.__func__  # type: ignore[attr-defined]
    if (
        (own_from_db and not callable(getattr(model, LOADED_HOOK, None)))
        or model.__init__ is not Model.__init__
        or (receivers and (pre_init.has_listeners(model) or post_init.has_listeners(model)))
    ):
        return None
    return [f.attname for f in model._meta.concrete_fields]


Read = Callable[..., list[list[Any]]]


def in_marks(ids: Sequence[int]) -> str:
    """What follows a column to keep the rows whose value is one of the integer keys ``ids``
    (with ``in_params``): ``IN (%s, ...)``, or on PostgreSQL ``= ANY(%s::bigint[])``, one
    parameter (psycopg splits a query's text at every placeholder, anew for more than 50, and
    adapts a list element by element in Python: the array's text is joined here)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])"
    return f"IN ({', '.join(['%s'] * len(ids))})"


def in_params(ids: Sequence[int]) -> list[Any]:
    """The parameters of ``in_marks(ids)``."""
    if connection.vendor == "postgresql":
        return ["{" + ",".join(map(str, map(int, ids))) + "}"]
    return list(ids)


def build_read(
    columns: Columns,
    where: str,
    order: str = "",
    *,
    select: str = "",
    group: str = "",
    join: str = "",
) -> Read:
    """A plain-SQL read of ``columns``' values from their table, as the ORM's ``values_list``
    reads them (the fields' converters): ``read(ids, after=())`` gives the rows where
    ``where`` holds, ``{}`` in it standing for ``in_marks(ids)`` and ``after`` for the
    parameters after them, ordered by ``order``. ``select`` (with ``group``): expressions in
    the place of the columns, each read as its field's value (e.g. ``SUM`` of the field, as
    ``annotate(Sum(...))`` reads it with the field as its output); ``join``: the tables
    joined to the columns' for ``where`` and ``select``."""
    sql = f"SELECT {select or columns.select} FROM {columns.table} {join} WHERE {where}"
    if group:
        sql += f" GROUP BY {group}"
    if order:
        sql += f" ORDER BY {order}"

    def read(ids: Sequence[int], after: Sequence[Any] = ()) -> list[list[Any]]:
        if not ids:
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql.format(in_marks(ids)), [*in_params(ids), *after])
            rows = cursor.fetchall()
        convert = columns.converter()
        return [convert(row, 0) for row in rows]

    return read


def cache_related(instance: Model, name: str, related: Model) -> None:
    """Cache ``related`` as ``instance.<name>`` (and the reverse of a one-to-one), as
    ``select_related`` does."""
    field: Any = instance._meta.get_field(name)
    field.set_cached_value(instance, related)
    if field.unique:
        field.remote_field.set_cached_value(related, instance)


@functools.cache
def _insert_fields(model: type[Model]) -> list[Any]:
    """The columns an INSERT of ``model`` writes: every local one but an automatic key."""
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


# Field classes (exactly these, not subclasses) whose ``get_db_prep_save`` gives back None or a
# value of this exact type unchanged: no backend adapts them. Any other value, and any other
# field, goes through the field.
_UNCHANGED: dict[type[Any], type[Any]] = {CharField: str, TextField: str, BooleanField: bool}


def build_prep(fields: Sequence[Any]) -> list[type[Any] | None]:
    """Per field, the type of the values ``prep_value`` passes through (None: none): also an
    aware datetime of a ``DateTimeField`` where the backend takes it as it is (PostgreSQL;
    SQLite's is text)."""
    return [_UNCHANGED.get(type(f)) or _aware_unchanged(f) for f in fields]


def _aware_unchanged(field: Any) -> type[Any] | None:
    if type(field) is not DateTimeField:
        return None
    probe = dt.datetime.now(dt.UTC)
    return dt.datetime if field.get_db_prep_save(probe, connection) is probe else None


def prep_value(field: Any, kind: type[Any] | None, value: Any) -> Any:
    """``field.get_db_prep_save(value, connection)``, skipped where it changes nothing (a naive
    datetime is not: the field warns and makes it aware)."""
    if kind is None:
        return field.get_db_prep_save(value, connection)
    if value is None:
        return None
    if type(value) is kind and (kind is not dt.datetime or value.tzinfo is not None):
        return value
    return field.get_db_prep_save(value, connection)


# Fewer rows go in one INSERT: a COPY is a statement and a data stream (a real-time check's
# one case has one event).
COPY_ABOVE = 20


def do_insert_rows(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert new rows as ``bulk_create`` would (no signals, no ``save``), without reading
    their keys back: for rows written and not used again (audit events, case activities).

    The values are the ORM's (each field's ``pre_save``, e.g. ``auto_now``, then
    ``get_db_prep_save``); the SQL is built here, not by the ORM's compiler. On PostgreSQL,
    more than ``COPY_ABOVE`` rows are written with COPY, in their order (the keys from the
    table's default, as the INSERT takes them): psycopg parses a statement of more than 50
    parameters anew each time, a cost in Python per value that COPY does not have. Elsewhere,
    one INSERT per ``bulk_batch_size`` rows.
    """
    if not instances:
        return
    if model._meta.parents:
        raise TypeError(f"do_insert_rows: {model.__name__} has parents: use bulk_create")
    fields = _insert_fields(model)
    kinds = list(zip(fields, build_prep(fields), strict=True))

    def prepared(instance: Model) -> list[Any]:
        instance._prepare_related_fields_for_save(operation_name="bulk_create")
        return [prep_value(f, k, f.pre_save(instance, True)) for f, k in kinds]

    _insert(model, fields, [prepared(instance) for instance in instances])


def do_insert_values(model: type[Model], names: Sequence[str], rows: Sequence[list[Any]]) -> None:
    """``do_insert_rows`` of rows already prepared for the database (each a value per field of
    ``names``, as ``get_db_prep_save`` gives it, e.g. ``audit.services.build_event_rows``'):
    no instance per row. The fields left out take their database default."""
    if rows:
        _insert(model, [model._meta.get_field(name) for name in names], rows)


def _insert(model: type[Model], fields: Sequence[Any], rows: Sequence[list[Any]]) -> None:
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql" and len(rows) > COPY_ABOVE:
        sql = f"COPY {table} ({columns}) FROM STDIN"
        began = time.monotonic()
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:  # a statement like another (query counts, debug)
            took = time.monotonic() - began
            connection.queries_log.append(
                {"sql": f"{sql} ({len(rows)} rows)", "time": f"{took:.3f}"}
            )
        return
    head = f"INSERT INTO {table} ({columns}) VALUES "
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(list(fields), rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list[Any] = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([marks] * len(chunk)), params)
