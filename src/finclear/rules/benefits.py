"""Normalizing a 271 eligibility response: the coverage status, the benefit rows, the verdict.

``parse_271`` reads the X12 text (a malformed one raises ``ResponseError`` naming where and
what); ``normalize_271`` finds the member the inquiry was about (by the echoed trace number)
and turns its EB rows into ``BenefitRow`` values, its AAA segments into actionable
``Rejection`` values, and decides a ``Verdict``: verified, needs review (with the reasons),
rejected or error. ``summarize_benefits`` folds the rows into one line per service type and
network tier for display. Pure: dataclasses in and out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from finclear.codes.aaa import advice_for
from finclear.codes.service_types import PLAN_COVERAGE, service_type_name
from finclear.rules.fast271 import read_271_segments
from finclear.x12 import EligibilityView, X12Error, read
from finclear.x12.errors import Severity
from finclear.x12.views.common import RequestError
from finclear.x12.views.eligibility import (
    ACTIVE_CODES,
    INACTIVE_CODES,
    Benefit,
    CoverageStatus,
    Member,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class ResponseError(Exception):
    """A 271 that cannot be used: not X12, not a 271, or no answer for the inquiry."""


class Verdict(StrEnum):
    VERIFIED = "verified"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    ERROR = "error"


class BenefitKind(StrEnum):
    COVERAGE = "coverage"  # EB01 1-8: active or inactive
    DEDUCTIBLE = "deductible"
    OUT_OF_POCKET = "out_of_pocket"
    COPAY = "copay"
    COINSURANCE = "coinsurance"
    LIMITATION = "limitation"
    NON_COVERED = "non_covered"
    OTHER_PAYER = "other_payer"
    OTHER = "other"


KIND_BY_CODE: dict[str, BenefitKind] = {
    **dict.fromkeys(ACTIVE_CODES | INACTIVE_CODES, BenefitKind.COVERAGE),
    "A": BenefitKind.COINSURANCE,
    "B": BenefitKind.COPAY,
    "C": BenefitKind.DEDUCTIBLE,
    "G": BenefitKind.OUT_OF_POCKET,
    "F": BenefitKind.LIMITATION,
    "I": BenefitKind.NON_COVERED,
    "R": BenefitKind.OTHER_PAYER,
}

# EB12 in-plan-network indicator -> network tier.
NETWORKS = {"Y": "in", "N": "out", "W": "any", "U": ""}

# EB06 time period qualifiers (element 615) that finclear reads.
REMAINING_PERIODS = frozenset({"29", "33"})  # remaining, lifetime remaining
MET_PERIODS = frozenset({"24"})  # year to date
PERIOD_NAMES = {
    "6": "hour",
    "7": "day",
    "21": "years",
    "22": "service year",
    "23": "calendar year",
    "24": "year to date",
    "25": "contract",
    "26": "episode",
    "27": "visit",
    "28": "outlier",
    "29": "remaining",
    "30": "exceeded",
    "31": "not exceeded",
    "32": "lifetime",
    "33": "lifetime remaining",
    "34": "month",
    "35": "week",
    "36": "admission",
}


@dataclass(frozen=True, slots=True)
class BenefitRow:
    """One EB row, normalized: percent in points (20 is 20%), network as in/out/any."""

    info_code: str
    kind: BenefitKind
    service_type: str
    service_type_name: str
    network: str = ""  # in, out, any, "" (not said)
    coverage_level: str = ""  # IND, FAM, EMP...
    time_period: str = ""  # EB06 qualifier
    amount: Decimal | None = None
    percent: Decimal | None = None
    quantity: Decimal | None = None
    quantity_qualifier: str = ""
    authorization_required: str = ""  # Y, N, U, ""
    plan_description: str = ""
    messages: tuple[str, ...] = ()

    @property
    def is_remaining(self) -> bool:
        return self.time_period in REMAINING_PERIODS

    @property
    def is_family(self) -> bool:
        return self.coverage_level == "FAM"


@dataclass(frozen=True, slots=True)
class Rejection:
    """An AAA segment with what a specialist should do about it."""

    loop: str
    code: str
    reason: str  # X12's name of the code
    follow_up: str  # AAA04
    follow_up_meaning: str
    message: str  # the advice
    transient: bool


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    verdict: Verdict
    coverage: CoverageStatus
    reasons: tuple[str, ...] = ()  # why it needs review, or why it was rejected
    rejections: tuple[Rejection, ...] = ()
    rows: tuple[BenefitRow, ...] = ()
    member_id: str = ""
    plan_name: str = ""
    group_number: str = ""
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    eligibility_begin: dt.date | None = None
    eligibility_end: dt.date | None = None
    other_payers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Amounts:
    """Total and remaining of one accumulator (deductible or out-of-pocket maximum)."""

    total: Decimal | None = None
    remaining: Decimal | None = None

    @property
    def met(self) -> Decimal | None:
        if self.total is None or self.remaining is None:
            return None
        return max(self.total - self.remaining, Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class ServiceBenefits:
    """One line of the benefits table: a service type in one network tier."""

    service_type: str
    service_type_name: str
    network: str
    covered: bool = True  # False when the payer says non-covered (EB01 I)
    copay: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    deductible: Amounts = field(default_factory=Amounts)
    family_deductible: Amounts = field(default_factory=Amounts)
    out_of_pocket: Amounts = field(default_factory=Amounts)
    family_out_of_pocket: Amounts = field(default_factory=Amounts)
    authorization_required: bool | None = None
    limits: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


def parse_271(text: str, source: str = "271", *, fast: bool = True) -> EligibilityView:
    """The one 271 transaction of ``text``; ``ResponseError`` says where it is malformed.

    ``fast`` reads the segments straight into the view (``finclear.rules.fast271``); without
    it the reader builds the guide's loop tree and the typed view reads that (slower, and
    stricter about segments out of place).
    """
    if not text.strip():
        raise ResponseError(f"{source}: the payer returned no X12 payload")
    try:
        document = read(text, source, loops=not fast)
    except X12Error as exc:
        raise ResponseError(f"{source}: not readable as X12: {exc}") from None
    fatal = [f for f in document.all_findings() if f.severity is Severity.ERROR]
    transactions = list(document.transactions())
    if not transactions:
        detail = f": {fatal[0].describe()}" if fatal else ""
        raise ResponseError(f"{source}: no transaction set in the payload{detail}")
    tx = transactions[0]
    if tx.transaction_set != "271":
        raise ResponseError(
            f"{source}: expected a 271 eligibility response, got a {tx.transaction_set}"
        )
    if fatal or (not fast and tx.root is None):
        first = fatal[0].describe() if fatal else "its structure could not be read"
        raise ResponseError(f"{source}: malformed 271 ({len(fatal)} errors), first: {first}")
    try:
        if fast:
            return read_271_segments(tx.segments)
        return EligibilityView.from_transaction(tx)
    except X12Error as exc:
        raise ResponseError(f"{source}: malformed 271: {exc}") from None


def build_rejection(error: RequestError) -> Rejection:
    advice = advice_for(error.code, error.meaning)
    return Rejection(
        loop=error.loop,
        code=error.code,
        reason=error.meaning,
        follow_up=error.follow_up,
        follow_up_meaning=error.follow_up_meaning,
        message=advice.message,
        transient=advice.transient,
    )


# The rows of a ``Benefit`` by its id, with the Benefit itself (alive while its entry is, so
# its id is not reused): the fast reader shares one Benefit among the 271s that repeat an EB.
_ROWS: dict[int, tuple[Benefit, tuple[BenefitRow, ...]]] = {}
MAX_CACHED = 50_000


def build_rows(benefits: Iterable[Benefit]) -> tuple[BenefitRow, ...]:
    """One row per EB and service type (an EB naming several service types is split)."""
    rows: list[BenefitRow] = []
    for b in benefits:
        found = _ROWS.get(id(b))
        if found is None or found[0] is not b:
            found = (b, _build_rows_of(b))
            if len(_ROWS) >= MAX_CACHED:
                _ROWS.clear()
            _ROWS[id(b)] = found
        rows.extend(found[1])
    return tuple(rows)


def _build_rows_of(b: Benefit) -> tuple[BenefitRow, ...]:
    rows = []
    kind = KIND_BY_CODE.get(b.info_code, BenefitKind.OTHER)
    percent = b.percent * HUNDRED if b.percent is not None else None
    for service_type in b.service_types or (PLAN_COVERAGE,):
        rows.append(
            BenefitRow(
                info_code=b.info_code,
                kind=kind,
                service_type=service_type,
                service_type_name=service_type_name(service_type),
                network=NETWORKS.get(b.in_plan_network, ""),
                coverage_level=b.coverage_level,
                time_period=b.time_period,
                amount=b.amount,
                percent=percent.quantize(CENT) if percent is not None else None,
                quantity=b.quantity,
                quantity_qualifier=b.quantity_qualifier,
                authorization_required=b.authorization_required,
                plan_description=b.plan_description,
                messages=b.messages,
            )
        )
    return tuple(rows)


def find_member(view: EligibilityView, trace: str, dependent: bool) -> Member | None:
    """The member the inquiry was about: the one echoing ``trace``, else the only one."""
    members = view.members
    for member in members:
        if any(t.reference == trace for t in member.request_traces):
            return member
    wanted = "dependent" if dependent else "subscriber"
    candidates = [m for m in members if m.level == wanted] or list(members)
    return candidates[0] if len(candidates) == 1 else None


def _in_force(member: Member, day: dt.date) -> bool:
    begin = member.eligibility_begin or member.plan_begin
    end = member.eligibility_end or member.plan_end
    return (begin is None or begin <= day) and (end is None or day <= end)


def normalize_271(
    view: EligibilityView, trace: str, date_of_service: dt.date, *, dependent: bool = False
) -> EligibilityResult:
    """What the 271 says about the inquiry with trace number ``trace``."""
    if view.transaction_set != "271":
        raise ResponseError(f"expected a 271, got a {view.transaction_set}")
    member = find_member(view, trace, dependent)
    # AAA of the payer (2000A) or the provider (2100B) loops apply to every inquiry.
    envelope_errors = [e for e in view.errors if e.loop.startswith(("2000A", "2100A", "2100B"))]
    errors = list(envelope_errors)
    if member is not None:
        errors.extend(member.errors)
        subscriber = _subscriber_of(view, member)
        if subscriber is not None and subscriber is not member:
            errors.extend(e for e in subscriber.errors if e not in errors)
    rejections = tuple(build_rejection(e) for e in errors)
    if rejections:
        transient = all(r.transient for r in rejections)
        return EligibilityResult(
            verdict=Verdict.ERROR if transient else Verdict.REJECTED,
            coverage=CoverageStatus.UNKNOWN,
            reasons=tuple(f"AAA {r.code} {r.reason}: {r.message}" for r in rejections),
            rejections=rejections,
            member_id=member.member_id if member is not None else "",
        )
    if member is None:
        raise ResponseError(
            f"the 271 answers {len(view.members)} members and none echoes trace number {trace}"
        )
    rows = build_rows(member.benefits)
    coverage = member.coverage_status
    other_payers = tuple(
        sorted({p.name for b in member.benefits if b.info_code == "R" for p in b.related_entities})
    )
    reasons = []
    if coverage is CoverageStatus.INACTIVE:
        reasons.append("the payer reports the coverage inactive")
    elif coverage is CoverageStatus.UNKNOWN:
        reasons.append("the payer's answer holds no coverage status (EB01 1-8)")
    elif not _in_force(member, date_of_service):
        reasons.append(
            f"the date of service {date_of_service.isoformat()} is outside the plan dates "
            "the payer reports"
        )
    if any(r.kind is BenefitKind.OTHER_PAYER for r in rows):
        named = f" ({', '.join(other_payers)})" if other_payers else ""
        reasons.append(f"the payer reports another payer{named}: check coordination of benefits")
    group = next((r.value for r in member.references if r.qualifier in ("6P", "18")), "")
    return EligibilityResult(
        verdict=Verdict.NEEDS_REVIEW if reasons else Verdict.VERIFIED,
        coverage=coverage,
        reasons=tuple(reasons),
        rows=rows,
        member_id=member.member_id or _member_id_of_subscriber(view, member),
        plan_name=member.plan_name,
        group_number=group,
        plan_begin=member.plan_begin,
        plan_end=member.plan_end,
        eligibility_begin=member.eligibility_begin,
        eligibility_end=member.eligibility_end,
        other_payers=other_payers,
    )


def _subscriber_of(view: EligibilityView, member: Member) -> Member | None:
    for sub in view.subscribers:
        if sub is member or member in sub.dependents:
            return sub
    return None


def _member_id_of_subscriber(view: EligibilityView, member: Member) -> str:
    subscriber = _subscriber_of(view, member)
    return subscriber.member_id if subscriber is not None else ""


def _amounts(rows: Sequence[BenefitRow], *, family: bool) -> Amounts:
    """Total (calendar/service year, contract...) and remaining of an accumulator's rows."""
    total = remaining = met = None
    for row in rows:
        if row.amount is None or row.is_family != family:
            continue
        if row.is_remaining:
            remaining = row.amount if remaining is None else remaining
        elif row.time_period in MET_PERIODS:
            met = row.amount if met is None else met
        elif total is None:
            total = row.amount
    if remaining is None and total is not None and met is not None:
        remaining = max(total - met, Decimal("0.00"))
    return Amounts(total, remaining)


def summarize_benefits(rows: Iterable[BenefitRow]) -> tuple[ServiceBenefits, ...]:
    """One line per (service type, network), plan coverage (30) first, then in EB order.

    Plan-level accumulators (deductible, out-of-pocket maximum on service type 30) are the
    plan's; a service type with none of its own shows none, not the plan's.
    """
    groups: dict[tuple[str, str], list[BenefitRow]] = {}
    for row in rows:
        if row.kind in (BenefitKind.COVERAGE, BenefitKind.OTHER_PAYER):
            continue
        networks = ("in", "out") if row.network == "any" else (row.network,)
        for network in networks:
            groups.setdefault((row.service_type, network), []).append(row)
    keys = sorted(groups, key=lambda k: (k[0] != PLAN_COVERAGE, k[1] == "out"))
    out = []
    for service_type, network in keys:
        items = groups[(service_type, network)]
        copays = [r.amount for r in items if r.kind is BenefitKind.COPAY and r.amount is not None]
        coins = [
            r.percent for r in items if r.kind is BenefitKind.COINSURANCE and r.percent is not None
        ]
        deductibles = [r for r in items if r.kind is BenefitKind.DEDUCTIBLE]
        oop = [r for r in items if r.kind is BenefitKind.OUT_OF_POCKET]
        auth = {r.authorization_required for r in items if r.authorization_required in ("Y", "N")}
        limits = tuple(
            f"{r.quantity.normalize()} {PERIOD_NAMES.get(r.time_period, 'per period')}"
            if r.quantity is not None
            else f"{r.amount} {PERIOD_NAMES.get(r.time_period, '')}".strip()
            for r in items
            if r.kind is BenefitKind.LIMITATION and (r.quantity is not None or r.amount)
        )
        non_covered = any(r.kind is BenefitKind.NON_COVERED for r in items)
        out.append(
            ServiceBenefits(
                service_type=service_type,
                service_type_name=service_type_name(service_type),
                network=network,
                covered=not non_covered,
                copay=min(copays) if copays else None,
                coinsurance_percent=min(coins) if coins else None,
                deductible=_amounts(deductibles, family=False),
                family_deductible=_amounts(deductibles, family=True),
                out_of_pocket=_amounts(oop, family=False),
                family_out_of_pocket=_amounts(oop, family=True),
                authorization_required=("Y" in auth) if auth else None,
                limits=limits,
                messages=tuple(dict.fromkeys(m for r in items for m in r.messages)),
            )
        )
    return tuple(out)


MAX_AGE_DAYS = 30


def is_stale(
    checked_on: dt.date, today: dt.date, *, coverage_changed: bool, max_age_days: int = MAX_AGE_DAYS
) -> bool:
    """Whether a verification made on ``checked_on`` must be made again by ``today``.

    Stale when the coverage changed since, when it is older than ``max_age_days``, or when the
    first of a month has passed since (payers update eligibility monthly).
    """
    if coverage_changed or (today - checked_on).days > max_age_days:
        return True
    return (today.year, today.month) > (checked_on.year, checked_on.month)
