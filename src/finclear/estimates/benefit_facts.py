"""The estimator's ``Benefits`` from the facts on file: a 271's benefit rows, or the plan's design.

Plain Python over ``finclear.rules`` dataclasses (no Django): the app loads the rows or the
plan and calls these builders; ``finclear.rules.estimator`` does the arithmetic.

Service categories are X12 service types (``finclear.codes.service_types``), with office
visits split by who sees the patient (a plan's copay differs for primary care and
specialists) and preventive visits apart (ACA: covered in full in network, no deductible,
45 CFR 147.130).

From a 271 (``build_row_benefits``): the plan-level (service type 30) deductible and
out-of-pocket maximum, individual and family, with what is met; per category the copay,
coinsurance, non-covered flag and visit limit of its service type, else of medical care (1),
else of the plan (30). Office-visit rows carrying a "PRIMARY CARE" or "SPECIALIST" message
apply to that kind of visit only. A coinsurance applies after the deductible unless a message
says the deductible does not apply; a copay alone is not subject to the deductible.

From the plan's design (``build_design_benefits``): the copays of the plan's four visit kinds
(copay only, no deductible), the plan's coinsurance after the deductible for everything else,
the deductible and out-of-pocket maximum with nothing met (the design does not know what the
member has spent: the estimate says so), in network only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from finclear.codes.service_types import PLAN_COVERAGE, service_type_for, service_type_name
from finclear.rules.benefits import (
    Amounts,
    BenefitKind,
    BenefitRow,
    ServiceBenefits,
    summarize_benefits,
)
from finclear.rules.estimator import (
    Accumulator,
    Benefits,
    CategoryBenefit,
    Network,
    TierAccumulators,
)
from finclear.rules.money import ZERO

PRIMARY_CARE = "office_primary_care"
SPECIALIST = "office_specialist"
PREVENTIVE = "preventive"
EMERGENCY = "86"
URGENT_CARE = "UC"
OFFICE_VISIT = "98"
MEDICAL_CARE = "1"
LABELS = {
    PRIMARY_CARE: "primary care visit",
    SPECIALIST: "specialist visit",
    PREVENTIVE: "preventive care visit",
    EMERGENCY: "emergency room visit",
    URGENT_CARE: "urgent care visit",
}
# NUCC taxonomy prefixes of primary care: family medicine, internal medicine, general
# practice, pediatrics, family and primary care nurse practitioners, primary care clinics.
PRIMARY_CARE_TAXONOMIES = ("207Q", "207R00000X", "208D", "208000000X", "363LF", "363LP", "261QP")
PREVENTIVE_CODES = ("99381", "99397")
SCOPE_WORDS = {PRIMARY_CARE: "PRIMARY CARE", SPECIALIST: "SPECIALIST"}
NO_DEDUCTIBLE = re.compile(r"DEDUCTIBLE (DOES NOT APPLY|WAIVED|NOT APPLICABLE)", re.I)
VISITS = re.compile(r"(\d+)\s+VISITS?\b", re.I)


def is_primary_care(taxonomy: str) -> bool:
    return taxonomy.upper().startswith(PRIMARY_CARE_TAXONOMIES)


@functools.lru_cache(maxsize=8192)
def category_of(code: str, place_of_service: str = "", primary_care: bool = False) -> str:
    """The service category of a line: its service type, office visits split, preventive apart.

    Kept per arguments: a batch's lines repeat a few codes, each matched against every range
    of the service type table."""
    code = code.strip().upper()
    if PREVENTIVE_CODES[0] <= code <= PREVENTIVE_CODES[1] and code.isdigit():
        return PREVENTIVE
    service_type = service_type_for(code)
    if place_of_service == "23" or service_type == EMERGENCY:
        return EMERGENCY
    if service_type == OFFICE_VISIT:
        if place_of_service == "20":
            return URGENT_CARE
        return PRIMARY_CARE if primary_care else SPECIALIST
    return service_type


def label_of(category: str) -> str:
    label = LABELS.get(category)
    if label is not None:
        return label
    name = service_type_name(category)
    return f"{name.lower()} service" if name != category else "service"


@dataclass(frozen=True, slots=True)
class PlanDesign:
    """A plan's benefit design as the payers app holds it (None: not known)."""

    name: str
    deductible_individual: Decimal | None = None
    deductible_family: Decimal | None = None
    oop_max_individual: Decimal | None = None
    oop_max_family: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    copay_primary_care: Decimal | None = None
    copay_specialist: Decimal | None = None
    copay_er: Decimal | None = None
    copay_urgent_care: Decimal | None = None


def _accumulator(limit: Decimal | None, met: Decimal = ZERO) -> Accumulator | None:
    return None if limit is None else Accumulator(limit, min(met, limit))


def _design_copay(design: PlanDesign, category: str) -> Decimal | None:
    return {
        PRIMARY_CARE: design.copay_primary_care,
        SPECIALIST: design.copay_specialist,
        EMERGENCY: design.copay_er,
        URGENT_CARE: design.copay_urgent_care,
    }.get(category)


def build_design_category(design: PlanDesign, category: str) -> CategoryBenefit:
    label = label_of(category)
    if category == PREVENTIVE:
        return CategoryBenefit(category, label, deductible_applies=False)
    copay = _design_copay(design, category)
    if copay is not None and copay > 0:
        return CategoryBenefit(category, label, copay=copay, deductible_applies=False)
    return CategoryBenefit(
        category, label, coinsurance_percent=design.coinsurance_percent or Decimal(0)
    )


def build_design_benefits(design: PlanDesign, categories: Iterable[str]) -> Benefits:
    """In-network benefits from the plan's design, nothing met so far."""
    return Benefits(
        categories=tuple(build_design_category(design, c) for c in dict.fromkeys(categories)),
        in_network=TierAccumulators(
            deductible=_accumulator(design.deductible_individual),
            out_of_pocket=_accumulator(design.oop_max_individual),
            family_deductible=_accumulator(design.deductible_family),
            family_out_of_pocket=_accumulator(design.oop_max_family),
        ),
        plan_name=design.name,
    )


def _from_amounts(amounts: Amounts) -> Accumulator | None:
    if amounts.total is not None:
        met = amounts.met if amounts.met is not None else ZERO
        return Accumulator(amounts.total, min(met, amounts.total))
    if amounts.remaining is not None:
        return Accumulator(amounts.remaining)
    return None


def _plan_lines(rows: Sequence[BenefitRow]) -> tuple[ServiceBenefits, ...]:
    """The summary lines of the plan coverage rows (service type 30), every network."""
    return summarize_benefits(r for r in rows if r.service_type == PLAN_COVERAGE)


def _tier(
    rows: Sequence[BenefitRow],
    network: str,
    plan_lines: tuple[ServiceBenefits, ...] | None = None,
) -> TierAccumulators | None:
    """The plan's accumulators in a network tier: its service type 30 line's amounts.

    Only the plan coverage rows are summarized: a (service type, network) line is made from
    its own rows alone, in the same order, so the others (most of a 271) change nothing.
    ``plan_lines``: ``_plan_lines(rows)`` when the caller has it (both tiers read it).
    """
    networks = (network, "") if network == "in" else (network,)
    lines = _plan_lines(rows) if plan_lines is None else plan_lines
    plan = next((s for s in lines if s.network in networks), None)
    if plan is None:
        return None
    tier = TierAccumulators(
        deductible=_from_amounts(plan.deductible),
        out_of_pocket=_from_amounts(plan.out_of_pocket),
        family_deductible=_from_amounts(plan.family_deductible),
        family_out_of_pocket=_from_amounts(plan.family_out_of_pocket),
    )
    return tier if tier != TierAccumulators() else None


def _rows_for(rows: Sequence[BenefitRow], category: str, network: str) -> list[BenefitRow]:
    """The cost-share rows of a category in a network tier, by the fallback chain."""
    if category in SCOPE_WORDS:
        chain: tuple[str, ...] = (OFFICE_VISIT, MEDICAL_CARE, PLAN_COVERAGE)
    else:
        chain = (category, MEDICAL_CARE, PLAN_COVERAGE)
    kinds = (
        BenefitKind.COPAY,
        BenefitKind.COINSURANCE,
        BenefitKind.NON_COVERED,
        BenefitKind.LIMITATION,
    )
    for service_type in chain:
        found = [
            r
            for r in rows
            if r.service_type == service_type
            and r.kind in kinds
            and r.network in (network, "any", "")
        ]
        if service_type == OFFICE_VISIT and category in SCOPE_WORDS:
            found = [r for r in found if _scope_fits(r, category)]
        if found:
            return found
    return []


def _scope_fits(row: BenefitRow, category: str) -> bool:
    text = " ".join(row.messages).upper()
    scoped = [c for c, word in SCOPE_WORDS.items() if word in text]
    return not scoped or category in scoped


def _visit_limit(rows: Sequence[BenefitRow]) -> tuple[int | None, int]:
    limit: int | None = None
    remaining: int | None = None
    for row in rows:
        if row.kind is not BenefitKind.LIMITATION:
            continue
        count: int | None = int(row.quantity) if row.quantity is not None else None
        if count is None:
            match = next((m for m in map(VISITS.search, row.messages) if m), None)
            count = int(match.group(1)) if match else None
        if count is None:
            continue
        if row.is_remaining:
            remaining = count
        elif limit is None:
            limit = count
    if limit is None:
        return None, 0
    used = limit - remaining if remaining is not None else 0
    return limit, max(used, 0)


def build_row_category(
    rows: Sequence[BenefitRow], category: str, network: str
) -> CategoryBenefit | None:
    label = label_of(category)
    tier = Network.IN if network == "in" else Network.OUT
    if category == PREVENTIVE and network == "in":
        return CategoryBenefit(category, label, deductible_applies=False)
    found = _rows_for(rows, category, network)
    if not found:
        return None
    if any(r.kind is BenefitKind.NON_COVERED for r in found):
        return CategoryBenefit(category, label, network=tier, covered=False)
    copays = [r.amount for r in found if r.kind is BenefitKind.COPAY and r.amount is not None]
    coins = [r for r in found if r.kind is BenefitKind.COINSURANCE and r.percent is not None]
    limit, used = _visit_limit(found)
    if not copays and not coins and limit is None:
        return None
    waived = any(NO_DEDUCTIBLE.search(m) for r in coins for m in r.messages)
    return CategoryBenefit(
        category,
        label,
        network=tier,
        copay=min(copays) if copays else ZERO,
        coinsurance_percent=min(r.percent for r in coins if r.percent is not None)
        if coins
        else Decimal(0),
        deductible_applies=bool(coins) and not waived,
        visit_limit=limit,
        visits_used=used,
    )


def build_row_benefits(
    rows: Sequence[BenefitRow], categories: Iterable[str], design: PlanDesign | None = None
) -> Benefits:
    """Benefits from a 271's rows; a category the rows say nothing about takes the design's."""
    wanted = tuple(dict.fromkeys(categories))
    plan_lines = _plan_lines(rows)
    in_tier = _tier(rows, "in", plan_lines)
    out_tier = _tier(rows, "out", plan_lines)
    found: list[CategoryBenefit] = []
    for category in wanted:
        benefit = build_row_category(rows, category, "in")
        if benefit is None and design is not None:
            benefit = build_design_category(design, category)
        if benefit is not None:
            found.append(benefit)
        if out_tier is not None:
            out = build_row_category(rows, category, "out")
            if out is not None:
                found.append(out)
    if in_tier is None and design is not None:
        in_tier = build_design_benefits(design, ()).in_network
    plan_name = next((r.plan_description for r in rows if r.plan_description), "")
    return Benefits(
        categories=tuple(found),
        in_network=in_tier or TierAccumulators(),
        out_of_network=out_tier,
        plan_name=plan_name or (design.name if design else ""),
    )
