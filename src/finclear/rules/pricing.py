"""Contract pricing of service lines: what a payer allows for a code on a date of service.

A contract is a list of effective-dated ``FeeSchedule`` versions; the one in force on the
date of service prices the line. A schedule prices a code, in this order:

1. a rate per code (per unit);
2. a percent of a base schedule (e.g. 120% of the Medicare fee schedule), when the base
   has the code;
3. a percent of charges, when the schedule has one (often the catch-all of a contract).

Inpatient stays are priced as a whole, by a case rate or a per diem, and the stay's amount
is spread over its lines in proportion to their charges so the estimator can still work
line by line. A code the schedule does not price gives a ``Price`` saying so, never zero.

Self-pay: the facility's discount policy on chargemaster charges (``price_self_pay``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from finclear.rules.money import ZERO, Money, allocate, cents, format_money, percent_of


class Method(StrEnum):
    RATE = "rate"
    PERCENT_OF_BASE = "percent_of_base"
    PERCENT_OF_CHARGES = "percent_of_charges"
    CASE_RATE = "case_rate"
    PER_DIEM = "per_diem"
    SELF_PAY = "self_pay"


class PriceStatus(StrEnum):
    PRICED = "priced"
    UNKNOWN_CODE = "unknown_code"  # the schedule in force has no price for the code
    NO_SCHEDULE = "no_schedule"  # no schedule of the contract is in force on the date


@dataclass(frozen=True, slots=True)
class BaseSchedule:
    """A reference fee schedule (Medicare's, a state Medicaid's): a rate per code per unit."""

    name: str
    rates: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """One effective-dated version of a payer contract's fee schedule.

    ``base_percent`` and ``charges_percent`` are in points (120 is 120%). ``case_rate`` and
    ``per_diem`` price inpatient stays as a whole (``price_stay``).
    """

    name: str
    effective_from: dt.date
    effective_to: dt.date | None = None  # last day in force, None: open-ended
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    base: BaseSchedule | None = None
    base_percent: Decimal | None = None
    charges_percent: Decimal | None = None
    case_rate: Decimal | None = None
    per_diem: Decimal | None = None

    def __post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"{self.name}: effective_to {self.effective_to} is before effective_from "
                f"{self.effective_from}"
            )
        if (self.base is None) != (self.base_percent is None):
            raise ValueError(
                f"{self.name}: a percent of a base schedule needs both the base and the percent"
            )
        for label, value in (
            ("base_percent", self.base_percent),
            ("charges_percent", self.charges_percent),
            ("case_rate", self.case_rate),
            ("per_diem", self.per_diem),
        ):
            if value is not None and value < 0:
                raise ValueError(f"{self.name}: {label} {value} is negative")

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def period(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "open-ended"
        return f"{self.effective_from.isoformat()} to {end}"


@dataclass(frozen=True, slots=True)
class Price:
    """The allowed amount of a line, or why there is none (``allowed`` is None then)."""

    code: str
    status: PriceStatus
    allowed: Money | None
    method: Method | None
    detail: str
    schedule: str = ""

    @property
    def priced(self) -> bool:
        return self.status is PriceStatus.PRICED


@dataclass(frozen=True, slots=True)
class SelfPayPolicy:
    """The facility's self-pay discount on chargemaster charges (points: 40 is 40% off)."""

    discount_percent: Decimal
    effective_from: dt.date
    effective_to: dt.date | None = None

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.discount_percent <= Decimal(100):
            raise ValueError(f"discount_percent {self.discount_percent} is not between 0 and 100")

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def schedule_in_force(schedules: Sequence[FeeSchedule], day: dt.date) -> FeeSchedule | None:
    """The version in force on ``day``; the latest-starting one if versions overlap."""
    candidates = [s for s in schedules if s.in_force(day)]
    return max(candidates, key=lambda s: s.effective_from) if candidates else None


def check_units(units: Decimal, code: str) -> None:
    if units <= 0:
        raise ValueError(f"units: {units} for code {code} must be positive")


def price_line(
    schedule: FeeSchedule, code: str, units: Decimal, charge: Decimal | None = None
) -> Price:
    """What ``schedule`` allows for ``units`` of ``code`` (``charge`` for a percent of charges)."""
    check_units(units, code)
    rate = schedule.rates.get(code)
    if rate is not None:
        allowed = cents(rate * units)
        return Price(
            code,
            PriceStatus.PRICED,
            allowed,
            Method.RATE,
            f"{format_money(rate)} per unit on {schedule.name}",
            schedule.name,
        )
    if schedule.base is not None and schedule.base_percent is not None:
        base_rate = schedule.base.rates.get(code)
        if base_rate is not None:
            allowed = percent_of(base_rate * units, schedule.base_percent)
            return Price(
                code,
                PriceStatus.PRICED,
                allowed,
                Method.PERCENT_OF_BASE,
                f"{schedule.base_percent.normalize():f}% of {schedule.base.name} "
                f"({format_money(base_rate)} per unit)",
                schedule.name,
            )
    if schedule.charges_percent is not None:
        if charge is None:
            return Price(
                code,
                PriceStatus.UNKNOWN_CODE,
                None,
                None,
                f"code {code} is priced at a percent of charges on {schedule.name}, "
                "but the line has no charge",
                schedule.name,
            )
        return Price(
            code,
            PriceStatus.PRICED,
            percent_of(charge, schedule.charges_percent),
            Method.PERCENT_OF_CHARGES,
            f"{schedule.charges_percent.normalize():f}% of the {format_money(charge)} charge",
            schedule.name,
        )
    return Price(
        code,
        PriceStatus.UNKNOWN_CODE,
        None,
        None,
        f"code {code} is not on fee schedule {schedule.name} ({schedule.period})",
        schedule.name,
    )


def price_on(
    schedules: Sequence[FeeSchedule],
    day: dt.date,
    code: str,
    units: Decimal,
    charge: Decimal | None = None,
) -> Price:
    """Price a line with the contract version in force on ``day``."""
    schedule = schedule_in_force(schedules, day)
    if schedule is None:
        return Price(
            code,
            PriceStatus.NO_SCHEDULE,
            None,
            None,
            f"no fee schedule of the contract is in force on {day.isoformat()}",
        )
    return price_line(schedule, code, units, charge)


@dataclass(frozen=True, slots=True)
class StayLine:
    code: str
    charge: Money


def price_stay(schedule: FeeSchedule, lines: Sequence[StayLine], days: int) -> tuple[Price, ...]:
    """An inpatient stay priced as a whole (case rate, else per diem x days), spread over its lines.

    Each line gets a share of the stay's amount in proportion to its charge (to the cent,
    summing exactly to the stay's amount). A schedule with neither form prices nothing.
    """
    if days < 1:
        raise ValueError(f"days: an inpatient stay lasts at least one day, got {days}")
    if not lines:
        return ()
    if schedule.case_rate is not None:
        total, method = cents(schedule.case_rate), Method.CASE_RATE
        how = f"case rate of {format_money(total)} for the stay on {schedule.name}"
    elif schedule.per_diem is not None:
        total, method = cents(schedule.per_diem * days), Method.PER_DIEM
        how = (
            f"per diem of {format_money(schedule.per_diem)} x {days} days = "
            f"{format_money(total)} on {schedule.name}"
        )
    else:
        return tuple(
            Price(
                line.code,
                PriceStatus.UNKNOWN_CODE,
                None,
                None,
                f"fee schedule {schedule.name} has no case rate or per diem for inpatient stays",
                schedule.name,
            )
            for line in lines
        )
    shares = allocate(total, [line.charge for line in lines])
    return tuple(
        Price(line.code, PriceStatus.PRICED, share, method, f"share of the {how}", schedule.name)
        for line, share in zip(lines, shares, strict=True)
    )


def price_self_pay(charge: Decimal, policy: SelfPayPolicy | None) -> Price:
    """The self-pay price of a chargemaster charge: the charge less the policy's discount."""
    if charge < 0:
        raise ValueError(f"charge: {charge} is negative")
    if policy is None or policy.discount_percent == 0:
        return Price("", PriceStatus.PRICED, cents(charge), Method.SELF_PAY, "the full charge")
    discount = percent_of(charge, policy.discount_percent)
    return Price(
        "",
        PriceStatus.PRICED,
        max(cents(charge) - discount, ZERO),
        Method.SELF_PAY,
        f"the {format_money(charge)} charge less the {policy.discount_percent.normalize():f}% "
        "self-pay discount",
    )
