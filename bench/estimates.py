"""Estimator benchmark: patient estimates per second for synthetic encounters, pure (no database).

Builds N synthetic encounters (1 to 6 lines each, a mix of office visits, imaging, surgery,
ER, physical therapy, out-of-network and non-covered lines, priced by a contract of rates,
percent of Medicare and percent of charges) over a few benefit designs with random
accumulators, a fifth of them with secondary coverage; then times ``estimate`` over all of
them. Inputs are built before the clock starts. Not a test: the figure depends on the
machine and its load. There is no peer estimator to compare with.

    .venv/bin/python bench/estimates.py [--encounters 100000] [--seed 6]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from finclear.rules.estimator import (  # noqa: E402
    Accumulator,
    Benefits,
    CategoryBenefit,
    CobMethod,
    EstimateLine,
    Network,
    SecondaryCoverage,
    TierAccumulators,
    estimate,
)
from finclear.rules.pricing import BaseSchedule, FeeSchedule  # noqa: E402

D = Decimal
DOS = dt.date(2026, 5, 12)

# code -> (category, chargemaster charge)
SERVICES = {
    "99213": ("pcp", D("180.00")),
    "99214": ("specialist", D("260.00")),
    "99396": ("preventive", D("310.00")),
    "70553": ("imaging", D("2450.00")),
    "71046": ("imaging", D("220.00")),
    "29881": ("surgery", D("9800.00")),
    "47562": ("surgery", D("14200.00")),
    "99284": ("er", D("1650.00")),
    "97110": ("pt", D("95.00")),
    "80053": ("lab", D("48.00")),
    "15823": ("cosmetic", D("5200.00")),
}

CONTRACT = (
    FeeSchedule(
        name="Synthetic PPO 2026",
        effective_from=dt.date(2026, 1, 1),
        rates={"99213": D("105.00"), "99214": D("152.00"), "29881": D("4100.00")},
        base=BaseSchedule(
            "Medicare PFS 2026",
            {"99396": D("125.00"), "70553": D("410.00"), "71046": D("32.00"), "97110": D("30.50")},
        ),
        base_percent=D(125),
        charges_percent=D(55),
    ),
)
OON_CONTRACT = (
    FeeSchedule(
        name="Out of network 2026", effective_from=dt.date(2026, 1, 1), charges_percent=D(40)
    ),
)


def categories(copays: tuple[int, int, int], coins: int) -> tuple[CategoryBenefit, ...]:
    pcp, spec, er = (D(c) for c in copays)
    c = D(coins)
    return (
        CategoryBenefit("pcp", "primary care visit", copay=pcp, deductible_applies=False),
        CategoryBenefit("specialist", "specialist visit", copay=spec, deductible_applies=False),
        CategoryBenefit("preventive", "preventive care", deductible_applies=False),
        CategoryBenefit("imaging", "imaging", coinsurance_percent=c),
        CategoryBenefit("surgery", "surgery", coinsurance_percent=c),
        CategoryBenefit("er", "emergency room", copay=er, coinsurance_percent=c),
        CategoryBenefit(
            "pt", "physical therapy", copay=D(30), deductible_applies=False, visit_limit=20
        ),
        CategoryBenefit("lab", "lab test"),
        CategoryBenefit("cosmetic", "cosmetic procedure", covered=False),
        CategoryBenefit("imaging", "imaging", network=Network.OUT, coinsurance_percent=D(40)),
        CategoryBenefit("surgery", "surgery", network=Network.OUT, coinsurance_percent=D(40)),
    )


DESIGNS = [
    # (deductible, oop max, copays, coinsurance, family?)
    (1000, 5000, (25, 40, 250), 20, False),
    (3000, 7000, (30, 60, 350), 30, True),
    (500, 3000, (20, 35, 150), 10, False),
    (6000, 8000, (0, 0, 0), 0, True),
]


def build_benefits(rng: random.Random) -> Benefits:
    ded, oop, copays, coins, family = rng.choice(DESIGNS)
    ded_met = D(rng.randrange(0, ded + 1))
    oop_met = min(D(oop), ded_met + D(rng.randrange(0, oop // 2)))
    in_network = TierAccumulators(
        deductible=Accumulator(D(ded), ded_met),
        out_of_pocket=Accumulator(D(oop), oop_met),
        family_deductible=Accumulator(D(ded * 2), ded_met + D(rng.randrange(0, ded)))
        if family
        else None,
        family_out_of_pocket=Accumulator(D(oop * 2), oop_met) if family else None,
        deductible_embedded=rng.random() < 0.7,
    )
    out_of_network = (
        TierAccumulators(Accumulator(D(ded * 2)), Accumulator(D(oop * 2)))
        if rng.random() < 0.7
        else None
    )
    cats = categories(copays, coins)
    if rng.random() < 0.1:
        pt = cats[6]
        cats = (
            *cats[:6],
            CategoryBenefit(
                pt.category,
                pt.label,
                copay=pt.copay,
                deductible_applies=False,
                visit_limit=20,
                visits_used=rng.randrange(0, 25),
            ),
            *cats[7:],
        )
    return Benefits(categories=cats, in_network=in_network, out_of_network=out_of_network)


def build_encounter(rng: random.Random) -> list[EstimateLine]:
    lines = []
    for number in range(1, rng.randint(1, 6) + 1):
        code = rng.choice(list(SERVICES))
        category, charge = SERVICES[code]
        units = D(rng.randint(1, 4)) if category == "pt" else D(1)
        network = Network.OUT if rng.random() < 0.08 else Network.IN
        lines.append(
            EstimateLine(
                code=code,
                units=units,
                charge=charge * units,
                category=category,
                service_date=DOS,
                network=network,
                surprise_protected=network is Network.OUT and category == "er",
                line_number=number,
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    secondary_plan = SecondaryCoverage(
        Benefits(
            categories=categories((20, 30, 100), 10),
            in_network=TierAccumulators(Accumulator(D(500)), Accumulator(D(4000))),
        ),
        CobMethod.STANDARD,
    )
    work = [
        (build_encounter(rng), build_benefits(rng), secondary_plan if rng.random() < 0.2 else None)
        for _ in range(args.encounters)
    ]
    line_count = sum(len(lines) for lines, _, _ in work)
    started = time.perf_counter()
    patient_total = D(0)
    for lines, benefits, secondary in work:
        result = estimate(
            lines, benefits, CONTRACT, out_of_network_contract=OON_CONTRACT, secondary=secondary
        )
        patient_total += result.patient_total
    elapsed = time.perf_counter() - started
    print(
        f"{'contender':<24}{'encounters':>12}{'lines':>10}{'seconds':>10}{'estimates/s':>14}{'lines/s':>12}"
    )
    print(
        f"{'finclear.rules':<24}{args.encounters:>12,}{line_count:>10,}{elapsed:>10.2f}"
        f"{args.encounters / elapsed:>14,.0f}{line_count / elapsed:>12,.0f}"
    )
    print(f"(sum of the patients' estimated shares: ${patient_total:,.2f})")


if __name__ == "__main__":
    main()
