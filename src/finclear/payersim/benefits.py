"""The 271 benefit rows (EB) of a member, from the scenario's plan design and accumulators.

What the rows say, per CAQH CORE's eligibility data content (docs/payersim.md has the table):

* coverage status for the plan (EB03 30) and each service type asked about: active (EB01 1),
  or non-covered (I);
* the plan's deductible (C) and out-of-pocket maximum (G), individual and family, in and out
  of network (EB12 Y / N): the amount for the calendar year (EB06 23), met so far (24, year to
  date) and remaining (29). The scenario's accumulators are in-network; nothing has been met
  out of network;
* per service type and network: copay (B, per visit), coinsurance (A, EB08 a fraction: 0.2 is
  20%), visit limits (F, the count in an MSG: x12sdk 2.2.0 models EB09 as a number and cannot
  read ``EB09 VS``), prior authorization (EB11), non-covered out of network (I).

Service types the scenario's plans do not list are derived from those they do (``DERIVED``);
dental (35) is not covered by these medical plans and pharmacy (88) gets a status only, as
CORE asks for those two.
"""

from __future__ import annotations

from decimal import Decimal

from finclear.demo.scenario import NetworkLimits, ScenarioMember, ScenarioPlan, ServiceBenefit
from finclear.x12.views.eligibility import Benefit

# The CORE service types, then imaging (62 MRI/CAT scan), physical therapy and the plan's others.
CORE_SERVICE_TYPES = ("30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC")
EXTRA_SERVICE_TYPES = ("62", "PT", "2", "4", "5")
ALL_SERVICE_TYPES = CORE_SERVICE_TYPES + EXTRA_SERVICE_TYPES
# Service type -> (the plan's service type it follows, provider scope).
DERIVED: dict[str, tuple[str, str]] = {
    "33": ("98", "specialist"),  # chiropractic: a specialist visit
    "MH": ("98", "specialist"),  # mental health: parity with medical specialist care
    "AL": ("98", "specialist"),  # vision (optometry): a specialist visit
}
NOT_COVERED = frozenset({"35"})  # dental: not part of these medical plans
STATUS_ONLY = frozenset({"88"})  # pharmacy: administered apart, coverage status only
INSURANCE_TYPES: dict[str, str] = {
    "hmo": "HM",
    "ppo": "PR",
    "epo": "EP",
    "pos": "PS",
    "hdhp": "PR",
    "medicare_ffs": "MB",
    "medicare_advantage": "HN",
    "medicaid_managed": "MC",
    "workers_comp": "WC",
}
SCOPE_MESSAGES = {"primary_care": "PRIMARY CARE PROVIDER", "specialist": "SPECIALIST"}
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def insurance_type(plan: ScenarioPlan) -> str:
    return INSURANCE_TYPES.get(plan.product, "C1")


def coverage_level(member: ScenarioMember, family: list[ScenarioMember]) -> str:
    return "FAM" if len(family) > 1 else "IND"


def build_inactive(member: ScenarioMember, plan: ScenarioPlan) -> tuple[Benefit, ...]:
    return (Benefit("6", "IND", ("30",), insurance_type(plan), plan.name),)


def build_benefits(
    member: ScenarioMember,
    plan: ScenarioPlan,
    family: list[ScenarioMember],
    service_types: tuple[str, ...] = ALL_SERVICE_TYPES,
    *,
    service_rows: tuple[Benefit, ...] | None = None,
) -> tuple[Benefit, ...]:
    """Every EB row of an active member for these service types (30 always comes first).

    ``service_rows``: ``build_service_rows(plan, service_types)``, for a caller that keeps them
    (they depend on the plan alone; only the first row and the accumulators are the member's).
    """
    ins = insurance_type(plan)
    rows = [Benefit("1", coverage_level(member, family), ("30",), ins, plan.name)]
    rows.extend(_accumulators(member, plan))
    rows.extend(build_service_rows(plan, service_types) if service_rows is None else service_rows)
    return tuple(rows)


def build_service_rows(
    plan: ScenarioPlan, service_types: tuple[str, ...] = ALL_SERVICE_TYPES
) -> tuple[Benefit, ...]:
    """The plan's rows for each service type but 30 (status, cost shares, limits)."""
    by_type: dict[tuple[str, str], list[ServiceBenefit]] = {}
    for benefit in plan.benefits:
        by_type.setdefault((benefit.service_type, benefit.network), []).append(benefit)
    rows: list[Benefit] = []
    for code in service_types:
        if code != "30":
            rows.extend(_service_rows(code, plan, by_type))
    return tuple(rows)


def _accumulators(member: ScenarioMember, plan: ScenarioPlan) -> list[Benefit]:
    acc = member.accumulators
    rows: list[Benefit] = []
    tiers: list[tuple[str, NetworkLimits, bool]] = [("Y", plan.in_network, True)]
    if plan.out_of_network is not None:
        tiers.append(("N", plan.out_of_network, False))
    for network, limits, in_network in tiers:
        family = limits.deductible_family != limits.deductible_individual
        for code, individual, family_limit, met, family_met in (
            (
                "C",
                limits.deductible_individual,
                limits.deductible_family,
                acc.deductible_met,
                acc.family_deductible_met,
            ),
            (
                "G",
                limits.oop_max_individual,
                limits.oop_max_family,
                acc.oop_met,
                acc.family_oop_met,
            ),
        ):
            levels = [("IND", individual, met)]
            if family:
                levels.append(("FAM", family_limit, family_met))
            for level, limit, met_so_far in levels:
                if limit is None:
                    continue  # no out-of-pocket maximum (Medicare Part B)
                met_here = min(met_so_far, limit) if in_network else ZERO
                for period, amount in (("23", limit), ("24", met_here), ("29", limit - met_here)):
                    rows.append(
                        Benefit(
                            code,
                            level,
                            ("30",),
                            time_period=period,
                            amount=amount,
                            in_plan_network=network,
                        )
                    )
    return rows


def _service_rows(
    code: str, plan: ScenarioPlan, by_type: dict[tuple[str, str], list[ServiceBenefit]]
) -> list[Benefit]:
    if code in NOT_COVERED:
        return [Benefit("I", "", (code,))]
    if code in STATUS_ONLY:
        return [Benefit("1", "", (code,))]
    source, scope = DERIVED.get(code, (code, ""))
    in_rows = _design(by_type, source, "in", scope)
    if not in_rows:
        return [Benefit("I", "", (code,))]
    auth = "Y" if any(b.authorization_required for b in in_rows) else "N"
    rows = [Benefit("1", "", (code,), authorization_required=auth)]
    for network, flag in (("in", "Y"), ("out", "N")):
        for design in _design(by_type, source, network, scope):
            rows.extend(_cost_share(code, design, flag))
    return rows


def _design(
    by_type: dict[tuple[str, str], list[ServiceBenefit]], source: str, network: str, scope: str
) -> list[ServiceBenefit]:
    found = by_type.get((source, network), [])
    if scope:
        found = [b for b in found if b.provider_scope == scope]
    return found


def _cost_share(code: str, design: ServiceBenefit, network: str) -> list[Benefit]:
    types = (code,)
    messages = (
        (SCOPE_MESSAGES[design.provider_scope],)
        if code == "98" and design.provider_scope in SCOPE_MESSAGES
        else ()
    )
    if not design.covered:
        return [Benefit("I", "", types, in_plan_network=network, messages=messages)]
    auth = "Y" if design.authorization_required else ""
    rows: list[Benefit] = []
    if design.copay is not None:
        rows.append(
            Benefit(
                "B",
                "",
                types,
                time_period="27",
                amount=design.copay,
                authorization_required=auth,
                in_plan_network=network,
                messages=messages,
            )
        )
    if design.coinsurance_percent is not None:
        rows.append(
            Benefit(
                "A",
                "",
                types,
                time_period="27",
                percent=design.coinsurance_percent / HUNDRED,
                authorization_required=auth,
                in_plan_network=network,
                messages=messages + (("DEDUCTIBLE APPLIES",) if design.deductible_applies else ()),
            )
        )
    if design.visit_limit is not None:
        rows.append(
            Benefit(
                "F",
                "",
                types,
                time_period="23",
                in_plan_network=network,
                messages=(f"{design.visit_limit} VISITS PER CALENDAR YEAR",),
            )
        )
    return rows
