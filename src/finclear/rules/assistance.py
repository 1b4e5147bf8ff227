"""Financial assistance: screening against the facility's policy, the 501(r) clocks, the AGB cap.

Screening (the facility's financial assistance policy, FAP): presumptive eligibility first
(the household is enrolled in a program the policy accepts, e.g. Medicaid or SNAP), then the
optional asset test, then the discount tier of the household's income as a percent of the
HHS poverty guidelines (e.g. free at or below 200%, a sliding scale up to 400%).

501(r) (26 U.S.C. 501(r)(6), 26 CFR 1.501(r)-6), counted from the first post-discharge
billing statement:

- the notification period ends on the 120th day after it: no extraordinary collection
  action (ECA) before then;
- the application period ends on the 240th day after it: an application received by then
  must be processed, and ECAs are suspended while it is pending;
- a written notice at least 30 days before the first ECA.

AGB (26 U.S.C. 501(r)(5), 26 CFR 1.501(r)-5): a FAP-eligible patient is not charged more
than the amounts generally billed to insured patients for emergency or other medically
necessary care; with the look-back method the AGB percentage is the sum of the amounts
insurers allowed over a past 12-month period divided by the gross charges of those claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from finclear.rules.money import HUNDRED, ZERO, Money, cents, format_money, percent_of
from finclear.rules.poverty import (
    GUIDELINES,
    Guideline,
    Region,
    check_household_size,
    income_at_or_below,
    percent_of_poverty,
)

NOTIFICATION_PERIOD_DAYS = 120
APPLICATION_PERIOD_DAYS = 240
ECA_NOTICE_DAYS = 30


class PresumptiveSource(StrEnum):
    MEDICAID = "medicaid"
    SNAP = "snap"
    WIC = "wic"
    LIHEAP = "liheap"
    HOMELESS = "homeless"
    DECEASED_NO_ESTATE = "deceased_no_estate"
    BANKRUPTCY = "bankruptcy"


class ScreeningStatus(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"  # a fact the policy needs is missing


@dataclass(frozen=True, slots=True)
class DiscountTier:
    """Incomes at or below ``max_percent`` of the poverty guideline get ``discount_percent`` off."""

    name: str
    max_percent: Decimal
    discount_percent: Decimal

    def __post_init__(self) -> None:
        if self.max_percent <= 0:
            raise ValueError(f"{self.name}: max_percent {self.max_percent} must be positive")
        if not ZERO < self.discount_percent <= HUNDRED:
            raise ValueError(f"{self.name}: discount_percent {self.discount_percent} is not 0-100")


@dataclass(frozen=True, slots=True)
class AssistancePolicy:
    tiers: tuple[DiscountTier, ...]
    asset_limit: Money | None = None  # None: no asset test
    presumptive_sources: frozenset[str] = frozenset()
    presumptive_discount: Decimal = HUNDRED

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ValueError("tiers: a policy needs at least one discount tier")
        limits = [t.max_percent for t in self.tiers]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise ValueError(f"tiers: max_percent must rise from tier to tier, got {limits}")


def build_sliding_scale(
    free_up_to: Decimal, up_to: Decimal, steps: int
) -> tuple[DiscountTier, ...]:
    """Free at or below ``free_up_to``% of poverty, then ``steps`` equal bands up to ``up_to``%.

    The discounts fall evenly: with 4 steps, 80%, 60%, 40%, 20%.
    """
    if not ZERO < free_up_to < up_to or steps < 1:
        raise ValueError(f"a sliding scale needs 0 < {free_up_to} < {up_to} and steps >= 1")
    tiers = [DiscountTier("free care", free_up_to, HUNDRED)]
    width = (up_to - free_up_to) / steps
    for k in range(1, steps + 1):
        discount = (HUNDRED * (steps + 1 - k) / (steps + 1)).quantize(Decimal("0.01"))
        top = free_up_to + width * k
        tiers.append(DiscountTier(f"{discount.normalize():f}% discount", top, discount))
    return tuple(tiers)


@dataclass(frozen=True, slots=True)
class Household:
    size: int
    annual_income: Money
    region: Region = Region.CONTIGUOUS
    assets: Money | None = None
    presumptive: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        check_household_size(self.size)
        if self.annual_income < 0:
            raise ValueError(f"annual_income: {self.annual_income} is negative")


@dataclass(frozen=True, slots=True)
class Screening:
    status: ScreeningStatus
    tier: str
    discount_percent: Decimal
    percent_of_poverty: Decimal | None
    reason: str
    presumptive: bool = False

    @property
    def eligible(self) -> bool:
        return self.status is ScreeningStatus.ELIGIBLE


def screen(
    household: Household,
    policy: AssistancePolicy,
    year: int,
    table: Mapping[tuple[int, Region], Guideline] = GUIDELINES,
) -> Screening:
    """The tier and discount the household qualifies for, with the reason in words."""
    presumed = sorted(household.presumptive & policy.presumptive_sources)
    if presumed:
        return Screening(
            ScreeningStatus.ELIGIBLE,
            "presumptive eligibility",
            policy.presumptive_discount,
            None,
            f"presumptively eligible: {', '.join(presumed)}",
            presumptive=True,
        )
    pct = percent_of_poverty(household.annual_income, household.size, year, household.region, table)
    if policy.asset_limit is not None:
        if household.assets is None:
            return Screening(
                ScreeningStatus.INCOMPLETE,
                "",
                ZERO,
                pct,
                "the policy has an asset test and the household's assets are not known",
            )
        if household.assets > policy.asset_limit:
            return Screening(
                ScreeningStatus.NOT_ELIGIBLE,
                "",
                ZERO,
                pct,
                f"assets of {format_money(household.assets)} are above the policy's "
                f"{format_money(policy.asset_limit)} limit",
            )
    for tier in policy.tiers:
        if income_at_or_below(
            household.annual_income, tier.max_percent, household.size, year, household.region, table
        ):
            return Screening(
                ScreeningStatus.ELIGIBLE,
                tier.name,
                tier.discount_percent,
                pct,
                f"income is {pct}% of the {year} poverty guideline for a household of "
                f"{household.size}, at or below {tier.max_percent.normalize():f}%",
            )
    top = policy.tiers[-1].max_percent
    return Screening(
        ScreeningStatus.NOT_ELIGIBLE,
        "",
        ZERO,
        pct,
        f"income is {pct}% of the {year} poverty guideline for a household of "
        f"{household.size}, above the policy's {top.normalize():f}% limit",
    )


def notification_period_end(first_statement: dt.date) -> dt.date:
    """The last day of the 501(r) notification period: the 120th day after the first statement."""
    return first_statement + dt.timedelta(days=NOTIFICATION_PERIOD_DAYS)


def application_period_end(first_statement: dt.date) -> dt.date:
    """The last day an application must be accepted: the 240th day after the first statement."""
    return first_statement + dt.timedelta(days=APPLICATION_PERIOD_DAYS)


class ApplicationStatus(StrEnum):
    NONE = "none"
    INCOMPLETE = "incomplete"
    PENDING = "pending"  # complete, awaiting the decision
    APPROVED = "approved"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class EcaDecision:
    allowed: bool
    reason: str
    earliest: dt.date | None = None  # the first day an ECA could be allowed, when known


def may_take_extraordinary_collection_action(
    today: dt.date,
    first_statement: dt.date | None,
    application: ApplicationStatus = ApplicationStatus.NONE,
    eca_notice_sent: dt.date | None = None,
    approved_discount_percent: Decimal = ZERO,
) -> EcaDecision:
    """Whether 501(r)(6) lets the hospital take an ECA against the patient today."""
    if first_statement is None:
        return EcaDecision(False, "no post-discharge billing statement has been sent yet")
    if application in (ApplicationStatus.INCOMPLETE, ApplicationStatus.PENDING):
        return EcaDecision(
            False, f"a financial assistance application is {application.value}: ECAs are suspended"
        )
    if application is ApplicationStatus.APPROVED and approved_discount_percent >= HUNDRED:
        return EcaDecision(False, "the patient was approved for free care: nothing is owed")
    notification_end = notification_period_end(first_statement)
    if today <= notification_end:
        return EcaDecision(
            False,
            f"inside the 120-day notification period (ends {notification_end.isoformat()})",
            notification_end + dt.timedelta(days=1),
        )
    if eca_notice_sent is None:
        return EcaDecision(
            False,
            "no written notice of the intended ECA has been sent (30 days are required)",
            today + dt.timedelta(days=ECA_NOTICE_DAYS),
        )
    notice_ends = eca_notice_sent + dt.timedelta(days=ECA_NOTICE_DAYS)
    if today < notice_ends:
        return EcaDecision(
            False,
            f"the 30-day notice sent {eca_notice_sent.isoformat()} runs until "
            f"{notice_ends.isoformat()}",
            notice_ends,
        )
    scope = (
        " on the balance left after the approved discount"
        if application is ApplicationStatus.APPROVED
        else ""
    )
    return EcaDecision(
        True,
        f"the notification period and the 30-day notice have passed{scope}; an application "
        f"received by {application_period_end(first_statement).isoformat()} suspends ECAs again",
    )


def agb_percentage(allowed_total: Money, gross_charges_total: Money) -> Decimal:
    """The look-back AGB percentage: allowed / gross charges, in points, rounded down to 0.01.

    Rounding down keeps the cap at or below the exact figure, in the patient's favour.
    """
    if gross_charges_total <= 0:
        raise ValueError(f"gross_charges_total: {gross_charges_total} must be positive")
    if allowed_total < 0:
        raise ValueError(f"allowed_total: {allowed_total} is negative")
    return (allowed_total * HUNDRED / gross_charges_total).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )


def agb_percentage_of_claims(claims: Sequence[tuple[Money, Money]]) -> Decimal:
    """The AGB percentage of (allowed, gross charge) pairs of a look-back period."""
    allowed = sum((a for a, _ in claims), ZERO)
    gross = sum((g for _, g in claims), ZERO)
    return agb_percentage(allowed, gross)


@dataclass(frozen=True, slots=True)
class EligibleCharge:
    amount: Money
    discounted: Money
    agb_limit: Money
    capped: bool
    reason: str


def charge_for_eligible(
    gross_charges: Money, discount_percent: Decimal, agb_percent: Decimal
) -> EligibleCharge:
    """What a FAP-eligible patient may be charged: the discounted charge, capped at AGB."""
    if gross_charges < 0:
        raise ValueError(f"gross_charges: {gross_charges} is negative")
    gross = cents(gross_charges)
    discounted = gross - percent_of(gross, discount_percent)
    limit = percent_of(gross, agb_percent)
    if discounted > limit:
        return EligibleCharge(
            limit,
            discounted,
            limit,
            True,
            f"capped at the amounts generally billed ({agb_percent.normalize():f}% of "
            f"{format_money(gross)} = {format_money(limit)})",
        )
    return EligibleCharge(
        discounted,
        discounted,
        limit,
        False,
        f"{format_money(gross)} less the {discount_percent.normalize():f}% assistance discount",
    )
