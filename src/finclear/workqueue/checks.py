"""The facts a case's clearance status is computed from, loaded once per batch of cases.

``build_facts`` loads, for many cases at once, what the checks look at (the encounter, its
visit date, the patient's coverages in force that day); the apps' loaders
(``register_facts``) add theirs to ``CaseFacts.extra``. Each app's check reads one
``CaseFacts`` and returns a ``Finding`` (what is still needed, and why) or None when its part
is cleared. ``build_clearance_facts`` turns the findings and the facts into the plain
``finclear.rules.clearance.ClearanceFacts``, and that pure engine computes the status, the
open items and the priority (``build_case_clearance``).

An app that knows more than a finding says may put the engine's own facts in ``extra``
under ``ESTIMATE_KEY`` (``EstimateFacts``), ``COUNSELING_KEY`` (``CounselingFacts``) or
``PATIENT_SHARE_KEY`` (the estimate's total): the engine then uses them as they are.

Partial recomputation: a loader and a check may declare the kinds of data they read
(``reads``, e.g. ``{"eligibility", "coverages"}``) and a loader the ``extra`` keys it writes.
Every computation stores what it found on the case (``build_parts``: each check's finding and
the storable ``extra`` values, with the day); a recompute told what changed (``changed``, e.g.
a verification: ``{"eligibility"}``) reruns only the loaders and checks that read it and takes
the others' parts from what the case stored. Anything that declares nothing is always rerun;
stored parts of another day, another registry or another format are never used.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from finclear.patients.models import Coverage
from finclear.payers.models import Payer
from finclear.rules import clearance as engine
from finclear.rules.money import ZERO
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import CaseStatus, ClearanceCase
from finclear.workqueue.rows import Columns, cache_related, in_marks, in_params

ESTIMATE_KEY = "clearance.estimate"
COUNSELING_KEY = "clearance.counseling"
PATIENT_SHARE_KEY = "clearance.patient_share"
# The workqueue's own facts, loaded by ``finclear.workqueue.facts``.
CHARGES_KEY = "workqueue.charges"
DIFFICULTY_KEY = "workqueue.payer_difficulty"
COUNSELED_KEY = "workqueue.counseled"


@dataclass(frozen=True)
class Finding:
    status: str
    reason: str


@dataclass(frozen=True)
class CaseFacts:
    encounter: Encounter
    visit_date: dt.date
    coverages: Sequence[Coverage]
    """Active coverages in force on the visit date, primary first."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Facts other apps load for their checks (``register_facts``), by the app's label."""
    today: dt.date | None = None
    """The day of the computation (None: a check asks ``timezone.localdate()``)."""


Check = Callable[[CaseFacts], Finding | None]
FactLoader = Callable[[Sequence[ClearanceCase], dict[int, CaseFacts]], None]
FACT_LOADERS: list[FactLoader] = []
# What a loader or a check reads (None: anything, so it is always rerun) and what a loader writes.
READS: dict[Callable[..., Any], frozenset[str] | None] = {}
WRITES: dict[FactLoader, frozenset[str]] = {}
CHECK_ONLY: dict[FactLoader, frozenset[str]] = {}


def register_facts(
    loader: FactLoader,
    *,
    reads: Iterable[str] | None = None,
    writes: Iterable[str] = (),
    for_checks: Iterable[str] = (),
) -> None:
    """Add an app's facts loader: it fills ``CaseFacts.extra`` for many cases at once.

    ``reads``: the kinds of data it reads (the ``extra`` of loaders before it included); it is
    skipped by a partial recompute whose change is none of them, its ``writes`` then restored
    from the case's stored parts. ``for_checks``: keys only checks read, never restored; such a
    check must declare at least this loader's reads (it is then skipped with it, its finding
    as stored). A loader that writes a key the parts cannot hold (``STORABLE_KEYS``), or that
    declares no reads, is always rerun.
    """
    if loader not in FACT_LOADERS:
        FACT_LOADERS.append(loader)
    keys = frozenset(writes)
    READS[loader] = None if reads is None or not keys <= STORABLE_KEYS else frozenset(reads)
    WRITES[loader] = keys
    CHECK_ONLY[loader] = frozenset(for_checks)


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def build_facts(
    cases: Sequence[ClearanceCase],
    changed: frozenset[str] | None = None,
    stored: dict[int, dict[str, Any]] | None = None,
    today: dt.date | None = None,
) -> dict[int, CaseFacts]:
    """Facts per case pk, in a fixed number of queries (cases come with encounter__facility).

    With ``changed`` (a partial recompute), the loaders that read none of it are skipped and
    their keys taken from ``stored`` (each case's usable stored parts: ``usable_parts``).
    ``today``: the day of the computation, given to the checks (``CaseFacts.today``).
    """
    patient_ids = {case.encounter.patient_id for case in cases}
    by_patient: dict[int, list[Coverage]] = defaultdict(list)
    for coverage in load_active_coverages(patient_ids):
        by_patient[coverage.patient_id].append(coverage)
    facts = {}
    for case in cases:
        day = visit_date(case.encounter)
        in_force = [c for c in by_patient[case.encounter.patient_id] if c.is_in_force_on(day)]
        facts[case.pk] = CaseFacts(case.encounter, day, in_force, today=today)
    for loader in FACT_LOADERS:
        if is_rerun(loader, changed):
            loader(cases, facts)
            continue
        for case in cases:
            saved = (stored or {})[case.pk]["extra"]
            extra = facts[case.pk].extra
            for key in WRITES[loader]:
                if key in saved:
                    extra[key] = load_value(saved[key])
    return facts


@functools.cache
def _coverage_columns() -> tuple[Columns, Columns, str]:
    coverage = Columns(Coverage, "v", receivers=False)
    payer = Columns(Payer, "p", receivers=False)
    sql = (
        f"SELECT {coverage.select}, {payer.select} FROM {coverage.table} "
        f"INNER JOIN {payer.table} ON {payer.column('id')} = {coverage.column('payer')} "
        f"WHERE {coverage.column('is_active')} = %s AND {coverage.column('patient')} {{}} "
        f"ORDER BY {coverage.column('patient')}, {coverage.column('order')}, {coverage.column('id')}"
    )
    return coverage, payer, sql


def load_active_coverages(patient_ids: set[int]) -> list[Coverage]:
    """The patients' active coverages with their payers, by patient, order and pk: the ORM's
    ``select_related("payer")`` query, as plain SQL (``finclear.workqueue.rows``: for one
    case, building the ORM's query cost more CPU than the database took to answer it). Facts,
    never saved: built without the audit's snapshot (``receivers=False``)."""
    if not patient_ids:
        return []
    coverage_columns, payer_columns, sql = _coverage_columns()
    ids = sorted(patient_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(in_marks(ids)), [True, *in_params(ids)])
        rows = cursor.fetchall()
    coverages = []
    build_coverage, build_payer = coverage_columns.builder(), payer_columns.builder()
    at = coverage_columns.width  # the payer's key first
    payers: dict[int, Payer] = {}  # the patients share a few: each built once
    for row in rows:
        coverage = build_coverage(row)
        payer = payers.get(row[at])
        if payer is None:
            payer = payers[row[at]] = build_payer(row, at)
        cache_related(coverage, "payer", payer)
        coverages.append(coverage)
    return coverages


def check_eligibility(facts: CaseFacts) -> Finding | None:
    """Eligibility is cleared only by a verified 271 response, which nothing records yet.

    Until the eligibility app exists, every open case therefore needs eligibility; the reason
    says whether there is a coverage to verify or none on file for the visit date.
    """
    if not facts.coverages:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY,
            f"no active coverage on file for {facts.visit_date.isoformat()}",
        )
    primary = facts.coverages[0]
    if primary.payer.is_self_pay:
        return Finding(
            CaseStatus.NEEDS_ELIGIBILITY, "self-pay on file: confirm the patient has no coverage"
        )
    return Finding(
        CaseStatus.NEEDS_ELIGIBILITY,
        f"{primary.get_order_display().lower()} coverage with {primary.payer.name} "
        "not verified (no eligibility response on file)",
    )


CHECKS: list[Check] = [check_eligibility]


def register_check(check: Check, *, reads: Iterable[str] | None = None) -> None:
    """Add an app's check after those above; apps call it from ``AppConfig.ready``.

    ``reads``: the kinds of data its finding depends on (None: anything), as for loaders.
    """
    if check not in CHECKS:
        CHECKS.append(check)
    READS[check] = None if reads is None else frozenset(reads)


def replace_check(old: Check, new: Check, *, reads: Iterable[str] | None = None) -> None:
    """Put an app's check in the place of an earlier one (eligibility replaces the default)."""
    CHECKS[:] = [new if check is old else check for check in CHECKS]
    if new not in CHECKS:
        CHECKS.insert(0, new)
    READS[new] = None if reads is None else frozenset(reads)


def is_rerun(reader: Callable[..., Any], changed: frozenset[str] | None) -> bool:
    """Whether a partial recompute of ``changed`` must rerun this loader or check."""
    reads = READS.get(reader)
    return changed is None or reads is None or bool(reads & changed)


def build_finding(facts: CaseFacts, checks: Sequence[Check] = CHECKS) -> Finding:
    """The first check's finding, or cleared (the status before the engine weighs days)."""
    for check in checks:
        finding = check(facts)
        if finding is not None:
            return finding
    return Finding(CaseStatus.CLEARED, "every check passed")


def build_findings(facts: CaseFacts, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Every check's finding, in the order of the checks."""
    return [finding for check in checks if (finding := check(facts)) is not None]


def primary_payer(facts: CaseFacts) -> Any:
    return facts.coverages[0].payer if facts.coverages else None


def is_uninsured(facts: CaseFacts) -> bool:
    payer = primary_payer(facts)
    return payer is None or bool(payer.is_self_pay)


def build_clearance_facts(
    facts: CaseFacts,
    today: dt.date,
    checks: Sequence[Check] = CHECKS,
    findings: Sequence[Finding | None] | None = None,
) -> engine.ClearanceFacts:
    """The engine's facts: findings become the parts they name, the rest comes from ``extra``.

    Eligibility is cleared when no check finds it missing; its date is the latest check's
    (``requested_on`` of what the eligibility app loads). Authorization is open when a check
    finds it so. Estimate facts come from the estimates app when it loads them; counseling
    facts default to: uninsured (no coverage, or self-pay) until a counseling task is done.
    """
    by_item: dict[engine.Item, Finding] = {}
    found = build_findings(facts, checks) if findings is None else findings
    for finding in found:
        if finding is None:
            continue
        item = engine.STATUS_ITEM.get(engine.Status(finding.status))
        if item is not None and item not in by_item:
            by_item[item] = finding
    eligibility = by_item.get(engine.Item.ELIGIBILITY)
    latest = facts.extra.get("eligibility")
    checked_on = getattr(latest, "requested_on", None)
    authorization = by_item.get(engine.Item.AUTHORIZATION)
    other = tuple(
        engine.OpenItem(item, finding.reason)
        for item, finding in by_item.items()
        if item in engine.PATIENT_ITEMS
    )
    counseling = facts.extra.get(COUNSELING_KEY)
    if counseling is None:
        counseled = bool(facts.extra.get(COUNSELED_KEY))
        counseling = engine.CounselingFacts(
            uninsured=is_uninsured(facts),
            assistance=engine.Assistance.NOT_NEEDED
            if counseled
            else engine.Assistance.NOT_SCREENED,
        )
    return engine.ClearanceFacts(
        today=today,
        visit_date=facts.visit_date,
        eligibility=engine.EligibilityFacts(
            cleared=eligibility is None,
            checked_on=checked_on if isinstance(checked_on, dt.date) else None,
            reason=eligibility.reason if eligibility else "",
        ),
        authorization=engine.AuthorizationFacts(
            1 if authorization else 0, authorization.reason if authorization else ""
        ),
        estimate=facts.extra.get(ESTIMATE_KEY),
        counseling=counseling,
        charges=facts.extra.get(CHARGES_KEY, ZERO),
        patient_share=facts.extra.get(PATIENT_SHARE_KEY),
        payer_difficulty=facts.extra.get(DIFFICULTY_KEY, Decimal(0)),
        other=other,
    )


def build_case_clearance(
    facts: CaseFacts,
    today: dt.date,
    checks: Sequence[Check] = CHECKS,
    findings: Sequence[Finding | None] | None = None,
) -> engine.Clearance:
    return engine.build_clearance(build_clearance_facts(facts, today, checks, findings))


# -- the parts a computation stores on the case ----------------------------------------------

PARTS_VERSION = 1
STORABLE_KEYS = frozenset(
    {ESTIMATE_KEY, COUNSELING_KEY, PATIENT_SHARE_KEY, CHARGES_KEY, DIFFICULTY_KEY, COUNSELED_KEY}
)


def _name(reader: Callable[..., Any]) -> str:
    return f"{reader.__module__}.{reader.__qualname__}"


_REGISTRY_KEYS: dict[tuple[Any, ...], str] = {}


def build_registry_key() -> str:
    """The loaders and checks, in order, with what they read, hashed: stored parts of another
    registry are void. Kept by the readers and their reads (the text is built once for them:
    every case recomputed asks twice)."""
    readers = (*FACT_LOADERS, *CHECKS)
    found = (readers, tuple(READS.get(r) for r in readers))
    key = _REGISTRY_KEYS.get(found)
    if key is None:
        text = ";".join(f"{_name(r)}:{','.join(sorted(READS.get(r) or ('*',)))}" for r in readers)
        key = _REGISTRY_KEYS[found] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return key


def dump_value(value: Any) -> Any:
    """A storable ``extra`` value as JSON: the engine's facts, Decimals, dates, bools."""
    if isinstance(value, engine.EstimateFacts):
        due = value.gfe_due_by.isoformat() if value.gfe_due_by else None
        return {"estimate": [value.required, value.delivered, due]}
    if isinstance(value, engine.CounselingFacts):
        amounts = [str(value.balance), str(value.deposit_due), str(value.deposit_paid)]
        return {"counseling": [value.uninsured, str(value.assistance), *amounts]}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, bool):
        return value
    raise TypeError(f"extra: a {type(value).__name__} cannot be stored with the case's parts")


def load_value(data: Any) -> Any:
    if isinstance(data, bool):
        return data
    if "decimal" in data:
        return Decimal(data["decimal"])
    if "estimate" in data:
        required, delivered, due = data["estimate"]
        return engine.EstimateFacts(
            required, delivered, dt.date.fromisoformat(due) if due else None
        )
    uninsured, assistance, balance, due_, paid = data["counseling"]
    return engine.CounselingFacts(
        uninsured, engine.Assistance(assistance), Decimal(balance), Decimal(due_), Decimal(paid)
    )


def build_parts(
    facts: CaseFacts, findings: Sequence[Finding | None], today: dt.date
) -> dict[str, Any]:
    """What a computation found, to be stored on the case for the next partial recompute."""
    return {
        "version": PARTS_VERSION,
        "on": today.isoformat(),
        "registry": build_registry_key(),
        "findings": [None if f is None else [f.status, f.reason] for f in findings],
        "extra": {k: dump_value(v) for k, v in facts.extra.items() if k in STORABLE_KEYS},
    }


def usable_parts(case: ClearanceCase, today: dt.date) -> dict[str, Any] | None:
    """The case's stored parts if a partial recompute may use them today, else None."""
    parts = case.computed_parts
    if (
        not parts
        or parts.get("version") != PARTS_VERSION
        or parts.get("on") != today.isoformat()
        or parts.get("registry") != build_registry_key()
        or len(parts.get("findings", ())) != len(CHECKS)
    ):
        return None
    return parts


def build_case_findings(
    facts: CaseFacts,
    changed: frozenset[str] | None,
    stored: dict[str, Any] | None,
    checks: Sequence[Check] = CHECKS,
) -> list[Finding | None]:
    """Each check's finding (None: passed), in order: rerun, or as stored when it reads none
    of ``changed``."""
    out: list[Finding | None] = []
    for index, check in enumerate(checks):
        if stored is None or is_rerun(check, changed):
            out.append(check(facts))
        else:
            saved = stored["findings"][index]
            out.append(None if saved is None else Finding(saved[0], saved[1]))
    return out
