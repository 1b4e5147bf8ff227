"""Clearance status: what an encounter still needs before the visit, and how urgent it is.

The caller loads the facts of an encounter once (its eligibility result and when it was
obtained, whether an authorization covers what needs one, whether the estimate or Good
Faith Estimate went out, financial assistance, balance and deposit, the charges and the
payer's track record) and ``build_clearance`` computes, purely:

- the open items, each with its reason, in a fixed order: eligibility, authorization,
  estimate, counseling, then items of checks this module does not know (``other``);
- the status: ``cleared`` with no open item; ``at_risk`` when the visit is
  ``AT_RISK_DAYS`` days away or less and something is open; otherwise the status of the
  first open item (``needs_eligibility``...);
- the dollars at risk: the payer's share of the charges while eligibility or authorization
  is open, the patient's share (all of it when uninsured) plus a prior balance less the
  deposit paid while the estimate or counseling is open;
- a priority score (0 when cleared; higher is more urgent) from the days to service, the
  dollars at risk (on a log scale, so one large inpatient stay does not bury every clinic
  visit) and how difficult the payer is, while a payer-facing item is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import IntFlag, StrEnum

from finclear.rules.benefits import MAX_AGE_DAYS
from finclear.rules.money import ZERO, Money, format_money

AT_RISK_DAYS = 3
COUNSELING_BALANCE = Decimal("250.00")
"""A prior patient balance from this amount up calls for a counseling conversation."""

# Priority points: each part is bounded, so the score stays readable and comparable.
TIME_POINTS = 400  # the visit is today (or passed, still open)
TIME_POINTS_PER_DAY = 25  # lost per day to service: nothing left beyond 16 days
PAYER_DOLLAR_WEIGHT = 30  # points per factor of ten of the payer's dollars at risk
PATIENT_DOLLAR_WEIGHT = 40  # the patient's dollars weigh more: harder to collect after
DOLLAR_POINTS_MAX = 300
DIFFICULTY_POINTS = 200  # a payer that rejects or denies everything
ITEM_POINTS = 10  # per open item


class Status(StrEnum):
    CLEARED = "cleared"
    NEEDS_ELIGIBILITY = "needs_eligibility"
    NEEDS_AUTHORIZATION = "needs_authorization"
    NEEDS_ESTIMATE = "needs_estimate"
    NEEDS_COUNSELING = "needs_counseling"
    AT_RISK = "at_risk"


class Item(StrEnum):
    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    ESTIMATE = "estimate"
    COUNSELING = "counseling"


class ItemFlag(IntFlag):
    """The open items as bits, so a database column can hold them all and be filtered."""

    NONE = 0
    ELIGIBILITY = 1
    AUTHORIZATION = 2
    ESTIMATE = 4
    COUNSELING = 8


ITEM_STATUS = {
    Item.ELIGIBILITY: Status.NEEDS_ELIGIBILITY,
    Item.AUTHORIZATION: Status.NEEDS_AUTHORIZATION,
    Item.ESTIMATE: Status.NEEDS_ESTIMATE,
    Item.COUNSELING: Status.NEEDS_COUNSELING,
}
STATUS_ITEM = {status: item for item, status in ITEM_STATUS.items()}
ITEM_FLAG = {
    Item.ELIGIBILITY: ItemFlag.ELIGIBILITY,
    Item.AUTHORIZATION: ItemFlag.AUTHORIZATION,
    Item.ESTIMATE: ItemFlag.ESTIMATE,
    Item.COUNSELING: ItemFlag.COUNSELING,
}
PAYER_ITEMS = frozenset({Item.ELIGIBILITY, Item.AUTHORIZATION})
PATIENT_ITEMS = frozenset({Item.ESTIMATE, Item.COUNSELING})


class Assistance(StrEnum):
    """Where the patient stands with the facility's financial assistance policy."""

    NOT_SCREENED = "not_screened"
    NOT_NEEDED = "not_needed"  # screened: not eligible, or declined help
    PENDING = "pending"  # applied; the application is not decided
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    """The latest eligibility result for the coverage on file.

    ``cleared``: that result clears eligibility (verified by the payer or by hand, for the
    coverage as it is now); ``reason`` says why not when it does not. ``checked_on``: when it
    was obtained; a clearing result older than ``max_age_days`` no longer clears.
    """

    cleared: bool
    checked_on: dt.date | None = None
    reason: str = ""
    max_age_days: int = MAX_AGE_DAYS


@dataclass(frozen=True, slots=True)
class AuthorizationFacts:
    """``open_lines``: lines that need an authorization none covers, or whose requirement is
    unknown or not evaluated; ``reason`` names the first of them."""

    open_lines: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EstimateFacts:
    """``required``: the patient is owed an estimate for this visit (a Good Faith Estimate
    when uninsured or self-pay, due by ``gfe_due_by``); ``delivered``: it went out."""

    required: bool
    delivered: bool
    gfe_due_by: dt.date | None = None


@dataclass(frozen=True, slots=True)
class CounselingFacts:
    uninsured: bool
    assistance: Assistance = Assistance.NOT_SCREENED
    balance: Money = ZERO  # what the patient still owes from earlier visits
    deposit_due: Money = ZERO
    deposit_paid: Money = ZERO


@dataclass(frozen=True, slots=True)
class OpenItem:
    item: Item
    reason: str


@dataclass(frozen=True, slots=True)
class ClearanceFacts:
    """Everything the status depends on. A part left None has no check yet: it is skipped."""

    today: dt.date
    visit_date: dt.date
    eligibility: EligibilityFacts
    authorization: AuthorizationFacts | None = None
    estimate: EstimateFacts | None = None
    counseling: CounselingFacts | None = None
    charges: Money = ZERO
    patient_share: Money | None = None  # the estimate's total, when there is one
    payer_difficulty: Decimal = Decimal(0)  # 0 (always clean) to 1 (always rejects/denies)
    other: Sequence[OpenItem] = ()


@dataclass(frozen=True, slots=True)
class Priority:
    score: int
    time_points: int
    dollar_points: int
    difficulty_points: int
    item_points: int

    def explain(self) -> str:
        return (
            f"{self.score} = {self.time_points} (days to service) + {self.dollar_points} "
            f"(dollars at risk) + {self.difficulty_points} (payer difficulty) + "
            f"{self.item_points} (open items)"
        )


@dataclass(frozen=True, slots=True)
class Clearance:
    status: Status
    items: tuple[OpenItem, ...]
    reason: str
    priority: Priority
    days_to_service: int
    payer_at_risk: Money
    patient_at_risk: Money

    @property
    def flags(self) -> ItemFlag:
        flags = ItemFlag.NONE
        for open_item in self.items:
            flags |= ITEM_FLAG[open_item.item]
        return flags


def check_eligibility(facts: EligibilityFacts, today: dt.date) -> OpenItem | None:
    if not facts.cleared:
        return OpenItem(Item.ELIGIBILITY, facts.reason or "eligibility not verified")
    if facts.checked_on is not None:
        age = (today - facts.checked_on).days
        if age > facts.max_age_days:
            return OpenItem(
                Item.ELIGIBILITY,
                f"the verification of {facts.checked_on.isoformat()} is {age} days old "
                f"(over {facts.max_age_days}): verify again",
            )
    return None


def check_authorization(facts: AuthorizationFacts) -> OpenItem | None:
    if facts.open_lines <= 0:
        return None
    return OpenItem(
        Item.AUTHORIZATION,
        facts.reason or f"{facts.open_lines} line(s) need an authorization",
    )


def check_estimate(facts: EstimateFacts, today: dt.date) -> OpenItem | None:
    if not facts.required or facts.delivered:
        return None
    if facts.gfe_due_by is None:
        return OpenItem(Item.ESTIMATE, "patient estimate not delivered")
    due = facts.gfe_due_by.isoformat()
    if today > facts.gfe_due_by:
        return OpenItem(Item.ESTIMATE, f"Good Faith Estimate overdue (was due {due})")
    return OpenItem(Item.ESTIMATE, f"Good Faith Estimate due by {due}")


def check_counseling(facts: CounselingFacts) -> OpenItem | None:
    reasons = []
    if facts.assistance == Assistance.PENDING:
        reasons.append("financial assistance application pending")
    elif facts.uninsured and facts.assistance == Assistance.NOT_SCREENED:
        reasons.append("uninsured: screen for financial assistance")
    owed = facts.deposit_due - facts.deposit_paid
    if owed > 0:
        reasons.append(
            f"deposit of {format_money(facts.deposit_due)} due, "
            f"{format_money(facts.deposit_paid)} collected"
        )
    if facts.balance >= COUNSELING_BALANCE and facts.assistance != Assistance.APPROVED:
        reasons.append(f"prior balance of {format_money(facts.balance)}: arrange payment")
    if not reasons:
        return None
    return OpenItem(Item.COUNSELING, "; ".join(reasons))


def build_items(facts: ClearanceFacts) -> tuple[OpenItem, ...]:
    found = [check_eligibility(facts.eligibility, facts.today)]
    if facts.authorization is not None:
        found.append(check_authorization(facts.authorization))
    if facts.estimate is not None:
        found.append(check_estimate(facts.estimate, facts.today))
    if facts.counseling is not None:
        found.append(check_counseling(facts.counseling))
    items = [item for item in found if item is not None]
    known = {item.item for item in items}
    for extra in facts.other:
        if extra.item not in known:
            items.append(extra)
            known.add(extra.item)
    return tuple(items)


def build_dollars_at_risk(facts: ClearanceFacts, items: Sequence[OpenItem]) -> tuple[Money, Money]:
    """(payer, patient) dollars at risk while the items are open."""
    open_kinds = {item.item for item in items}
    uninsured = facts.counseling is not None and facts.counseling.uninsured
    if uninsured:
        share = facts.charges
    elif facts.patient_share is not None:
        share = min(facts.patient_share, facts.charges)
    else:
        share = ZERO
    payer = ZERO
    if open_kinds & PAYER_ITEMS and not uninsured:
        payer = max(facts.charges - share, ZERO)
    patient = ZERO
    if open_kinds & PATIENT_ITEMS:
        counseling = facts.counseling
        balance = counseling.balance if counseling else ZERO
        paid = counseling.deposit_paid if counseling else ZERO
        patient = max(share + balance - paid, ZERO)
    return payer, patient


def _log_points(amount: Money, weight: int) -> int:
    if amount <= 0:
        return 0
    return int(weight * (1 + amount).log10())


def build_priority(
    days_to_service: int,
    payer_at_risk: Money,
    patient_at_risk: Money,
    difficulty: Decimal,
    items: Sequence[OpenItem],
) -> Priority:
    """The score of an open case (0 when nothing is open)."""
    if not items:
        return Priority(0, 0, 0, 0, 0)
    time_points = max(0, TIME_POINTS - TIME_POINTS_PER_DAY * max(days_to_service, 0))
    dollar_points = min(
        DOLLAR_POINTS_MAX,
        _log_points(payer_at_risk, PAYER_DOLLAR_WEIGHT)
        + _log_points(patient_at_risk, PATIENT_DOLLAR_WEIGHT),
    )
    difficulty_points = 0
    if any(item.item in PAYER_ITEMS for item in items):
        bounded = min(max(difficulty, Decimal(0)), Decimal(1))
        difficulty_points = int(DIFFICULTY_POINTS * bounded)
    item_points = ITEM_POINTS * len(items)
    score = time_points + dollar_points + difficulty_points + item_points
    return Priority(score, time_points, dollar_points, difficulty_points, item_points)


def build_clearance(facts: ClearanceFacts) -> Clearance:
    items = build_items(facts)
    days = (facts.visit_date - facts.today).days
    payer, patient = build_dollars_at_risk(facts, items)
    priority = build_priority(days, payer, patient, facts.payer_difficulty, items)
    if not items:
        status, reason = Status.CLEARED, "every check passed"
    elif days <= AT_RISK_DAYS:
        when = "today" if days == 0 else ("passed" if days < 0 else f"in {days} day(s)")
        status = Status.AT_RISK
        reason = f"service {when}, not cleared: {items[0].reason}"
    else:
        status, reason = ITEM_STATUS[items[0].item], items[0].reason
    return Clearance(status, items, reason, priority, days, payer, patient)
