"""What to ask the patient to pay at check-in: the copay, any prior balance, and the deposit rule.

- The copay of the visit (from the estimate).
- The prior balance the patient owes from earlier visits, when the policy collects it and
  the balance is not on a payment plan (the plan's schedule governs it then).
- A deposit for the kinds of visit the policy names (e.g. elective surgery): a percent of
  the estimated patient share beyond the copay, capped.
- Nothing before an emergency patient has been screened and stabilized: EMTALA
  (42 CFR 489.24(d)(4)) forbids delaying screening or treatment to ask about payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from finclear.rules.money import HUNDRED, ZERO, Money, format_money, percent_of


class CollectionKind(StrEnum):
    COPAY = "copay"
    PRIOR_BALANCE = "prior_balance"
    DEPOSIT = "deposit"


@dataclass(frozen=True, slots=True)
class PosPolicy:
    collect_prior_balance: bool = True
    deposit_percent: Decimal = ZERO  # points of the estimated share beyond the copay
    deposit_cap: Money | None = None
    deposit_visit_kinds: frozenset[str] = frozenset({"elective_surgery"})

    def __post_init__(self) -> None:
        if not ZERO <= self.deposit_percent <= HUNDRED:
            raise ValueError(f"deposit_percent: {self.deposit_percent} is not 0-100")
        if self.deposit_cap is not None and self.deposit_cap < 0:
            raise ValueError(f"deposit_cap: {self.deposit_cap} is negative")


@dataclass(frozen=True, slots=True)
class CheckIn:
    visit_kind: str
    copay: Money = ZERO
    estimated_patient_share: Money = ZERO  # the estimate's patient total, copay included
    prior_balance: Money = ZERO
    prior_balance_on_plan: bool = False
    emergency: bool = False

    def __post_init__(self) -> None:
        for name in ("copay", "estimated_patient_share", "prior_balance"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: {getattr(self, name)} is negative")


@dataclass(frozen=True, slots=True)
class CollectionLine:
    kind: CollectionKind
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class PosCollection:
    lines: tuple[CollectionLine, ...]
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> Money:
        return sum((line.amount for line in self.lines), ZERO)

    def amount(self, kind: CollectionKind) -> Money:
        return sum((line.amount for line in self.lines if line.kind is kind), ZERO)


def build_collection(check_in: CheckIn, policy: PosPolicy) -> PosCollection:
    """The amounts to collect at check-in, each with its reason."""
    if check_in.emergency:
        return PosCollection(
            (),
            (
                "Emergency visit: ask for nothing until the patient has been screened and "
                "stabilized (EMTALA).",
            ),
        )
    lines: list[CollectionLine] = []
    notes: list[str] = []
    if check_in.copay > 0:
        lines.append(
            CollectionLine(
                CollectionKind.COPAY,
                check_in.copay,
                f"the plan's {format_money(check_in.copay)} copay for this visit",
            )
        )
    if check_in.prior_balance > 0:
        if check_in.prior_balance_on_plan:
            notes.append("The prior balance is on a payment plan: its schedule governs it.")
        elif policy.collect_prior_balance:
            lines.append(
                CollectionLine(
                    CollectionKind.PRIOR_BALANCE,
                    check_in.prior_balance,
                    f"{format_money(check_in.prior_balance)} still owed from earlier visits",
                )
            )
    if check_in.visit_kind in policy.deposit_visit_kinds and policy.deposit_percent > 0:
        beyond_copay = max(check_in.estimated_patient_share - check_in.copay, ZERO)
        deposit = percent_of(beyond_copay, policy.deposit_percent)
        reason = (
            f"{policy.deposit_percent.normalize():f}% of the {format_money(beyond_copay)} "
            "estimated share beyond the copay"
        )
        if policy.deposit_cap is not None and deposit > policy.deposit_cap:
            deposit = policy.deposit_cap
            reason += f", capped at {format_money(policy.deposit_cap)}"
        if deposit > 0:
            lines.append(CollectionLine(CollectionKind.DEPOSIT, deposit, reason))
    return PosCollection(tuple(lines), tuple(notes))
