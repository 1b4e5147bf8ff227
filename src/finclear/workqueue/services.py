"""Writes for clearance cases, their notes and tasks (each in one transaction).

Every encounter has one case: ``do_ensure_case`` (one encounter, used by
``scheduling.services.do_create_encounter``) and ``do_ensure_cases`` (bulk loaders) create
the missing ones as ``pending``. ``do_recompute_case`` derives the status from the checks in
``finclear.workqueue.checks``; a status is never typed in by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import EVENT_COLUMNS, build_event, build_event_rows
from finclear.organizations.models import Facility
from finclear.organizations.validation import do_save_checked
from finclear.rules.clearance import Clearance
from finclear.scheduling.models import Encounter, EncounterStatus
from finclear.workqueue.checks import (
    CaseFacts,
    build_case_clearance,
    build_case_findings,
    build_facts,
    build_parts,
    primary_payer,
    usable_parts,
    visit_date,
)
from finclear.workqueue.models import (
    CaseActivity,
    CaseNote,
    CaseStatus,
    ClearanceCase,
    Task,
    TaskKind,
    TaskStatus,
)
from finclear.workqueue.queries import do_forget_counts
from finclear.workqueue.receivers import is_pending
from finclear.workqueue.rows import (
    Columns,
    build_prep,
    cache_related,
    do_insert_values,
    in_marks,
    in_params,
    prep_value,
)

OPEN_ENCOUNTER_STATUSES = frozenset({EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED})
BULK_BATCH = 500


def _forget_counts() -> None:
    """Now (this process stops showing older counts) and at commit (others' reads since)."""
    do_forget_counts()
    transaction.on_commit(do_forget_counts)


def build_due_date(encounter: Encounter) -> dt.date:
    """Clearance is due by the visit date, in the facility's time zone."""
    return visit_date(encounter)


def do_ensure_case(encounter: Encounter) -> ClearanceCase:
    """The encounter's case, created ``pending`` if it has none (one query when it has)."""
    existing = ClearanceCase.objects.filter(encounter=encounter).first()
    if existing is not None:
        return existing
    return _create_case(encounter)


@transaction.atomic
def _create_case(encounter: Encounter) -> ClearanceCase:
    case = ClearanceCase(
        encounter=encounter,
        due_date=build_due_date(encounter),
        facility_id=encounter.facility_id,
        scheduled_at=encounter.scheduled_at,
    )
    do_save_checked(case)
    return case


@transaction.atomic
def do_ensure_cases(encounter_ids: Iterable[int]) -> int:
    """Create the missing cases of many encounters in bulk; return how many were created.

    ``bulk_create`` sends no signals, so the audit events of the new cases are written here.
    """
    ids = sorted(set(encounter_ids))
    created = 0
    for start in range(0, len(ids), BULK_BATCH):
        chunk = ids[start : start + BULK_BATCH]
        rows = (
            Encounter.objects.filter(pk__in=chunk, clearance_case__isnull=True)
            .order_by("pk")
            .values_list("pk", "patient_id", "scheduled_at", "facility_id", "facility__time_zone")
        )
        cases, patient_ids = [], []
        for pk, patient_id, scheduled_at, facility_id, time_zone in rows:
            due = scheduled_at.astimezone(ZoneInfo(time_zone)).date()
            cases.append(
                ClearanceCase(
                    encounter_id=pk,
                    due_date=due,
                    facility_id=facility_id,
                    scheduled_at=scheduled_at,
                )
            )
            patient_ids.append(patient_id)
        if not cases:
            continue
        ClearanceCase.objects.bulk_create(cases)
        AuditEvent.objects.bulk_create(
            build_event(AuditAction.CREATE, obj=case, patient_id=patient_id)
            for case, patient_id in zip(cases, patient_ids, strict=True)
        )
        created += len(cases)
    return created


def do_recompute_case(case: ClearanceCase) -> ClearanceCase:
    """Derive an open case's status from the clearance checks; closed cases are left alone.

    A case is open while its encounter is scheduled or arrived. Returns the case as stored.
    """
    do_recompute_cases([case.pk])
    return ClearanceCase.objects.get(pk=case.pk)


def do_recompute_cases(case_ids: Iterable[int], *, changed: Iterable[str] | None = None) -> int:
    """Recompute many cases, a batch per transaction; return how many were open.

    The facts are loaded per batch and the rows written with one ``executemany``, which sends no
    signals: the audit events of the changed cases are written here. ``changed``: the only
    kinds of data changed since the cases' last computation (a caller that knows, e.g. a
    verification: ``{"eligibility"}``): only what reads them is reloaded, the rest taken from
    the parts each case stored (``finclear.workqueue.checks``), unless a case has none usable
    or has changes of its own waiting to be recomputed at commit; then in full.
    """
    ids = sorted(set(case_ids))
    kinds = None if changed is None else frozenset(changed)
    done = sum(
        _recompute_batch(ids[i : i + BULK_BATCH], kinds) for i in range(0, len(ids), BULK_BATCH)
    )
    _forget_counts()
    return done


def do_lock_case(encounter: Encounter) -> ClearanceCase:
    """The encounter's case, locked for this transaction (with its encounter and facility, as
    ``do_recompute_locked`` reads them), created ``pending`` first if it has none.

    A writer that records a fact and then recomputes the case (a verification) reads the case
    once this way instead of twice (``do_ensure_case``, then the recompute's own locked read).
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("do_lock_case: call it in a transaction")
    found = _lock_case_row(encounter.pk)
    if found is not None:
        return found
    _create_case(encounter)
    created = _lock_case_row(encounter.pk)
    if created is None:
        raise ClearanceCase.DoesNotExist(f"encounter #{encounter.pk}: its case is gone")
    return created


@functools.cache
def _case_columns(receivers: bool = True) -> tuple[Columns, Columns, Columns, str]:
    """The case, its encounter and facility, as ``select_related("encounter__facility")``
    with ``select_for_update(of=("self",))`` reads them (plain SQL: ``finclear.workqueue.rows``);
    the SQL to its WHERE. ``receivers=False``: cases only written back with plain SQL (no
    ``save``), built without their audit snapshot."""
    case = Columns(ClearanceCase, "c", receivers=receivers)
    encounter = Columns(Encounter, "e", receivers=receivers)
    facility = Columns(Facility, "f", receivers=receivers)
    sql = (
        f"SELECT {case.select}, {encounter.select}, {facility.select} FROM {case.table} "
        f"INNER JOIN {encounter.table} ON {encounter.column('id')} = {case.column('encounter')} "
        f"INNER JOIN {facility.table} ON {facility.column('id')} = {encounter.column('facility')} "
        "WHERE "
    )
    return case, encounter, facility, sql


def _lock_case_row(encounter_id: int) -> ClearanceCase | None:
    case_columns = _case_columns()[0]
    found = _locked_cases(f"{case_columns.column('encounter')} = %s", [encounter_id])
    return found[0] if found else None


def _lock_cases(ids: list[int]) -> list[ClearanceCase]:
    """The cases of these primary keys, locked, by primary key; for ``_recompute_batch`` only
    (built, with their encounters, without the audit snapshots: it writes the cases with
    ``_write`` and never saves the encounters)."""
    case_columns = _case_columns(receivers=False)[0]
    where = f"{case_columns.column('id')} {in_marks(ids)} ORDER BY {case_columns.column('id')}"
    return _locked_cases(where, in_params(ids), receivers=False)


def _locked_cases(where: str, params: list[Any], *, receivers: bool = True) -> list[ClearanceCase]:
    case_columns, encounter_columns, facility_columns, sql = _case_columns(receivers)
    sql += where
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF c" if connection.features.has_select_for_update_of else " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cases = []
    build_case, build_encounter = case_columns.builder(), encounter_columns.builder()
    build_facility = facility_columns.builder()
    at = case_columns.width + encounter_columns.width  # the facility's key first
    facilities: dict[int, Facility] = {}  # a batch's cases share a few: each built once
    for row in rows:
        case = build_case(row)
        encounter = build_encounter(row, case_columns.width)
        facility = facilities.get(row[at])
        if facility is None:
            facility = facilities[row[at]] = build_facility(row, at)
        cache_related(encounter, "facility", facility)
        cache_related(case, "encounter", encounter)
        cases.append(case)
    return cases


def do_recompute_locked(case: ClearanceCase, *, changed: Iterable[str] | None = None) -> int:
    """``do_recompute_cases`` of one case the caller read with ``do_lock_case`` in this
    transaction (the row is not read again); returns 1 if it was open, else 0."""
    done = _recompute_batch([case.pk], None if changed is None else frozenset(changed), [case])
    _forget_counts()
    return done


@transaction.atomic(savepoint=False)  # inside a caller's transaction, its failure is theirs
def _recompute_batch(
    ids: list[int],
    changed: frozenset[str] | None = None,
    locked: list[ClearanceCase] | None = None,
) -> int:
    # Open cases are picked here rather than in SQL: given the status, SQLite's planner walks
    # every encounter in that status instead of the batch's primary keys.
    rows = locked if locked is not None else _lock_cases(ids)
    cases = [case for case in rows if case.encounter.status in OPEN_ENCOUNTER_STATUSES]
    open_ids = {case.pk for case in cases}
    closing = [case for case in rows if case.is_open and case.pk not in open_ids]
    if closing:
        ClearanceCase.objects.filter(pk__in=[c.pk for c in closing]).update(
            is_open=False, updated_at=timezone.now()
        )
    if not cases:
        return 0
    today = timezone.localdate()
    stored = _stored_parts(cases, today) if changed is not None else None
    if stored is None:
        changed = None
    facts = build_facts(cases, changed, stored, today)
    # The rows read here, locked: a column no case of the batch changes need not be written.
    loaded = None if locked is not None else [_recomputed_values(case) for case in cases]
    now = timezone.now()
    event_row = build_event_rows(AuditAction.UPDATE)
    events, activities, changed_cases = [], [], []
    for case in cases:
        item = facts[case.pk]
        findings = build_case_findings(item, changed, stored[case.pk] if stored else None)
        result = build_case_clearance(item, today, findings=findings)
        case.computed_parts = build_parts(item, findings, today)
        before = (case.status, case.status_reason)
        lifted = _apply_clearance(case, result, item, now)
        if lifted is not None:
            activities.append(lifted)
        if case.status != before[0]:
            activities.append(
                _activity_row(
                    case.pk,
                    CaseActivity.Kind.STATUS,
                    case.owner_id,
                    before[0],
                    case.status,
                    case.status_reason[:300],
                    now,
                )
            )
        fields = ["computed_at", "priority"]
        if case.status != before[0]:
            fields.append("status")
        if case.status_reason != before[1]:
            fields.append("status_reason")
        events.append(event_row(case, case.encounter.patient_id, {"fields": fields}))
        changed_cases.append(case)
    _write(changed_cases, _changed_fields(changed_cases, loaded))
    do_insert_values(CaseActivity, ACTIVITY_COLUMNS, activities)
    do_insert_values(AuditEvent, EVENT_COLUMNS, events)
    return len(cases)


def _stored_parts(cases: list[ClearanceCase], today: dt.date) -> dict[int, dict[str, Any]] | None:
    """Every case's usable stored parts, or None (a full recompute) if one has none or has
    marked changes still to be recomputed (``workqueue.receivers``)."""
    if is_pending(case.encounter_id for case in cases):
        return None
    stored = {}
    for case in cases:
        parts = usable_parts(case, today)
        if parts is None:
            return None
        stored[case.pk] = parts
    return stored


RECOMPUTED_FIELDS = [
    "status",
    "status_reason",
    "computed_status",
    "computed_at",
    "priority",
    "priority_explained",
    "open_items",
    "computed_parts",
    "item_flags",
    "payer_at_risk",
    "patient_at_risk",
    "is_open",
    "facility",
    "scheduled_at",
    "due_date",
    "payer",
    "override_status",
    "override_reason",
    "overridden_by",
    "overridden_at",
    "cleared_at",
    "updated_at",
]


@functools.cache
def _recomputed_columns() -> list[tuple[str, str, bool]]:
    """(name, attname, always written) of ``RECOMPUTED_FIELDS``: JSON values are always
    written (Python's equality is not JSON's: ``1 == True``)."""
    out = []
    for name in RECOMPUTED_FIELDS:
        field: Any = ClearanceCase._meta.get_field(name)
        out.append((name, field.attname, field.get_internal_type() == "JSONField"))
    return out


@functools.cache
def _recomputed_getter() -> Any:
    return operator.attrgetter(*(attname for _, attname, _ in _recomputed_columns()))


def _recomputed_values(case: ClearanceCase) -> tuple[Any, ...]:
    return _recomputed_getter()(case)  # type: ignore[no-any-return]


def _changed_fields(cases: list[ClearanceCase], loaded: list[tuple[Any, ...]] | None) -> list[str]:
    """``RECOMPUTED_FIELDS`` but those equal to their ``loaded`` value (as read, locked) in
    every case: writing the same value again stores nothing new. All of them without
    ``loaded``."""
    if loaded is None:
        return RECOMPUTED_FIELDS
    now = [_recomputed_values(case) for case in cases]
    names = []
    for index, (name, _, always) in enumerate(_recomputed_columns()):
        if always or any(
            values[index] != before[index] for values, before in zip(now, loaded, strict=True)
        ):
            names.append(name)
    return names


def _write(cases: list[ClearanceCase], names: list[str]) -> None:
    """One parameterized UPDATE per row, sent with ``executemany`` (psycopg pipelines it),
    or ``execute`` for one row (a real-time check's case: no pipeline to open and sync); on
    PostgreSQL, several rows with one UPDATE of them all (``_write_json``).

    ``bulk_update`` builds a CASE WHEN per field over the batch's rows: with twenty fields
    Django spends seconds building that statement for a few hundred rows.
    """
    if not cases:
        return
    if connection.vendor == "postgresql" and len(cases) > 1:
        _write_json(cases, names)
    else:
        _write_each(cases, names)


def _write_each(cases: list[ClearanceCase], names: list[str]) -> None:
    fields = [ClearanceCase._meta.get_field(name) for name in names]
    kinds = list(zip((f.attname for f in fields), fields, build_prep(fields), strict=True))
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table = quote(ClearanceCase._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"
    rows = [
        [prep_value(f, kind, getattr(case, name)) for name, f, kind in kinds] + [case.pk]
        for case in cases
    ]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


def _write_json(cases: list[ClearanceCase], names: list[str]) -> None:
    """``_write`` on PostgreSQL: the rows' values as one JSON array, one parameter of one
    UPDATE ... FROM ``jsonb_populate_recordset`` (the table's row type turns each value into
    its column's type, as its input function reads the text the driver would send).

    ``executemany`` prepared every value with its field (``get_db_prep_save``: a datetime's
    checks cost more than the rest), then the driver adapted each of a row's twenty
    parameters; here a value is put as JSON the way its field would store it (``_json_value``),
    and ``json.dumps`` writes the batch at once.
    """
    sql, columns, values = _json_update(tuple(names))
    rows = [
        {
            column: convert(value)
            for (column, convert), value in zip(columns, values(case), strict=True)
        }
        for case in cases
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows)])


@functools.lru_cache(maxsize=64)
def _json_update(names: tuple[str, ...]) -> tuple[str, list[tuple[str, Any]], Any]:
    """The UPDATE of ``names`` from a JSON array of rows, (column, converter) per value of a
    row (the key first) and the getter of a case's values."""
    meta = ClearanceCase._meta
    fields: list[Any] = [meta.pk, *(meta.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    sql = (
        f"UPDATE {table} AS t SET {assignments} "
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) AS v "
        f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )
    getter = operator.attrgetter(*(f.attname for f in fields))
    return sql, [(f.column, _json_value(f)) for f in fields], getter


def _json_value(field: Any) -> Any:
    """A function giving a value of ``field`` as JSON that ``jsonb_populate_recordset`` reads
    into what ``get_db_prep_save`` would store: a JSON field's value as it is (no encoder), an
    aware datetime and a date in ISO format, a Decimal as text, strings, numbers, booleans and
    None as they are; anything else through ``get_db_prep_save`` first."""
    if isinstance(field, JSONField) and field.encoder is None:
        return _as_is
    prep = functools.partial(field.get_db_prep_save, connection=connection)

    def convert(value: Any) -> Any:
        if value is None or type(value) in (str, int, bool):
            return value
        if type(value) is dt.datetime and value.tzinfo is not None:
            return value.isoformat()
        value = prep(value)
        if isinstance(value, dt.date):  # a datetime too
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if value is None or isinstance(value, str | int | float):
            return value
        raise TypeError(f"{field.name}: a {type(value).__name__} has no JSON value here")

    return convert


def _as_is(value: Any) -> Any:
    return value


# The columns of ``_activity_row``'s rows, in this order.
ACTIVITY_COLUMNS = ("case", "kind", "user", "from_status", "to_status", "detail", "occurred_at")


@functools.cache
def _activity_fields() -> list[tuple[Any, type[Any] | None]]:
    fields = [CaseActivity._meta.get_field(name) for name in ACTIVITY_COLUMNS]
    return list(zip(fields, build_prep(fields), strict=True))


def _activity_row(
    case_id: int,
    kind: str,
    user_id: int | None,
    from_status: str,
    to_status: str,
    detail: str,
    occurred_at: dt.datetime,
) -> list[Any]:
    """A case activity of the recompute as a row of ``ACTIVITY_COLUMNS`` values prepared for
    the database (``prep_value``), for ``do_insert_values``: no CaseActivity built."""
    values = (case_id, kind, user_id, from_status, to_status, detail, occurred_at)
    return [prep_value(f, k, v) for (f, k), v in zip(_activity_fields(), values, strict=True)]


def _apply_clearance(
    case: ClearanceCase, result: Clearance, facts: CaseFacts, now: dt.datetime
) -> list[Any] | None:
    """Set the computed fields; an override lapses when the computed status changes (its
    activity returned, an ``_activity_row``)."""
    lifted = None
    computed = str(result.status)
    if case.override_status and case.computed_status != computed:
        lifted = _activity_row(
            case.pk,
            CaseActivity.Kind.OVERRIDE_LIFTED,
            None,
            case.override_status,
            computed,
            f"the computed status changed from {case.computed_status} to {computed}",
            now,
        )
        case.override_status, case.override_reason = "", ""
        case.overridden_by, case.overridden_at = None, None
    case.computed_status = computed
    case.status = case.override_status or computed
    case.status_reason = (
        f"overridden: {case.override_reason}" if case.override_status else result.reason
    )
    case.computed_at = now
    case.priority = result.priority.score
    case.priority_explained = result.priority.explain()[:200]
    case.open_items = [{"item": str(i.item), "reason": i.reason} for i in result.items]
    case.item_flags = int(result.flags)
    case.payer_at_risk = result.payer_at_risk
    case.patient_at_risk = result.patient_at_risk
    case.is_open = True
    encounter = case.encounter
    case.facility_id = encounter.facility_id
    case.scheduled_at = encounter.scheduled_at
    case.due_date = facts.visit_date
    payer = primary_payer(facts)
    case.payer_id = payer.pk if payer is not None else None
    if case.status == CaseStatus.CLEARED:
        case.cleared_at = case.cleared_at or now
    else:
        case.cleared_at = None
    case.updated_at = now
    return lifted


@transaction.atomic
def do_assign_case(case: ClearanceCase, owner: Any) -> None:
    case.owner = owner
    do_save_checked(case, update_fields=["owner", "updated_at"])


@transaction.atomic
def do_add_note(case: ClearanceCase, author: Any, body: str) -> CaseNote:
    note = CaseNote(case=case, author=author, body=body)
    do_save_checked(note)
    return note


@transaction.atomic
def do_create_task(
    case: ClearanceCase, *, kind: str, title: str, created_by: Any = None, **fields: Any
) -> Task:
    """Open a task on a case; ``created_by`` is None for tasks the system creates."""
    task = Task(case=case, kind=kind, title=title, created_by=created_by, **fields)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": f"status: a new task is open, not {task.status}"})
    do_save_checked(task)
    return task


@transaction.atomic
def do_close_task(task: Task, status: str = TaskStatus.DONE) -> Task:
    """Mark an open task done or cancelled."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": f"status: task #{task.pk} is already {task.status}"})
    if status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise ValidationError(
            {"status": f"status: a task closes as done or cancelled, not {status}"}
        )
    task.status = status
    task.closed_at = timezone.now()
    do_save_checked(task, update_fields=["status", "closed_at", "updated_at"])
    return task


# -- working the queue ---------------------------------------------------------------------------


class ClaimRefused(Exception):
    """The case could not be claimed (someone else holds it) or released (not yours)."""


def _activity(case: ClearanceCase, kind: str, user: Any, detail: str = "") -> CaseActivity:
    return CaseActivity.objects.create(
        case=case,
        kind=kind,
        user=user,
        from_status=case.status,
        to_status=case.status,
        detail=detail[:300],
        occurred_at=timezone.now(),
    )


def _take(case_id: int, user: Any) -> ClearanceCase:
    """Record the claim on a case this transaction now owns, and audit it."""
    _forget_counts()
    case = ClearanceCase.objects.select_related("encounter").get(pk=case_id)
    _activity(case, CaseActivity.Kind.CLAIMED, user)
    AuditEvent.objects.bulk_create(
        [
            build_event(
                AuditAction.UPDATE,
                obj=case,
                patient_id=case.encounter.patient_id,
                user=user,
                detail={"fields": ["owner", "claimed_at"]},
            )
        ]
    )
    return case


@transaction.atomic
def do_claim_case(case_id: int, user: Any) -> ClearanceCase:
    """Take an unowned case; exactly one of several users claiming it at once wins.

    One conditional UPDATE ... WHERE owner IS NULL: the database lets one writer change the
    row, the others find it owned (PostgreSQL re-checks the condition after the winner
    commits; SQLite serializes writers). Claiming a case one already holds is a no-op.
    """
    now = timezone.now()
    won = ClearanceCase.objects.filter(pk=case_id, owner__isnull=True, is_open=True).update(
        owner=user, claimed_at=now, updated_at=now
    )
    if won:
        return _take(case_id, user)
    case = ClearanceCase.objects.filter(pk=case_id).select_related("owner").first()
    if case is None:
        raise ClearanceCase.DoesNotExist(f"case #{case_id} does not exist")
    if case.owner_id == user.pk:
        return case
    if not case.is_open:
        raise ClaimRefused(f"case #{case_id} is closed (the encounter is not scheduled)")
    raise ClaimRefused(f"case #{case_id} is already claimed by {case.owner.get_username()}")


@transaction.atomic
def do_claim_next(user: Any, cases: Any) -> ClearanceCase | None:
    """Claim the most urgent unowned, uncleared case of ``cases`` (a scoped queryset).

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent specialists each get a
    different case without waiting. SQLite has no row locks: a conditional UPDATE per
    candidate, moving on when another writer took it first.
    """
    candidates = (
        cases.filter(owner__isnull=True, is_open=True)
        .exclude(status=CaseStatus.CLEARED)
        .order_by("-priority", "due_date", "pk")
    )
    now = timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        picked = list(
            candidates.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", flat=True
            )[:1]
        )
        if not picked:
            return None
        ClearanceCase.objects.filter(pk=picked[0]).update(
            owner=user, claimed_at=now, updated_at=now
        )
        return _take(picked[0], user)
    for pk in candidates.values_list("pk", flat=True)[:20]:
        won = ClearanceCase.objects.filter(pk=pk, owner__isnull=True).update(
            owner=user, claimed_at=now, updated_at=now
        )
        if won:
            return _take(pk, user)
    return None


@transaction.atomic
def do_release_case(case_id: int, user: Any, *, force: bool = False) -> ClearanceCase:
    """Give a case back to the queue; only its owner may, or a supervisor (``force``)."""
    case = ClearanceCase.objects.select_for_update(of=("self",)).get(pk=case_id)
    if case.owner_id is None:
        return case
    if case.owner_id != user.pk and not force:
        raise ClaimRefused(f"case #{case_id} is not yours to release")
    case.owner = None
    case.claimed_at = None
    do_save_checked(case, update_fields=["owner", "claimed_at", "updated_at"])
    _forget_counts()
    _activity(case, CaseActivity.Kind.RELEASED, user)
    return case


@transaction.atomic
def do_reassign_case(case_id: int, to_user: Any, by: Any) -> ClearanceCase:
    """A supervisor gives a case to someone (permission checked by the caller)."""
    case = ClearanceCase.objects.select_for_update(of=("self",)).get(pk=case_id)
    if not to_user.is_active:
        raise ValidationError({"owner": f"owner: {to_user.get_username()} is not active"})
    previous = case.owner.get_username() if case.owner_id else "nobody"
    case.owner = to_user
    case.claimed_at = timezone.now()
    do_save_checked(case, update_fields=["owner", "claimed_at", "updated_at"])
    _forget_counts()
    _activity(
        case,
        CaseActivity.Kind.REASSIGNED,
        by,
        f"from {previous} to {to_user.get_username()}",
    )
    return case


@transaction.atomic
def do_override_status(case_id: int, status: str, reason: str, by: Any) -> ClearanceCase:
    """A supervisor sets the status by hand, with a reason; it stands until lifted or until
    the computed status changes. Audited (the case's update event and its history)."""
    if status not in CaseStatus.values or status == CaseStatus.PENDING:
        raise ValidationError({"status": f"status: {status!r} is not a clearance status"})
    if not reason.strip():
        raise ValidationError({"override_reason": "override_reason: say why"})
    case = ClearanceCase.objects.select_for_update(of=("self",)).get(pk=case_id)
    before = case.status
    case.override_status = status
    case.override_reason = reason.strip()[:1000]
    case.overridden_by = by
    case.overridden_at = timezone.now()
    case.status = status
    case.status_reason = f"overridden: {case.override_reason}"
    if status == CaseStatus.CLEARED:
        case.cleared_at = case.cleared_at or case.overridden_at
    do_save_checked(
        case,
        update_fields=[
            "override_status",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "status",
            "status_reason",
            "cleared_at",
            "updated_at",
        ],
    )
    _forget_counts()
    CaseActivity.objects.create(
        case=case,
        kind=CaseActivity.Kind.OVERRIDDEN,
        user=by,
        from_status=before,
        to_status=status,
        detail=case.override_reason[:300],
        occurred_at=case.overridden_at,
    )
    return case


@transaction.atomic
def do_lift_override(case_id: int, by: Any) -> ClearanceCase:
    case = ClearanceCase.objects.select_for_update(of=("self",)).get(pk=case_id)
    if not case.override_status:
        return case
    before = case.status
    case.override_status, case.override_reason = "", ""
    case.overridden_by, case.overridden_at = None, None
    do_save_checked(
        case,
        update_fields=[
            "override_status",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "updated_at",
        ],
    )
    CaseActivity.objects.create(
        case=case,
        kind=CaseActivity.Kind.OVERRIDE_LIFTED,
        user=by,
        from_status=before,
        to_status=case.computed_status,
        detail="lifted by hand",
        occurred_at=timezone.now(),
    )
    do_recompute_cases([case.pk])
    return ClearanceCase.objects.get(pk=case.pk)


@transaction.atomic
def do_record_counseling(case_id: int, user: Any, note: str) -> Task:
    """The counselor had the conversation: a done counseling task, a note, and a recompute."""
    case = ClearanceCase.objects.get(pk=case_id)
    if not note.strip():
        raise ValidationError({"body": "body: say what was agreed"})
    task = Task(
        case=case,
        kind=TaskKind.COUNSELING,
        title="Financial counseling done",
        created_by=user,
        assignee=user,
        status=TaskStatus.DONE,
        closed_at=timezone.now(),
    )
    do_save_checked(task)
    do_add_note(case, user, note)
    _activity(case, CaseActivity.Kind.ACTION, user, "financial counseling recorded")
    do_recompute_cases([case.pk])
    return task


BULK_LIMIT = 50


@dataclass
class BulkResult:
    action: str
    done: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = {"claim": "claimed", "release": "released", "verify_eligibility": "verified"}
        text = f"{self.done} item(s) {verb.get(self.action, self.action)}"
        if self.refused:
            text += f"; {len(self.refused)} not: " + "; ".join(self.refused[:5])
            if len(self.refused) > 5:
                text += f"; and {len(self.refused) - 5} more"
        return text + "."


def do_bulk(action: str, case_ids: list[int], user: Any, scope: Any) -> BulkResult:
    """Apply one action to each case of ``case_ids`` the user may see (``scope``), each in
    its own transaction: one refusal does not undo the others, and each is reported."""
    result = BulkResult(action)
    allowed = set(scope.filter(pk__in=case_ids).values_list("pk", flat=True))
    refusals: tuple[type[Exception], ...] = (ClaimRefused, ValidationError)
    if action == "verify_eligibility":
        from finclear.connect.gateway import GatewayError
        from finclear.eligibility.endpoints import NoEndpoint
        from finclear.eligibility.services import NothingToVerify

        refusals = (*refusals, NothingToVerify, NoEndpoint, GatewayError)
    for pk in case_ids[:BULK_LIMIT]:
        if pk not in allowed:
            result.refused.append(f"case #{pk} is not in your facilities")
            continue
        try:
            if action == "claim":
                do_claim_case(pk, user)
            elif action == "release":
                do_release_case(pk, user)
            elif action == "verify_eligibility":
                _verify(pk, user)
            else:
                raise ValueError(f"action: {action!r} is not a bulk action")
            result.done += 1
        except refusals as exc:
            result.refused.append(f"case #{pk}: {exc}")
    if len(case_ids) > BULK_LIMIT:
        result.refused.append(f"only the first {BULK_LIMIT} selected items were processed")
    return result


def _verify(case_id: int, user: Any) -> None:
    from finclear.eligibility.services import do_verify

    case = ClearanceCase.objects.select_related("encounter__facility", "encounter__patient").get(
        pk=case_id
    )
    do_verify(case.encounter, user=user)
