"""Plain-SQL reads of a batch chunk's rows (``finclear.workqueue.rows`` builds the instances).

A chunk reads a hundred encounters with their patients, coverages, payers and plans; the
ORM's ``select_related`` costs more CPU than the database takes to answer, and repeats every
joined row's columns (a facility's timestamps parsed once per encounter). Here each model is
read once by primary key, its related rows by the distinct keys in a query of their own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model

from finclear.organizations.models import Facility, Provider
from finclear.patients.models import Coverage, Patient
from finclear.payers.models import Payer, Plan
from finclear.scheduling.models import Encounter
from finclear.workqueue.rows import Columns, cache_related, in_marks, in_params


def match_any(column: str, ids: Iterable[int]) -> tuple[str, list[Any]]:
    """``column`` in the integer keys ``ids`` (sorted, without duplicates; not empty): one
    ``bigint[]`` parameter on PostgreSQL, an IN list elsewhere (``finclear.workqueue.rows``
    ``in_marks``)."""
    values = sorted(set(ids))
    return f"{column} {in_marks(values)}", in_params(values)


def match_text(column: str, values: Iterable[str]) -> tuple[str, list[Any]]:
    """``column`` in the strings ``values`` (not empty): one array parameter on PostgreSQL,
    an IN list elsewhere."""
    found = sorted(set(values))
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [found]
    return f"{column} IN ({', '.join(['%s'] * len(found))})", found


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_by_pk(columns: Columns, ids: Iterable[int]) -> dict[int, Any]:
    """The instances of these primary keys (``columns``: a whole model), by primary key."""
    ids = set(ids)
    if not ids:
        return {}
    where, params = match_any(columns.column("id"), ids)
    build = columns.builder()
    found: dict[int, Model] = {}
    for row in fetch(f"SELECT {columns.select} FROM {columns.table} WHERE {where}", params):
        instance = build(row)
        found[instance.pk] = instance
    return found


@functools.cache
def _columns(model: type[Model], alias: str) -> Columns:
    # Patient data read here is never saved: built without the audit's snapshots.
    return Columns(model, alias, receivers=False)


def load_encounters(ids: Iterable[int], *, provider: bool = False) -> dict[int, Encounter]:
    """The encounters with their patient and facility (and rendering provider), by pk, as
    ``select_related`` caches them; each facility and provider read and built once."""
    ids = set(ids)
    if not ids:
        return {}
    encounter, patient = _columns(Encounter, "e"), _columns(Patient, "p")
    where, params = match_any(encounter.column("id"), ids)
    sql = (
        f"SELECT {encounter.select}, {patient.select} FROM {encounter.table} "
        f"INNER JOIN {patient.table} ON {patient.column('id')} = {encounter.column('patient')} "
        f"WHERE {where} ORDER BY {encounter.column('id')}"
    )
    build_encounter, build_patient = encounter.builder(), patient.builder()
    found: dict[int, Encounter] = {}
    for row in fetch(sql, params):
        instance = build_encounter(row)
        cache_related(instance, "patient", build_patient(row, encounter.width))
        found[instance.pk] = instance
    _attach(found.values(), "facility", _columns(Facility, "f"))
    if provider:
        _attach(found.values(), "rendering_provider", _columns(Provider, "r"))
    return found


def load_coverages(ids: Iterable[int]) -> dict[int, Coverage]:
    """The coverages of these pks with their payer and plan, by pk."""
    ids = set(ids)
    if not ids:
        return {}
    coverage = _columns(Coverage, "c")
    where, params = match_any(coverage.column("id"), ids)
    return {c.pk: c for c in _coverages(f"WHERE {where}", params)}


def load_active_coverages(patient_ids: Iterable[int]) -> list[Coverage]:
    """The patients' active coverages with payer and plan, by patient, order and pk."""
    patient_ids = set(patient_ids)
    if not patient_ids:
        return []
    coverage = _columns(Coverage, "c")
    where, params = match_any(coverage.column("patient"), patient_ids)
    order = ", ".join(coverage.column(name) for name in ("patient", "order", "id"))
    return _coverages(
        f"WHERE {coverage.column('is_active')} = %s AND {where} ORDER BY {order}", [True, *params]
    )


def _coverages(tail: str, params: list[Any]) -> list[Coverage]:
    coverage = _columns(Coverage, "c")
    build = coverage.builder()
    found = [
        build(row)
        for row in fetch(f"SELECT {coverage.select} FROM {coverage.table} {tail}", params)
    ]
    _attach(found, "payer", _columns(Payer, "y"))
    _attach(found, "plan", _columns(Plan, "n"))
    return found


def _attach(instances: Iterable[Model], name: str, columns: Columns) -> None:
    """Cache each instance's ``name`` foreign key's row (None when null), read once per pk."""
    instances = list(instances)
    field: Any = instances[0]._meta.get_field(name) if instances else None
    if field is None:
        return
    related = load_by_pk(columns, {getattr(i, field.attname) for i in instances} - {None})
    for instance in instances:
        key = getattr(instance, field.attname)
        if key is None:
            field.set_cached_value(instance, None)
        else:
            cache_related(instance, name, related[key])


def load_values(
    columns: Columns, field: str, ids: Iterable[Any], order: tuple[str, ...] = ()
) -> list[list[Any]]:
    """``values_list`` of ``columns``' fields (converted as the ORM converts them) for the rows
    whose ``field`` is in ``ids``, ordered by the fields ``order`` (a leading "-": descending)."""
    ids = set(ids)
    if not ids:
        return []
    where, params = match_any(columns.column(field), ids)
    sql = f"SELECT {columns.select} FROM {columns.table} WHERE {where}"
    if order:
        sql += " ORDER BY " + ", ".join(
            f"{columns.column(name[1:])} DESC" if name[0] == "-" else columns.column(name)
            for name in order
        )
    convert = columns.converter()
    return [convert(row) for row in fetch(sql, params)]
