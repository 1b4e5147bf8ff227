"""Payment plans: terms from the facility's policy, an amortized schedule, and the plan's status.

- Terms: a down payment (a percent of the balance, with a floor), then monthly installments
  no smaller than the policy's minimum, over no more than its maximum number of months. By
  default the longest term the minimum allows (the smallest payment).
- Schedule: 0% by default, the balance split evenly and the last installment absorbing the
  rounding; with an APR, a level payment (standard amortization, interest on the unpaid
  balance at APR/12 each month, rounded half up to the cent), the last installment paying off
  the balance. The principal of the installments always sums to the financed balance, to the
  cent.
- Recalculation on a balance change keeps the months left (fewer if the payment would drop
  below the minimum).
- Status from the payments recorded: an installment is missed when its due date (plus the
  grace days) has passed and the payments so far do not cover everything due through it;
  one missed installment makes the plan past due, ``default_after`` missed ones default it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from finclear.rules.money import CENT, HUNDRED, ZERO, Money, cents, format_money, percent_of


class PlanError(ValueError):
    """Terms the policy does not allow."""


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    min_monthly_payment: Money
    max_months: int
    down_payment_percent: Decimal = ZERO
    down_payment_minimum: Money = ZERO
    apr_percent: Decimal = ZERO
    default_after: int = 3  # missed installments
    grace_days: int = 0

    def __post_init__(self) -> None:
        if self.min_monthly_payment <= 0:
            raise PlanError(f"min_monthly_payment: {self.min_monthly_payment} must be positive")
        if self.max_months < 1:
            raise PlanError(f"max_months: {self.max_months} must be at least 1")
        if not ZERO <= self.down_payment_percent <= HUNDRED:
            raise PlanError(f"down_payment_percent: {self.down_payment_percent} is not 0-100")
        if self.apr_percent < 0:
            raise PlanError(f"apr_percent: {self.apr_percent} is negative")
        if self.default_after < 1:
            raise PlanError(f"default_after: {self.default_after} must be at least 1")


@dataclass(frozen=True, slots=True)
class PlanTerms:
    balance: Money
    down_payment: Money
    financed: Money
    months: int
    monthly_payment: Money
    apr_percent: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Installment:
    number: int
    due: dt.date
    amount: Money
    principal: Money
    interest: Money


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """``day`` moved ``months`` months on, on ``anchor_day`` or the month's last day if shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    wanted = anchor_day if anchor_day is not None else day.day
    return dt.date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def level_payment(financed: Money, months: int, apr_percent: Decimal) -> Money:
    """The monthly payment: even at 0% (rounded down; the last absorbs the rest), amortized else."""
    if months < 1:
        raise PlanError(f"months: {months} must be at least 1")
    if financed <= 0:
        return ZERO
    if apr_percent == 0:
        return (financed / months).quantize(CENT, rounding=ROUND_DOWN)
    rate = apr_percent / HUNDRED / 12
    return cents(financed * rate / (1 - (1 + rate) ** -months))


def build_terms(balance: Money, policy: PlanPolicy, months: int | None = None) -> PlanTerms:
    """The plan's terms for ``balance``; ``months`` asked by the patient, else the longest allowed."""
    if balance <= 0:
        raise PlanError(f"balance: {format_money(balance)} leaves nothing to finance")
    down = min(
        max(percent_of(balance, policy.down_payment_percent), policy.down_payment_minimum),
        balance,
    )
    financed = balance - down
    if financed == 0:
        return PlanTerms(balance, down, ZERO, 0, ZERO, policy.apr_percent)
    if months is None:
        months = max(1, min(policy.max_months, int(financed // policy.min_monthly_payment)))
        while months > 1 and (
            level_payment(financed, months, policy.apr_percent) < policy.min_monthly_payment
        ):
            months -= 1
    if not 1 <= months <= policy.max_months:
        raise PlanError(f"months: {months} is not between 1 and the policy's {policy.max_months}")
    payment = level_payment(financed, months, policy.apr_percent)
    if months > 1 and payment < policy.min_monthly_payment:
        raise PlanError(
            f"months: {months} months would make the payment {format_money(payment)}, below "
            f"the {format_money(policy.min_monthly_payment)} minimum"
        )
    return PlanTerms(balance, down, financed, months, payment, policy.apr_percent)


def build_schedule(terms: PlanTerms, first_due: dt.date) -> tuple[Installment, ...]:
    """The installments of ``terms``, monthly from ``first_due``; principal sums to the financed."""
    if terms.months == 0 or terms.financed == 0:
        return ()
    rate = terms.apr_percent / HUNDRED / 12
    left = terms.financed
    out = []
    for number in range(1, terms.months + 1):
        interest = cents(left * rate)
        last = number == terms.months
        principal = left if last else min(terms.monthly_payment - interest, left)
        out.append(
            Installment(
                number,
                add_months(first_due, number - 1, first_due.day),
                principal + interest,
                principal,
                interest,
            )
        )
        left -= principal
    return tuple(out)


def rebuild_schedule(
    terms: PlanTerms,
    new_balance: Money,
    installments_paid: int,
    next_due: dt.date,
    policy: PlanPolicy,
) -> tuple[PlanTerms, tuple[Installment, ...]]:
    """New terms and schedule when the balance left changes (an adjustment, a late charge...)."""
    if new_balance <= 0:
        return PlanTerms(new_balance, ZERO, ZERO, 0, ZERO, terms.apr_percent), ()
    months_left = max(1, terms.months - installments_paid)
    while months_left > 1 and (
        level_payment(new_balance, months_left, terms.apr_percent) < policy.min_monthly_payment
    ):
        months_left -= 1
    payment = level_payment(new_balance, months_left, terms.apr_percent)
    new_terms = PlanTerms(new_balance, ZERO, new_balance, months_left, payment, terms.apr_percent)
    return new_terms, build_schedule(new_terms, next_due)


@dataclass(frozen=True, slots=True)
class Payment:
    on: dt.date
    amount: Money


class PlanState(StrEnum):
    CURRENT = "current"
    PAST_DUE = "past_due"
    DEFAULTED = "defaulted"
    PAID_OFF = "paid_off"


@dataclass(frozen=True, slots=True)
class PlanStatus:
    state: PlanState
    missed: int
    past_due_amount: Money
    paid: Money
    remaining: Money
    next_due: Installment | None


def plan_status(
    schedule: Sequence[Installment],
    payments: Sequence[Payment],
    today: dt.date,
    default_after: int = 3,
    grace_days: int = 0,
) -> PlanStatus:
    """The plan's state on ``today`` from its schedule and the payments recorded so far."""
    paid = sum((p.amount for p in payments if p.on <= today), ZERO)
    total = sum((i.amount for i in schedule), ZERO)
    remaining = max(total - paid, ZERO)
    if paid >= total:
        return PlanStatus(PlanState.PAID_OFF, 0, ZERO, paid, ZERO, None)
    grace = dt.timedelta(days=grace_days)
    due_through = ZERO
    missed = 0
    past_due = ZERO
    next_due = None
    for installment in schedule:
        due_through += installment.amount
        if installment.due + grace < today:
            if paid < due_through:
                missed += 1
                past_due = due_through - paid
        elif next_due is None and paid < due_through:
            next_due = installment
    if missed >= default_after:
        state = PlanState.DEFAULTED
    elif missed:
        state = PlanState.PAST_DUE
    else:
        state = PlanState.CURRENT
    return PlanStatus(state, missed, past_due, paid, remaining, next_due)
