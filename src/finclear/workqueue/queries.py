"""Reads for the worklist: clearance cases in the user's facilities, filtered, counted, paged.

Every read goes through ``cases_for_user`` (open cases of the user's facilities, on the
case's own copy of the facility so the partial indexes serve it). A worklist page is a
fixed number of queries whatever its size: the counts per status (the tabs, cached), the
page's rows as plain values (one query on the case, its encounter and patient; the names of
the small tables from ``names``), and the audit events of the rows (one insert; on PostgreSQL
in the same statement as the rows).

The worklist's two hot statements, the page's rows and the tab counts, are plain SQL built
from ``build_case_filter``: compiling them through the ORM on every request cost more of the
web process's CPU than PostgreSQL spent running them. ``tests/integration/
test_workqueue_worklist_sql.py`` holds them to what the ORM's querysets of the same filters
give.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from finclear.accounts.access import is_cache_used
from finclear.accounts.scoping import facility_ids_for
from finclear.audit.services import build_views_insert, record_row_views
from finclear.rules.clearance import ITEM_FLAG, Item
from finclear.workqueue import names
from finclear.workqueue.models import (
    CaseActivity,
    CaseNote,
    CaseStatus,
    ClearanceCase,
    SavedView,
    Task,
    TaskStatus,
)

OPEN_CASE_STATUSES = tuple(s for s in CaseStatus.values if s != CaseStatus.CLEARED)
TODO = "todo"  # every status but cleared
ALL = "all"
TAB_ORDER = (
    CaseStatus.AT_RISK,
    CaseStatus.NEEDS_ELIGIBILITY,
    CaseStatus.NEEDS_AUTHORIZATION,
    CaseStatus.NEEDS_ESTIMATE,
    CaseStatus.NEEDS_COUNSELING,
    CaseStatus.PENDING,
    CaseStatus.CLEARED,
)
SORTS = {
    "priority": ("-priority", "due_date", "id"),
    "date": ("due_date", "scheduled_at", "id"),
}
PAGE_SIZE = 50


@dataclass(slots=True)
class CaseRow:
    """One worklist row: what the list and the API show of a case, read as plain values.

    Not frozen: a frozen dataclass sets each of its 29 fields through ``object.__setattr__``,
    ten times the cost of a plain one (200 us a page of 50 rows); nothing changes a row."""

    id: int
    encounter_id: int
    patient_id: int
    status: str
    computed_status: str
    status_reason: str
    override_status: str
    open_items: list[dict[str, str]]
    priority: int
    priority_explained: str
    payer_at_risk: Decimal
    patient_at_risk: Decimal
    due_date: dt.date
    scheduled_at: dt.datetime | None
    claimed_at: dt.datetime | None
    computed_at: dt.datetime | None
    facility_id: int | None
    facility_code: str | None
    time_zone: str | None
    payer_id: int | None
    payer_name: str | None
    owner_id: int | None
    owner_name: str | None
    mrn: str
    patient_first_name: str
    patient_last_name: str
    department: str
    provider_first_name: str
    provider_last_name: str

    @property
    def pk(self) -> int:
        return self.id


# What a row reads from the case ``c``, its encounter ``e`` and patient ``p`` (one query,
# joined by key), as (ORM lookup, SQL, output name); the rest of CaseRow comes from ``names``.
ROW_COLUMNS = (
    ("id", 'c."id"', "id"),
    ("encounter_id", 'c."encounter_id"', "encounter_id"),
    ("encounter__patient_id", 'e."patient_id"', "patient_id"),
    ("status", 'c."status"', "status"),
    ("computed_status", 'c."computed_status"', "computed_status"),
    ("status_reason", 'c."status_reason"', "status_reason"),
    ("override_status", 'c."override_status"', "override_status"),
    ("open_items", 'c."open_items"', "open_items"),
    ("priority", 'c."priority"', "priority"),
    ("priority_explained", 'c."priority_explained"', "priority_explained"),
    ("payer_at_risk", 'c."payer_at_risk"', "payer_at_risk"),
    ("patient_at_risk", 'c."patient_at_risk"', "patient_at_risk"),
    ("due_date", 'c."due_date"', "due_date"),
    ("scheduled_at", 'c."scheduled_at"', "scheduled_at"),
    ("claimed_at", 'c."claimed_at"', "claimed_at"),
    ("computed_at", 'c."computed_at"', "computed_at"),
    ("facility_id", 'c."facility_id"', "facility_id"),
    ("payer_id", 'c."payer_id"', "payer_id"),
    ("owner_id", 'c."owner_id"', "owner_id"),
    ("encounter__patient__mrn", 'p."mrn"', "mrn"),
    ("encounter__patient__first_name", 'p."first_name"', "first_name"),
    ("encounter__patient__last_name", 'p."last_name"', "last_name"),
    ("encounter__department_id", 'e."department_id"', "department_id"),
    ("encounter__rendering_provider_id", 'e."rendering_provider_id"', "rendering_provider_id"),
)
ROW_LOOKUPS = tuple(lookup for lookup, _, _ in ROW_COLUMNS)
# The sorts on the case table ``c`` and on the rows' output names.
SORTS_SQL = {
    "priority": ('c."priority" DESC, c."due_date" ASC, c."id" ASC', "priority DESC, due_date, id"),
    "date": ('c."due_date" ASC, c."scheduled_at" ASC, c."id" ASC', "due_date, scheduled_at, id"),
}


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RowPlan:
    """How this connection reads ``ROW_COLUMNS``: the select list, and what turns each value
    into the one ``values_list(*ROW_LOOKUPS)`` would give.

    On PostgreSQL the times travel as integer microseconds since the epoch (Django's loader
    of ``timestamptz`` text is psycopg's Python one, wrapped: 100 times a page were a third of
    the rows' reading) and the open items' JSON is decoded in one call for the page; any other
    column with a converter goes through Django's converters, as everywhere on other
    databases.
    """

    select: str
    epoch: tuple[int, ...]
    json: tuple[int, ...]
    converters: tuple[tuple[int, tuple[tuple[Any, Any], ...]], ...]


def _row_plan() -> RowPlan:
    key = connection.alias
    plan = _PLANS.get(key)
    if plan is None:
        from django.conf import settings
        from django.db.models import DateTimeField, JSONField
        from django.db.models.expressions import Col

        fast = connection.vendor == "postgresql" and settings.USE_TZ
        select, epoch, as_json, converters = [], [], [], []
        for index, (lookup, sql, name) in enumerate(ROW_COLUMNS):
            model: Any = ClearanceCase
            *path, field_name = lookup.split("__")
            for hop in path:
                model = model._meta.get_field(hop).related_model
            field = model._meta.get_field(field_name)
            col = Col(model._meta.db_table, field)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if fast and isinstance(field, DateTimeField) and not found:
                select.append(f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint AS {name}")
                epoch.append(index)
                continue
            select.append(f"{sql} AS {name}")
            if fast and isinstance(field, JSONField) and field.decoder is None:
                as_json.append(index)
            elif found:
                converters.append((index, tuple((c, col) for c in found)))
        plan = _PLANS[key] = RowPlan(
            ", ".join(select), tuple(epoch), tuple(as_json), tuple(converters)
        )
    return plan


_PLANS: dict[str, RowPlan] = {}


def convert_rows(values: list[tuple[Any, ...]], plan: RowPlan) -> list[tuple[Any, ...]]:
    """Rows of ``ROW_COLUMNS`` read by plain SQL with ``plan``'s select list, with the values
    Django would give."""
    if not (plan.epoch or plan.json or plan.converters) or not values:
        return values
    rows = [list(row) for row in values]
    for index in plan.epoch:
        for row in rows:
            micros = row[index]
            if micros is not None:
                row[index] = _EPOCH + dt.timedelta(microseconds=micros)
    for index in plan.json:
        texts = [row[index] for row in rows if row[index] is not None]
        try:
            decoded = iter(json.loads(f"[{','.join(texts)}]"))
        except ValueError:  # one is not JSON: each as JSONField.from_db_value reads it
            decoded = iter(_json_or_text(text) for text in texts)
        for row in rows:
            if row[index] is not None:
                row[index] = next(decoded)
    for index, pairs in plan.converters:
        for row in rows:
            value = row[index]
            for convert, expression in pairs:
                value = convert(value, expression, connection)
            row[index] = value
    return [tuple(row) for row in rows]


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_page_values(
    case_filter: CaseFilter,
    tab: str,
    sort: str,
    start: int,
    count: int,
    request: HttpRequest | None = None,
    list_name: str = "worklist",
) -> list[tuple[Any, ...]]:
    """One page of ``ROW_COLUMNS`` values in one statement; with ``request``, every row read
    is recorded as viewed by it (on PostgreSQL in the same statement, a data-modifying
    ``WITH``; elsewhere one insert after)."""
    t = _names()
    tab_sql, tab_params = build_tab_filter(tab)
    where = case_filter.where + (f" AND {tab_sql}" if tab_sql else "")
    order, outer_order = SORTS_SQL.get(sort, SORTS_SQL["priority"])
    plan = _row_plan()
    select = (
        f"SELECT {plan.select} "
        f'FROM {t["case"]} c INNER JOIN {t["encounter"]} e ON (c."encounter_id" = e."id") '
        f'INNER JOIN {t["patient"]} p ON (e."patient_id" = p."id") '
        f"WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    params = [*case_filter.params, *tab_params, count, start]
    audit_inline = request is not None and connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if audit_inline:
            insert, insert_params = build_views_insert(
                request, ClearanceCase, "page", "id", "patient_id", list_name
            )
            cursor.execute(
                f"WITH page AS ({select}), seen AS ({insert}) "
                f"SELECT * FROM page ORDER BY {outer_order}",
                [*params, *insert_params],
            )
        else:
            cursor.execute(select, params)
        values = convert_rows(cursor.fetchall(), plan)
    if request is not None and not audit_inline:
        record_row_views(request, ClearanceCase, [(v[0], v[2]) for v in values], list_name)
    return values


def build_case_rows(values: list[tuple[Any, ...]]) -> list[CaseRow]:
    """Rows from ``ROW_LOOKUPS`` values, in their order, with the names of the small tables
    from ``names``."""
    facilities = names.FACILITIES.lookup(v[16] for v in values)
    payers = names.PAYERS.lookup(v[17] for v in values)
    owners = names.OWNERS.lookup(v[18] for v in values)
    departments = names.DEPARTMENTS.lookup(v[22] for v in values)
    providers = names.PROVIDERS.lookup(v[23] for v in values)
    rows = []
    for v in values:
        code, zone = facilities.get(v[16], (None, None))
        first, last = providers.get(v[23], ("", ""))
        row = CaseRow(
            *v[:17],
            facility_code=code,
            time_zone=zone,
            payer_id=v[17],
            payer_name=payers.get(v[17], (None,))[0],
            owner_id=v[18],
            owner_name=owners.get(v[18], (None,))[0],
            mrn=v[19],
            patient_first_name=v[20],
            patient_last_name=v[21],
            department=departments.get(v[22], ("",))[0],
            provider_first_name=first,
            provider_last_name=last,
        )
        rows.append(row)
    return rows


def cases_for_user(user: Any) -> QuerySet[ClearanceCase]:
    """The open cases of the user's facilities (all facilities for admins)."""
    cases = ClearanceCase.objects.filter(is_open=True)
    ids = facility_ids_for(user)
    return cases if ids is None else cases.filter(facility_id__in=ids)


def _names() -> dict[str, str]:
    """The quoted names of the worklist's tables and their joins' columns."""
    from finclear.patients.models import Patient
    from finclear.scheduling.models import Encounter

    qn = connection.ops.quote_name
    return {
        "case": qn(ClearanceCase._meta.db_table),
        "encounter": qn(Encounter._meta.db_table),
        "patient": qn(Patient._meta.db_table),
    }


@dataclass(frozen=True)
class CaseFilter:
    """The WHERE of the user's open cases with every filter but the tab, as SQL on the case
    table ``c`` and, when ``needs_encounter``, its encounter ``e``."""

    where: str
    params: list[Any]
    needs_encounter: bool


def build_case_filter(user: Any, f: dict[str, Any]) -> CaseFilter:
    """``cases_for_user`` and every filter but the status tab (the tabs count across
    statuses), as the SQL the ORM made of them."""
    where = ['c."is_open"']
    params: list[Any] = []
    ids = facility_ids_for(user)
    if ids is not None:
        if ids:
            where.append(f'c."facility_id" IN ({", ".join(["%s"] * len(ids))})')
            params.extend(ids)
        else:
            where.append("1 = 0")  # no facility: nothing (the ORM's empty IN)
    adapt = connection.ops.adapt_datefield_value
    if f.get("date_from"):
        where.append('c."due_date" >= %s')
        params.append(adapt(f["date_from"]))
    if f.get("date_to"):
        where.append('c."due_date" <= %s')
        params.append(adapt(f["date_to"]))
    if f.get("facility"):
        where.append('c."facility_id" = %s')
        params.append(f["facility"].pk)
    needs_encounter = False
    if f.get("department"):
        where.append('e."department_id" = %s')
        params.append(f["department"].pk)
        needs_encounter = True
    if f.get("provider"):
        where.append('e."rendering_provider_id" = %s')
        params.append(f["provider"].pk)
        needs_encounter = True
    if f.get("payer"):
        where.append('c."payer_id" = %s')
        params.append(f["payer"].pk)
    item = f.get("item")
    if item:
        flag = int(ITEM_FLAG[Item(item)])
        where.append('(c."item_flags" & %s) = %s')
        params.extend([flag, flag])
    assignee = f.get("assignee")
    if assignee == "me":
        where.append('c."owner_id" = %s')
        params.append(user.pk)
    elif assignee == "unassigned":
        where.append('c."owner_id" IS NULL')
    elif assignee:
        where.append('c."owner_id" = %s')
        params.append(int(assignee))
    return CaseFilter(" AND ".join(where), params, needs_encounter)


def build_tab_filter(tab: str) -> tuple[str, list[Any]]:
    """The tab's condition on the case table ``c``: to do (all but cleared), all, or one
    status."""
    if tab == TODO or not tab:
        return 'NOT (c."status" = %s)', [str(CaseStatus.CLEARED)]
    if tab == ALL:
        return "", []
    return 'c."status" = %s', [str(tab)]


COUNTS_TTL = 10  # seconds a process may show the same tab counts
KEEP_STALE = 6  # old counts are kept this many TTLs, to be shown while one request recounts
REFRESH_SECONDS = 5  # how long a request holds the recount before another may take it
_COUNTS_GENERATION = "finclear:worklist-counts-generation"


def do_forget_counts() -> None:
    """Counts computed before now are not shown again (cases were recomputed or changed)."""
    try:
        cache.incr(_COUNTS_GENERATION)
    except ValueError:
        cache.set(_COUNTS_GENERATION, 1, None)


COUNTED_FILTERS = (
    "date_from",
    "date_to",
    "facility",
    "department",
    "provider",
    "payer",
    "item",
    "assignee",
)


def build_counts_key(user: Any, filters: dict[str, Any]) -> str:
    """What the counts depend on: the user's facilities and the filters (not the tab, sort or
    page), as plain text; cheaper than compiling the count's SQL to name it."""
    parts = [repr(facility_ids_for(user))]
    for name in COUNTED_FILTERS:
        value = filters.get(name)
        value = getattr(value, "pk", value)
        if name == "assignee" and value == "me":
            value = f"user {user.pk}"
        parts.append(f"{name}={value}")
    return "|".join(parts)


def cached_status_counts(case_filter: CaseFilter, key: str) -> dict[str, int]:
    """``status_counts``, kept ``COUNTS_TTL`` seconds per distinct filter (``key`` names
    it: ``build_counts_key``).

    Counting 100,000 cases takes tens of milliseconds on every page, and twenty specialists
    paging through the same tabs ask for the same counts. A write through the services
    (recompute, claim, override) makes the counts be read afresh: in every process when
    they share a cache (FINCLEAR_CACHE_URL), else in this one, and another may show counts
    up to ``COUNTS_TTL`` seconds old.

    Counts that are only old (no write since) are counted again by one request, which
    takes the refresh (``cache.add``); the requests that come meanwhile show the old counts
    instead of all counting at once, which on a busy worklist made every expiry a burst of
    identical counts (up to ``REFRESH_SECONDS`` more, should the refresh fail).
    """
    generation = cache.get(_COUNTS_GENERATION, 0)
    name = "finclear:worklist-counts:" + hashlib.sha256(key.encode()).hexdigest()
    kept = cache.get(name)
    now = time.time()
    fresh = isinstance(kept, tuple) and len(kept) == 3 and kept[0] == generation
    if fresh and (
        now - kept[1] < COUNTS_TTL or not cache.add(f"{name}:refresh", 1, REFRESH_SECONDS)
    ):
        counts: dict[str, int] = kept[2]
        return counts
    counts = status_counts(case_filter)
    cache.set(name, (generation, now, counts), COUNTS_TTL * KEEP_STALE)
    cache.delete(f"{name}:refresh")
    return counts


def status_counts(case_filter: CaseFilter) -> dict[str, int]:
    """{status: count} of the filtered cases, with the ``todo`` and ``all`` totals."""
    counts = dict.fromkeys(TAB_ORDER, 0)
    t = _names()
    join = (
        f' INNER JOIN {t["encounter"]} e ON (c."encounter_id" = e."id")'
        if case_filter.needs_encounter
        else ""
    )
    # COUNT(*), not COUNT(id): PostgreSQL then counts on the (facility, status) index alone.
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT c."status", COUNT(*) FROM {t["case"]} c{join} '
            f'WHERE {case_filter.where} GROUP BY c."status"',
            case_filter.params,
        )
        for status, n in cursor.fetchall():
            counts[status] = n
    counts_out: dict[str, int] = {str(k): v for k, v in counts.items()}
    counts_out[ALL] = sum(counts.values())
    counts_out[TODO] = counts_out[ALL] - counts_out[CaseStatus.CLEARED]
    return counts_out


@dataclass(frozen=True)
class WorklistPage:
    rows: list[CaseRow]
    number: int
    per_page: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


@dataclass(frozen=True)
class Worklist:
    page: WorklistPage
    counts: dict[str, int]
    tab: str


def build_worklist(
    user: Any,
    filters: dict[str, Any],
    *,
    tab: str = TODO,
    sort: str = "priority",
    page: int = 1,
    per_page: int | None = None,
    request: HttpRequest | None = None,
) -> Worklist:
    """The tab's page of cases and the counts of every tab, in a fixed number of queries;
    with ``request``, each row shown is recorded as viewed by it (the "worklist" list)."""
    per_page = per_page or PAGE_SIZE
    case_filter = build_case_filter(user, filters)
    counts = cached_status_counts(case_filter, build_counts_key(user, filters))
    total = counts.get(tab or TODO, 0)
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    # The page in one statement: the case table's partial indexes give the order and stop at
    # the page, the encounter and patient are joined by key (3 tables: cheap to plan).
    values = read_page_values(case_filter, tab, sort, start, per_page, request)
    rows = build_case_rows(values)
    return Worklist(WorklistPage(rows, number, per_page, total), counts, tab or TODO)


def neighbours(user: Any, case: ClearanceCase) -> tuple[int | None, int | None]:
    """The cases before and after this one in the user's to-do list by priority (j/k).

    The list's order is (-priority, due_date, id): "after" is anything later in that order.
    """
    todo = cases_for_user(user).exclude(status=CaseStatus.CLEARED).exclude(pk=case.pk)
    p, d, pk = case.priority, case.due_date, case.pk
    later = Q(priority__lt=p) | Q(priority=p, due_date__gt=d) | Q(priority=p, due_date=d, id__gt=pk)
    earlier = (
        Q(priority__gt=p) | Q(priority=p, due_date__lt=d) | Q(priority=p, due_date=d, id__lt=pk)
    )
    after = todo.filter(later).order_by(*SORTS["priority"]).values_list("pk", flat=True).first()
    before = (
        todo.filter(earlier)
        .order_by("priority", "-due_date", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return before, after


def workspace_case(user: Any, pk: int) -> ClearanceCase:
    """One case with what its workspace shows; DoesNotExist outside the user's facilities."""
    ids = facility_ids_for(user)
    cases = ClearanceCase.objects.all()
    if ids is not None:
        cases = cases.filter(encounter__facility_id__in=ids)
    return (
        cases.select_related(
            "encounter__patient__guarantor",
            "encounter__facility",
            "encounter__department",
            "encounter__rendering_provider",
            "payer",
            "owner",
            "overridden_by",
        )
        .prefetch_related(
            "encounter__service_lines",
            "encounter__diagnoses",
            Prefetch(
                "notes",
                queryset=CaseNote.objects.select_related("author").order_by("-created_at", "-pk"),
            ),
            Prefetch(
                "tasks",
                queryset=Task.objects.select_related("assignee").order_by("status", "due_at", "pk"),
            ),
            Prefetch(
                "activities",
                queryset=CaseActivity.objects.select_related("user").order_by(
                    "-occurred_at", "-pk"
                ),
            ),
        )
        .get(pk=pk)
    )


def coverages_of(encounter: Any) -> list[Any]:
    """The patient's coverages, active and primary first (one query)."""
    from finclear.patients.models import Coverage

    return list(
        Coverage.objects.filter(patient_id=encounter.patient_id)
        .select_related("payer", "plan")
        .order_by("-is_active", "order", "pk")
    )


class SavedViewRow(NamedTuple):
    pk: int
    name: str
    query: str


SAVED_VIEWS_SECONDS = 300


def saved_views_key(user_id: Any) -> str:
    return f"finclear:saved-views:{user_id}"


def saved_views(user: Any) -> list[SavedViewRow]:
    """The user's saved views by name (what the worklist lists on every page).

    Kept in the shared cache when the web processes share one (``accounts.access``'s
    choice), for ``SAVED_VIEWS_SECONDS``: a save or deletion of any of the user's views
    forgets the entry now and again when the transaction commits (``on_saved_view_changed``),
    so the next page lists it. Writes that bypass Django's signals (``QuerySet.update``, raw
    SQL) are seen when the entry expires.
    """
    kept = is_cache_used()
    if kept:
        found = cache.get(saved_views_key(user.pk))
        if isinstance(found, list):
            return [SavedViewRow(*row) for row in found]
    rows = [
        SavedViewRow(*row)
        for row in SavedView.objects.filter(user=user)
        .order_by("name")
        .values_list("pk", "name", "query")
    ]
    if kept:
        cache.set(saved_views_key(user.pk), [tuple(row) for row in rows], SAVED_VIEWS_SECONDS)
    return rows


def do_forget_saved_views(user_id: Any) -> None:
    """Drop the user's kept saved views now and when the transaction commits (a page that
    read the rows before the change committed may have kept them in between)."""
    key = saved_views_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@receiver(post_save, sender=SavedView, dispatch_uid="finclear-saved-view-saved")
@receiver(post_delete, sender=SavedView, dispatch_uid="finclear-saved-view-gone")
def on_saved_view_changed(sender: Any, instance: SavedView, **kwargs: Any) -> None:
    do_forget_saved_views(instance.user_id)


def open_tasks(assignee: Any = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(status=TaskStatus.OPEN)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    return tasks.select_related("case__encounter__patient", "assignee").order_by("due_at", "pk")


def worklist(
    *,
    statuses: tuple[str, ...] = OPEN_CASE_STATUSES,
    owner: Any = None,
    facility: Any = None,
) -> QuerySet[ClearanceCase]:
    """Cases in the given statuses, due soonest and most urgent first (all facilities)."""
    cases = ClearanceCase.objects.filter(status__in=statuses)
    if owner is not None:
        cases = cases.filter(owner=owner)
    if facility is not None:
        cases = cases.filter(encounter__facility=facility)
    return cases.select_related(
        "owner",
        "encounter__patient",
        "encounter__facility",
        "encounter__department",
        "encounter__rendering_provider",
    ).order_by("due_date", "-priority", "pk")
