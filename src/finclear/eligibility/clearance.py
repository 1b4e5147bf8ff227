"""The eligibility part of a clearance case, decided from the checks on record.

``load_facts`` (registered with ``workqueue.checks.register_facts``) loads, for many cases at
once, the latest check of each encounter's primary coverage; ``check_eligibility`` (put in
the place of the workqueue's default with ``replace_check``) clears eligibility when that check
is verified (by the payer or manually) and fresh, and otherwise says what is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from finclear.eligibility.inquiry import build_fingerprint
from finclear.eligibility.models import CLEARING_STATUSES, CheckStatus, EligibilityCheck
from finclear.rules.benefits import MAX_AGE_DAYS, is_stale
from finclear.workqueue.checks import CaseFacts, Finding
from finclear.workqueue.models import CaseStatus, ClearanceCase
from finclear.workqueue.rows import Columns, in_marks, in_params

FACTS_KEY = "eligibility"
ITERATE_ABOVE = 100  # encounters
FETCH_SIZE = 2000


@dataclass(frozen=True)
class LatestCheck:
    pk: int
    status: str
    coverage_status: str
    requested_on: dt.date
    fingerprint: str
    reasons: tuple[str, ...]
    error: str


def staleness(latest: LatestCheck, fingerprint: str, today: dt.date) -> str:
    """Why a check is stale ("" when fresh)."""
    changed = latest.fingerprint != fingerprint
    if not is_stale(latest.requested_on, today, coverage_changed=changed):
        return ""
    if changed:
        return "the coverage changed since"
    if (today - latest.requested_on).days > MAX_AGE_DAYS:
        return f"older than {MAX_AGE_DAYS} days"
    return "a new month began since"


LATEST_FIELDS = (
    "id",
    "encounter",
    "coverage",
    "status",
    "coverage_status",
    "requested_at",
    "coverage_fingerprint",
    "reasons",
    "error",
)


@functools.cache
def _latest_columns() -> tuple[Columns, str]:
    check = Columns(EligibilityCheck, "k", LATEST_FIELDS)
    order = ", ".join(
        [check.column("encounter"), check.column("coverage")]
        + [f"{check.column(name)} DESC" for name in ("requested_at", "id")]
    )
    sql = (
        f"SELECT {check.select} FROM {check.table} "
        f"WHERE {check.column('encounter')} {{}} ORDER BY {order}"
    )
    return check, sql


def load_latest(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], LatestCheck]:
    """The latest check per (encounter id, coverage id), raw X12 and benefits left out.

    Plain SQL (``finclear.workqueue.rows``): for a real-time check's one case, building the
    ORM's query cost more CPU than the database took to answer it.
    """
    if not pairs:
        return {}
    encounter_ids = sorted({e for e, _ in pairs})
    columns, sql = _latest_columns()
    zone = timezone.get_current_timezone()
    latest: dict[tuple[int, int], LatestCheck] = {}
    # Many encounters (a batch's window): the rows streamed through a server-side cursor on
    # PostgreSQL; a few (a real-time check's case): one plain fetch, not a cursor's three
    # round trips.
    many = len(encounter_ids) > ITERATE_ABOVE
    convert = columns.converter()
    with connection.chunked_cursor() if many else connection.cursor() as cursor:
        cursor.execute(sql.format(in_marks(encounter_ids)), in_params(encounter_ids))
        while rows := cursor.fetchmany(FETCH_SIZE):
            for row in rows:
                pk, enc, cov, status, cov_status, at, fp, reasons, error = convert(row)
                key = (enc, cov)
                if key in latest or key not in pairs:
                    continue
                latest[key] = LatestCheck(
                    pk,
                    status,
                    cov_status,
                    at.astimezone(zone).date(),
                    fp,
                    tuple(reasons or ()),
                    error,
                )
    return latest


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    pairs = {
        (f.encounter.pk, f.coverages[0].pk) for f in (facts[c.pk] for c in cases) if f.coverages
    }
    latest = load_latest(pairs)
    for case in cases:
        item = facts[case.pk]
        if item.coverages:
            item.extra[FACTS_KEY] = latest.get((item.encounter.pk, item.coverages[0].pk))


def check_eligibility(facts: CaseFacts) -> Finding | None:
    """Cleared by a fresh verified (or manually verified) check of the primary coverage."""
    needs = CaseStatus.NEEDS_ELIGIBILITY
    if not facts.coverages:
        return Finding(needs, f"no active coverage on file for {facts.visit_date.isoformat()}")
    primary = facts.coverages[0]
    latest: LatestCheck | None = facts.extra.get(FACTS_KEY)
    self_pay = primary.payer.is_self_pay
    if latest is None:
        if self_pay:
            return Finding(needs, "self-pay on file: confirm the patient has no coverage")
        return Finding(
            needs,
            f"{primary.get_order_display().lower()} coverage with {primary.payer.name} "
            "not verified (no eligibility response on file)",
        )
    today = facts.today or timezone.localdate()
    stale = staleness(latest, build_fingerprint(primary), today)
    when = latest.requested_on.isoformat()
    if stale:
        return Finding(needs, f"the verification of {when} is stale ({stale}): verify again")
    if latest.status in CLEARING_STATUSES:
        return None
    if latest.coverage_status == "inactive":
        return Finding(needs, f"{primary.payer.name} reports the coverage inactive ({when})")
    detail = "; ".join(latest.reasons) or latest.error or "no detail"
    label = CheckStatus(latest.status).label.lower()
    return Finding(needs, f"eligibility {label} ({when}): {detail}"[:1000])
