"""Patient estimates: the allowed amount of each line, then the patient's share through the benefits.

For each line, in the order of the encounter: price it (``pricing``), then apply the plan's
benefits in order (copay, the remaining deductible, coinsurance, the remaining out-of-pocket
maximum) while running the accumulators across the lines, so a deductible met by the first
line is met for the second. The caller fetches the facts once (``Benefits`` from a 271 or
from the plan's benefit design, the contract's fee schedules) and this module computes
purely.

The rules it follows (standard commercial plan mechanics; a plan's own document governs):

- The copay comes first, and counts toward the out-of-pocket (OOP) maximum
  (``copay_counts_to_oop``; required of ACA plans, 45 CFR 156.130), not toward the
  deductible unless the plan says so (``copay_counts_to_deductible``).
- The deductible takes what is left of the allowed amount up to its remaining amount; a
  deductible met partway through a line leaves the rest of the line to coinsurance.
  Services exempt from the deductible (preventive care, copay-only office visits) skip it.
- Family coverage: with an embedded deductible (or OOP maximum) a member's share stops at
  the smaller of the individual and the family remaining amounts; with an aggregate one
  only the family amount counts.
- Coinsurance is the plan's percent of what is left after copay and deductible.
- Nothing the patient owes for covered care goes above the remaining OOP maximum; once it
  is met the plan pays in full.
- Out-of-network care uses the plan's out-of-network benefits and accumulators; the
  provider may bill the difference between its charge and the plan's allowed amount
  (balance billing) unless the No Surprises Act protects the service (``surprise_protected``:
  in-network cost sharing, no balance bill). Non-covered services, services over a visit
  limit and out-of-network care of a plan without out-of-network benefits are owed in full
  and do not count toward the OOP maximum.
- Secondary coverage (coordination of benefits): the secondary works out what it would
  have paid as primary (its "normal liability") with its own benefits and accumulators.
  Standard (traditional) COB pays that, up to the patient's share left by the primary;
  non-duplication pays its normal liability less what the primary paid. Neither pays more
  than the primary's patient share, nor anything toward non-covered amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from finclear.rules.money import ZERO, Money, format_money, percent_of
from finclear.rules.pricing import FeeSchedule, price_on


class Network(StrEnum):
    IN = "in"
    OUT = "out"


class CobMethod(StrEnum):
    STANDARD = "standard"  # traditional: up to the normal liability, capped by the balance
    NON_DUPLICATION = "non_duplication"  # the normal liability less the primary's payment


class LineStatus(StrEnum):
    ESTIMATED = "estimated"
    UNPRICED = "unpriced"  # no allowed amount: unknown code, no schedule in force
    NO_BENEFIT = "no_benefit"  # the benefits say nothing about the line's service category


@dataclass(frozen=True, slots=True)
class Accumulator:
    """A deductible or OOP maximum for the plan year: its amount and what is met so far."""

    limit: Money
    met: Money = ZERO

    def __post_init__(self) -> None:
        if self.limit < 0 or self.met < 0:
            raise ValueError(f"accumulator amounts must not be negative: {self.limit}, {self.met}")

    @property
    def remaining(self) -> Money:
        return max(self.limit - self.met, ZERO)


@dataclass(frozen=True, slots=True)
class TierAccumulators:
    """The accumulators of one network tier (None: the plan has no such amount).

    No deductible means nothing goes to one; no OOP maximum means the share is not capped.
    """

    deductible: Accumulator | None = None
    out_of_pocket: Accumulator | None = None
    family_deductible: Accumulator | None = None
    family_out_of_pocket: Accumulator | None = None
    deductible_embedded: bool = True
    oop_embedded: bool = True


@dataclass(frozen=True, slots=True)
class CategoryBenefit:
    """What the plan pays for one service category in one network tier.

    ``coinsurance_percent`` is in points (20 is 20%, the patient's part). ``label`` is how a
    counselor names the service to the patient ("specialist visit").
    """

    category: str
    label: str
    network: Network = Network.IN
    covered: bool = True
    copay: Money = ZERO
    coinsurance_percent: Decimal = Decimal(0)
    deductible_applies: bool = True
    visit_limit: int | None = None
    visits_used: int = 0

    def __post_init__(self) -> None:
        if self.copay < 0:
            raise ValueError(f"{self.category}: copay {self.copay} is negative")
        if not Decimal(0) <= self.coinsurance_percent <= Decimal(100):
            raise ValueError(
                f"{self.category}: coinsurance_percent {self.coinsurance_percent} is not 0-100"
            )
        if self.visit_limit is not None and self.visit_limit < 0:
            raise ValueError(f"{self.category}: visit_limit {self.visit_limit} is negative")


@dataclass(frozen=True, slots=True)
class Benefits:
    """A member's benefits: per category and network, plus the accumulators per network tier."""

    categories: tuple[CategoryBenefit, ...]
    in_network: TierAccumulators = field(default_factory=TierAccumulators)
    out_of_network: TierAccumulators | None = None  # None: no out-of-network benefits
    copay_counts_to_oop: bool = True
    copay_counts_to_deductible: bool = False
    plan_name: str = ""


@dataclass(frozen=True, slots=True)
class EstimateLine:
    """One service line to estimate. ``allowed`` skips pricing (e.g. a stay priced as a whole)."""

    code: str
    units: Decimal
    charge: Money
    category: str
    service_date: dt.date
    network: Network = Network.IN
    allowed: Money | None = None
    surprise_protected: bool = False  # No Surprises Act: in-network cost sharing, no balance bill
    line_number: int = 0


@dataclass(frozen=True, slots=True)
class SecondaryCoverage:
    benefits: Benefits
    method: CobMethod = CobMethod.STANDARD
    contract: tuple[FeeSchedule, ...] = ()  # empty: the secondary allows what the primary allows


@dataclass(frozen=True, slots=True)
class LineEstimate:
    line_number: int
    code: str
    category: str
    network: Network
    status: LineStatus
    charge: Money
    allowed: Money | None
    plan_pays: Money = ZERO
    copay: Money = ZERO
    deductible: Money = ZERO
    coinsurance: Money = ZERO
    non_covered: Money = ZERO  # owed in full: not covered, over a limit, or a balance bill
    balance_bill: Money = ZERO  # the part of non_covered above an out-of-network allowed amount
    secondary_pays: Money = ZERO
    explanation: tuple[str, ...] = ()

    @property
    def cost_share(self) -> Money:
        """The patient's share of the allowed amount (copay + deductible + coinsurance)."""
        return self.copay + self.deductible + self.coinsurance

    @property
    def patient_total(self) -> Money:
        return self.cost_share + self.non_covered - self.secondary_pays

    @property
    def text(self) -> str:
        return " ".join(self.explanation)


@dataclass(frozen=True, slots=True)
class Estimate:
    lines: tuple[LineEstimate, ...]
    deductible_remaining: Money | None  # in network, after this encounter (None: no deductible)
    out_of_pocket_remaining: Money | None  # in network, after (None: no OOP maximum)

    def _sum(self, name: str) -> Money:
        return sum((getattr(line, name) for line in self.estimated), ZERO)

    @property
    def estimated(self) -> tuple[LineEstimate, ...]:
        return tuple(line for line in self.lines if line.status is LineStatus.ESTIMATED)

    @property
    def not_estimated(self) -> tuple[LineEstimate, ...]:
        return tuple(line for line in self.lines if line.status is not LineStatus.ESTIMATED)

    @property
    def complete(self) -> bool:
        """False when a line could not be estimated: the totals leave it out."""
        return not self.not_estimated

    @property
    def charge(self) -> Money:
        return self._sum("charge")

    @property
    def allowed(self) -> Money:
        return self._sum("allowed")

    @property
    def plan_pays(self) -> Money:
        return self._sum("plan_pays")

    @property
    def copay(self) -> Money:
        return self._sum("copay")

    @property
    def deductible(self) -> Money:
        return self._sum("deductible")

    @property
    def coinsurance(self) -> Money:
        return self._sum("coinsurance")

    @property
    def non_covered(self) -> Money:
        return self._sum("non_covered")

    @property
    def secondary_pays(self) -> Money:
        return self._sum("secondary_pays")

    @property
    def patient_total(self) -> Money:
        return self._sum("patient_total")


class _Running:
    """What this encounter has added to one tier's deductible and OOP maximum so far."""

    __slots__ = ("deductible", "oop", "tier")

    def __init__(self, tier: TierAccumulators) -> None:
        self.tier = tier
        self.deductible = ZERO
        self.oop = ZERO

    def deductible_left(self) -> tuple[Money, bool]:
        """The remaining deductible and whether the family's amount is the one that limits."""
        tier = self.tier
        left, family = _limit(
            tier.deductible, tier.family_deductible, tier.deductible_embedded, self.deductible
        )
        return (ZERO if left is None else left), family

    def oop_left(self) -> tuple[Money | None, bool]:
        """The remaining OOP maximum (None: no maximum) and whether the family's limits."""
        tier = self.tier
        return _limit(tier.out_of_pocket, tier.family_out_of_pocket, tier.oop_embedded, self.oop)


def _limit(
    ind: Accumulator | None, fam: Accumulator | None, embedded: bool, added: Money
) -> tuple[Money | None, bool]:
    ind_left = None if ind is None else max(ind.remaining - added, ZERO)
    fam_left = None if fam is None else max(fam.remaining - added, ZERO)
    if fam_left is None:
        return ind_left, False
    if ind_left is None or not embedded:
        return fam_left, True
    return (fam_left, True) if fam_left < ind_left else (ind_left, False)


@dataclass(slots=True)
class _Share:
    copay: Money = ZERO
    deductible: Money = ZERO
    coinsurance: Money = ZERO
    notes: list[str] = field(default_factory=list)


def _cost_share(
    allowed: Money, benefit: CategoryBenefit, benefits: Benefits, running: _Running
) -> _Share:
    """Copay, deductible, coinsurance of one covered line; updates the running accumulators."""
    share = _Share()
    notes = share.notes
    counts = benefits.copay_counts_to_oop
    oop, _ = running.oop_left()
    met_before = oop is not None and oop == 0
    if met_before:
        if counts or benefit.copay == 0:
            notes.append(
                "You have already met your out-of-pocket maximum, so your plan pays the full "
                "allowed amount for this covered service."
            )
            return share
        notes.append(
            "You have already met your out-of-pocket maximum; under your plan copays still apply."
        )
    label = benefit.label
    copay = min(benefit.copay, allowed)
    if benefit.copay > 0:
        if counts and oop is not None and copay > oop:
            copay = oop
            notes.append(
                f"Your plan's {format_money(benefit.copay)} {label} copay is reduced to "
                f"{format_money(copay)} because that reaches your out-of-pocket maximum."
            )
        elif copay == benefit.copay:
            notes.append(f"Your plan's {format_money(benefit.copay)} {label} copay applies.")
        else:
            notes.append(
                f"Your plan's {format_money(benefit.copay)} {label} copay is more than the "
                f"{format_money(allowed)} allowed amount, so you pay {format_money(allowed)}."
            )
    share.copay = copay
    if counts:
        running.oop += copay
    if benefits.copay_counts_to_deductible and copay > 0:
        ded_left, _ = running.deductible_left()
        running.deductible += min(copay, ded_left)
    oop, _ = running.oop_left()
    rest = allowed - copay
    if oop is not None and oop == 0:
        rest = ZERO
    ded_left, family = running.deductible_left()
    whose = "your family's deductible" if family else "your deductible"
    if not benefit.deductible_applies:
        if ded_left > 0:
            notes.append(f"This service is not subject to {whose}.")
    elif rest > 0 and ded_left > 0:
        ded = min(rest, ded_left) if oop is None else min(rest, ded_left, oop)
        share.deductible = ded
        running.deductible += ded
        running.oop += ded
        left_after, _ = running.deductible_left()
        if left_after == 0 and ded < rest:
            notes.append(
                f"{format_money(ded)} of it goes to the rest of {whose}, which this service meets."
            )
        elif left_after == 0:
            notes.append(f"{format_money(ded)} goes to {whose}, which this service meets.")
        else:
            notes.append(
                f"{format_money(ded)} goes to {whose}; {format_money(left_after)} of it "
                "remains after this service."
            )
        rest -= ded
    elif rest > 0 and _has_deductible(running.tier):
        notes.append(f"{whose[0].upper()}{whose[1:]} is already met.")
    oop, _ = running.oop_left()
    if oop is not None and oop == 0:
        rest = ZERO
    if rest > 0 and benefit.coinsurance_percent > 0:
        coins = percent_of(rest, benefit.coinsurance_percent)
        pct = f"{benefit.coinsurance_percent.normalize():f}%"
        on = "the remaining " if rest < allowed else "the "
        if oop is not None and coins > oop:
            notes.append(
                f"Your {pct} coinsurance on {on}{format_money(rest)} would be "
                f"{format_money(coins)}, but your out-of-pocket maximum caps it at "
                f"{format_money(oop)}."
            )
            coins = oop
        else:
            notes.append(
                f"You pay {pct} coinsurance on {on}{format_money(rest)}: {format_money(coins)}."
            )
        share.coinsurance = coins
        running.oop += coins
    oop, _ = running.oop_left()
    paid = share.copay if counts else ZERO
    if (
        not met_before
        and oop is not None
        and oop == 0
        and paid + share.deductible + share.coinsurance > 0
    ):
        notes.append(
            "This reaches your out-of-pocket maximum: covered services cost you nothing more "
            "this plan year."
        )
    return share


def _has_deductible(tier: TierAccumulators) -> bool:
    return tier.deductible is not None or tier.family_deductible is not None


def _owed_in_full(
    line: EstimateLine,
    reason: str,
    amount: Money,
    how: str,
    status: LineStatus = LineStatus.ESTIMATED,
) -> LineEstimate:
    return LineEstimate(
        line_number=line.line_number,
        code=line.code,
        category=line.category,
        network=line.network,
        status=status,
        charge=line.charge,
        allowed=ZERO,
        non_covered=amount,
        explanation=(reason, f"You owe {how}: {format_money(amount)}."),
    )


def _not_estimated(line: EstimateLine, status: LineStatus, reason: str) -> LineEstimate:
    missing = "it can be priced" if status is LineStatus.UNPRICED else "the benefits are known"
    return LineEstimate(
        line_number=line.line_number,
        code=line.code,
        category=line.category,
        network=line.network,
        status=status,
        charge=line.charge,
        allowed=None,
        explanation=(reason, f"This estimate leaves it out until {missing}."),
    )


class _Engine:
    """One plan's pass over an encounter: its benefits, contracts and running accumulators."""

    def __init__(
        self,
        benefits: Benefits,
        contract: Sequence[FeeSchedule],
        out_of_network_contract: Sequence[FeeSchedule],
    ) -> None:
        self.benefits = benefits
        self.contract = contract
        self.oon_contract = out_of_network_contract
        self.index = {(b.category, b.network): b for b in benefits.categories}
        self.running = {Network.IN: _Running(benefits.in_network)}
        if benefits.out_of_network is not None:
            self.running[Network.OUT] = _Running(benefits.out_of_network)

    def allowed_for(self, line: EstimateLine, network: Network) -> tuple[Money | None, str]:
        if line.allowed is not None:
            return line.allowed, ""
        schedules = self.contract if network is Network.IN else self.oon_contract
        price = price_on(schedules, line.service_date, line.code, line.units, line.charge)
        return price.allowed, price.detail

    def line(self, line: EstimateLine) -> LineEstimate:
        protected = line.network is Network.OUT and line.surprise_protected
        tier = Network.IN if protected else line.network
        benefit = self.index.get((line.category, tier))
        if (
            line.network is Network.OUT
            and not protected
            and (benefit is None or Network.OUT not in self.running)
        ):
            return _owed_in_full(
                line,
                "The provider is outside your plan's network and your plan does not cover "
                "out-of-network care for this service.",
                line.charge,
                "the provider's full charge",
            )
        if benefit is None:
            return _not_estimated(
                line,
                LineStatus.NO_BENEFIT,
                f"Your plan's benefits on file say nothing about {line.category} services "
                f"(code {line.code}).",
            )
        if not benefit.covered:
            return self._not_covered(
                line, f"Your plan does not cover this {benefit.label} (code {line.code})."
            )
        notes: list[str] = []
        if benefit.visit_limit is not None:
            if benefit.visits_used >= benefit.visit_limit:
                return self._not_covered(
                    line,
                    f"You have used all {benefit.visit_limit} {benefit.label} visits your "
                    "plan covers this year, so it will not pay for this one.",
                )
            notes.append(
                f"This is visit {benefit.visits_used + 1} of the {benefit.visit_limit} "
                f"{benefit.label} visits your plan covers this year."
            )
        allowed, how = self.allowed_for(
            line, Network.OUT if line.network is Network.OUT and not protected else Network.IN
        )
        if allowed is None:
            return _not_estimated(
                line, LineStatus.UNPRICED, f"This service could not be priced: {how}."
            )
        if protected:
            notes.append(
                "The No Surprises Act protects you for this out-of-network service: your "
                "in-network cost sharing applies and the provider may not bill you more."
            )
        notes.append(f"Your plan allows {format_money(allowed)} for this {benefit.label}.")
        share = _cost_share(allowed, benefit, self.benefits, self.running[tier])
        notes.extend(share.notes)
        plan_pays = allowed - share.copay - share.deductible - share.coinsurance
        balance = ZERO
        if line.network is Network.OUT and not protected and line.charge > allowed:
            balance = line.charge - allowed
            notes.append(
                f"Because the provider is out of network, they may bill you the "
                f"{format_money(balance)} difference between their {format_money(line.charge)} "
                f"charge and your plan's {format_money(allowed)} allowed amount; it does not "
                "count toward your out-of-pocket maximum."
            )
        notes.append(f"Your plan pays {format_money(plan_pays)}.")
        return LineEstimate(
            line_number=line.line_number,
            code=line.code,
            category=line.category,
            network=line.network,
            status=LineStatus.ESTIMATED,
            charge=line.charge,
            allowed=allowed,
            plan_pays=plan_pays,
            copay=share.copay,
            deductible=share.deductible,
            coinsurance=share.coinsurance,
            non_covered=balance,
            balance_bill=balance,
            explanation=tuple(notes),
        )

    def _not_covered(self, line: EstimateLine, reason: str) -> LineEstimate:
        """Owed in full: the contracted rate in network when the contract prices it, else the charge."""
        if line.network is Network.IN:
            allowed, _ = self.allowed_for(line, Network.IN)
            if allowed is not None:
                return _owed_in_full(line, reason, allowed, "the contracted rate")
        return _owed_in_full(line, reason, line.charge, "the full charge")

    def remaining(self) -> tuple[Money | None, Money | None]:
        running = self.running[Network.IN]
        ded, _ = running.deductible_left()
        oop, _ = running.oop_left()
        return (ded if _has_deductible(running.tier) else None), oop


def _secondary_payment(
    primary: LineEstimate, line: EstimateLine, engine: _Engine, method: CobMethod
) -> tuple[Money, str]:
    """What the secondary pays on a line, and the sentence saying so."""
    share = primary.cost_share
    if primary.allowed is None:
        return ZERO, ""
    as_primary = EstimateLine(
        code=line.code,
        units=line.units,
        charge=line.charge,
        category=line.category,
        service_date=line.service_date,
        network=line.network,
        allowed=None if engine.contract else primary.allowed,
        surprise_protected=line.surprise_protected,
        line_number=line.line_number,
    )
    normal = engine.line(as_primary)
    if normal.status is not LineStatus.ESTIMATED:
        return ZERO, "Your secondary plan's payment could not be estimated for this service."
    if share == 0:
        return ZERO, ""
    liability = normal.plan_pays
    if method is CobMethod.NON_DUPLICATION:
        liability = max(liability - primary.plan_pays, ZERO)
    pays = min(liability, share)
    if pays == 0:
        return ZERO, "Your secondary plan is not expected to pay anything toward your share."
    return pays, (
        f"Your secondary plan is expected to pay {format_money(pays)} of your "
        f"{format_money(share)} share, leaving you {format_money(share - pays)}."
    )


def estimate(
    lines: Sequence[EstimateLine],
    benefits: Benefits,
    contract: Sequence[FeeSchedule] = (),
    *,
    out_of_network_contract: Sequence[FeeSchedule] = (),
    secondary: SecondaryCoverage | None = None,
) -> Estimate:
    """The patient's estimate for an encounter's lines, in their order."""
    primary = _Engine(benefits, contract, out_of_network_contract)
    second = (
        _Engine(secondary.benefits, secondary.contract, secondary.contract)
        if secondary is not None
        else None
    )
    out = []
    for line in lines:
        result = primary.line(line)
        if result.status is LineStatus.ESTIMATED:
            pays, note = ZERO, ""
            if second is not None and secondary is not None:
                pays, note = _secondary_payment(result, line, second, secondary.method)
            result = _finish(result, pays, note)
        out.append(result)
    ded, oop = primary.remaining()
    return Estimate(tuple(out), ded, oop)


def _finish(line: LineEstimate, secondary_pays: Money, note: str) -> LineEstimate:
    """The line with the secondary's payment and the patient's total in words."""
    total = line.cost_share + line.non_covered - secondary_pays
    notes = (*line.explanation, note) if note else line.explanation
    return LineEstimate(
        line_number=line.line_number,
        code=line.code,
        category=line.category,
        network=line.network,
        status=line.status,
        charge=line.charge,
        allowed=line.allowed,
        plan_pays=line.plan_pays,
        copay=line.copay,
        deductible=line.deductible,
        coinsurance=line.coinsurance,
        non_covered=line.non_covered,
        balance_bill=line.balance_bill,
        secondary_pays=secondary_pays,
        explanation=(*notes, f"Your estimated share for this service is {format_money(total)}."),
    )
