"""Bulk inserts of a batch chunk's rows: COPY on PostgreSQL, ids reserved from the sequence.

``bulk_create`` costs more in Python than in the database for a chunk's rows: it renders one
multi-row INSERT whose every value Django prepares (``get_db_prep_save``), and psycopg then
quotes each value into the statement's text on the client (a check holds its 270, its 271
and dozens of benefit rows). ``do_copy_create`` writes the same rows with COPY: a value goes
through Django's preparation only when its type is not already what the column takes (a str
for a text column, an int, an aware datetime...: Django returns those as they are on
PostgreSQL); the ids are taken from the table's sequence first, so concurrent workers never
collide. Elsewhere than PostgreSQL, and for a model whose inserts return more than the id,
it is ``bulk_create``. Like ``bulk_create`` it sends no signals.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import DEFERRED, ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=models.Model)
Prepare = Callable[[Any], Any]
# Fewer rows go in one INSERT: nextval() and COPY are two round trips (a real-time check's).
MIN_ROWS = 20

# Value types PostgreSQL's backend takes as they are, by field class (subclasses included;
# the first class a field is an instance of decides). A datetime must also be aware.
_AS_IS: tuple[tuple[type[models.Field[Any, Any]], frozenset[type]], ...] = (
    (models.JSONField, frozenset()),  # always prepared: Django wraps it (Jsonb, its encoder)
    (models.BooleanField, frozenset({bool, type(None)})),
    (models.CharField, frozenset({str, type(None)})),
    (models.TextField, frozenset({str, type(None)})),
    (models.DateTimeField, frozenset({dt.datetime, type(None)})),
    (models.DateField, frozenset({dt.date, type(None)})),
    (models.DecimalField, frozenset({Decimal, type(None)})),
    (models.FloatField, frozenset({float, type(None)})),
    (models.IntegerField, frozenset({int, type(None)})),  # auto, positive, small, big too
    (models.ForeignKey, frozenset({int, type(None)})),
    (models.GenericIPAddressField, frozenset({type(None)})),
)
# JSON values COPY takes as their text: what Django's ``Jsonb`` adapter would have psycopg
# dump, dumped here with the same ``json.dumps`` (a check's benefit rows are thousands of
# values: Django's preparation, the wrapper and psycopg's dumper lookup cost per value).
_JSON_TYPES = frozenset({dict, list, str, int, float, bool})


def _as_is_types(field: models.Field[Any, Any]) -> frozenset[type]:
    for kind, types in _AS_IS:
        if isinstance(field, kind):
            return types
    return frozenset()


class DumpedList(list[Any]):
    """A JSON list that carries its ``json.dumps`` text, made by whoever built the list from
    texts it keeps (a check's benefit rows): a COPY writes the text. It is the list's text
    only while the list is not changed."""

    __slots__ = ("text",)

    def __init__(self, items: Iterable[Any], text: str) -> None:
        super().__init__(items)
        self.text = text


def _plain_json(field: models.Field[Any, Any]) -> bool:
    """A JSON field whose values Django prepares as ``JSONField`` does (no override)."""
    kind = type(field)
    return isinstance(field, models.JSONField) and all(
        getattr(kind, name) is getattr(models.JSONField, name)
        for name in ("get_prep_value", "get_db_prep_value", "get_db_prep_save")
    )


def build_prepare(field: models.Field[Any, Any]) -> Prepare:
    """How one field's value becomes what the COPY writes: as is, its JSON text, or Django's
    preparation."""
    as_is = _as_is_types(field)
    django_prepare = field.get_db_prep_save
    if _plain_json(field):
        encoder = field.encoder  # type: ignore[attr-defined]
        dumps = json.dumps if encoder is None else functools.partial(json.dumps, cls=encoder)

        def prepare_json(value: Any) -> Any:
            if value is None:
                return None
            kind = type(value)
            if kind is DumpedList and encoder is None:
                return value.text
            if kind in _JSON_TYPES:
                return dumps(value)
            return django_prepare(value, connection)

        return prepare_json

    def prepare(value: Any) -> Any:
        kind = type(value)
        if kind in as_is and (kind is not dt.datetime or value.utcoffset() is not None):
            return value
        return django_prepare(value, connection)

    return prepare


class _Plan:
    """A model's COPY statement, its fields in order and how each value is prepared."""

    def __init__(self, model: type[models.Model]) -> None:
        opts = model._meta
        pk = opts.pk
        assert pk is not None
        self.fields = [f for f in opts.concrete_fields if f is not pk and not f.generated]
        self.auto_now = [
            i
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.prepares = [build_prepare(f) for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        # Per field: its attribute, the types written as they are (checked here, inline: a
        # chunk's rows hold hundreds of thousands of values), its preparation otherwise.
        self.items = [
            (f.attname, _as_is_types(f), prepare)
            for f, prepare in zip(self.fields, self.prepares, strict=True)
        ]
        qn = connection.ops.quote_name
        names = ", ".join(qn(c) for c in [pk.column, *(f.column for f in self.fields)])
        self.copy_sql = f"COPY {qn(opts.db_table)} ({names}) FROM STDIN"
        self.ids_sql = (
            f"SELECT nextval(pg_get_serial_sequence('{opts.db_table}', '{pk.column}')) "
            "FROM generate_series(1, %s)"
        )
        # Only the timestamps' pre_save does more than read the value: a field with another
        # pre_save (files...) is left to bulk_create.
        plain_pre_save = all(
            type(f).pre_save is models.Field.pre_save or isinstance(f, models.DateField)
            for f in self.fields
        )
        self.usable = list(opts.db_returning_fields) == [pk] and plain_pre_save


_PLANS: dict[type[models.Model], _Plan] = {}


def uses_copy(model: type[models.Model]) -> bool:
    if connection.vendor != "postgresql":
        return False
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _Plan(model)
    return plan.usable


def do_copy_create(model: type[M], objs: Sequence[M]) -> list[M]:
    """Insert the unsaved instances (their pk unset) as ``bulk_create`` does; sets their pk."""
    objs = list(objs)
    if not objs:
        return objs
    if len(objs) < MIN_ROWS or not uses_copy(model):
        return model._default_manager.bulk_create(objs)
    plan = _PLANS[model]
    for obj in objs:
        if obj.pk is not None:
            raise ValueError(f"{model._meta.label}: do_copy_create takes unsaved rows only")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    with connection.cursor() as cursor:
        cursor.execute(plan.ids_sql, [len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
    rows = []
    fields, items, auto_now = plan.fields, plan.items, plan.auto_now
    aware = dt.datetime
    for obj, pk in zip(objs, ids, strict=True):
        for i in auto_now:
            fields[i].pre_save(obj, True)  # sets the timestamp on the instance, as a save does
        state = obj.__dict__
        row = [pk]
        for name, as_is, prepare in items:
            value = state[name]
            kind = type(value)
            if kind in as_is and (kind is not aware or value.utcoffset() is not None):
                row.append(value)
            else:
                row.append(prepare(value))
        rows.append(row)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(plan.copy_sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    alias = connection.alias
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return objs


class Maker:
    """Unsaved instances of ``model`` as ``model(**values)`` makes them, for the thousands a
    bulk write builds (a chunk's checks, estimates and their lines).

    ``Model.__init__`` walks every field popping its keyword arguments; this sets the same
    attributes from a plan made once: each value given (a related instance through its
    descriptor, which caches it), each other field's default; then sends ``post_init`` as
    ``__init__`` does (the audit's snapshot). A model with its own ``__init__``, ``pre_init``
    receivers, a field whose attribute is a descriptor that does more than store it, or a call
    with arguments the plan does not know (properties, both a relation and its id), gets
    ``model(**values)``.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        opts = model._meta
        fields = [f for f in opts.fields if f.column is not None and not f.generated]
        self.defaults = [(f.attname, f.get_default) for f in fields]
        self.related = frozenset(f.name for f in fields if f.is_relation)
        self.attnames = frozenset(f.attname for f in fields)
        self.plain = (
            model.__init__ is models.Model.__init__
            and not pre_init.has_listeners(model)
            and not opts.abstract
            and all(_stores_plainly(model, f) for f in fields)
        )

    def __call__(self, **values: Any) -> M:
        model = self.model
        if not self.plain:
            return model(**values)
        related = {}
        plain = {}
        for name, value in values.items():
            if name in self.related:
                related[name] = value
            elif name in self.attnames:
                plain[name] = value
            else:
                return model(**values)
            if value is DEFERRED:
                return model(**values)
        if any(model._meta.get_field(name).attname in plain for name in related):
            return model(**values)
        obj = model.__new__(model)
        obj._state = ModelState()
        state = obj.__dict__
        for attname, default in self.defaults:
            state[attname] = plain[attname] if attname in plain else default()
        for name, value in related.items():
            setattr(obj, name, value)
        post_init.send(sender=model, instance=obj)
        return obj


def _stores_plainly(model: type[models.Model], field: Any) -> bool:
    """Setting the field's attribute on a new instance only stores the value."""
    attribute = model.__dict__.get(field.attname)
    if attribute is None:
        for klass in model.__mro__:
            if field.attname in klass.__dict__:
                attribute = klass.__dict__[field.attname]
                break
    return not hasattr(type(attribute), "__set__") or isinstance(
        attribute, ForeignKeyDeferredAttribute
    )
