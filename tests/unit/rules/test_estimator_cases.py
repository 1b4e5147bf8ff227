"""Estimator cases worked out by hand; each case's comment shows the arithmetic.

The base plan (``base_plan``), unless a case says otherwise: in network, a $1,000
individual deductible (nothing met) and a $5,000 OOP maximum (nothing met); copays count
toward the OOP maximum and not toward the deductible. Categories:

- primary care visit: $25 copay, no deductible, no coinsurance
- specialist visit: $40 copay, no deductible, no coinsurance
- preventive: nothing (no copay, no deductible)
- surgery, imaging: deductible, then 20% coinsurance
- emergency room: $250 copay, then deductible, then 20%
- lab: deductible, then 0%
- physical therapy: $30 copay, no deductible, 20 visits a year
- cosmetic: not covered
Out of network: a $2,000 deductible and a $10,000 OOP maximum; surgery and imaging at 40%.

Expected values per line: allowed, copay, deductible, coinsurance, non_covered, plan_pays,
secondary_pays (None for allowed: the line could not be estimated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from finclear.rules.estimator import (
    Accumulator,
    Benefits,
    CategoryBenefit,
    CobMethod,
    EstimateLine,
    LineStatus,
    Network,
    SecondaryCoverage,
    TierAccumulators,
    estimate,
)
from finclear.rules.pricing import BaseSchedule, FeeSchedule, StayLine, price_stay

D = Decimal
DOS = dt.date(2026, 3, 10)


def cat(category: str, label: str, **kw: object) -> CategoryBenefit:
    return CategoryBenefit(category=category, label=label, **kw)  # type: ignore[arg-type]


IN_CATEGORIES = (
    cat("pcp", "primary care visit", copay=D(25), deductible_applies=False),
    cat("specialist", "specialist visit", copay=D(40), deductible_applies=False),
    cat("preventive", "preventive care", deductible_applies=False),
    cat("surgery", "surgery", coinsurance_percent=D(20)),
    cat("imaging", "imaging", coinsurance_percent=D(20)),
    cat("er", "emergency room", copay=D(250), coinsurance_percent=D(20)),
    cat("lab", "lab test"),
    cat("pt", "physical therapy", copay=D(30), deductible_applies=False, visit_limit=20),
    cat("cosmetic", "cosmetic procedure", covered=False),
)
OUT_CATEGORIES = (
    cat("surgery", "surgery", network=Network.OUT, coinsurance_percent=D(40)),
    cat("imaging", "imaging", network=Network.OUT, coinsurance_percent=D(40)),
)


def tier(
    ded: str | None = "1000",
    ded_met: str = "0",
    oop: str | None = "5000",
    oop_met: str = "0",
    fam_ded: tuple[str, str] | None = None,
    fam_oop: tuple[str, str] | None = None,
    ded_embedded: bool = True,
    oop_embedded: bool = True,
) -> TierAccumulators:
    return TierAccumulators(
        deductible=Accumulator(D(ded), D(ded_met)) if ded is not None else None,
        out_of_pocket=Accumulator(D(oop), D(oop_met)) if oop is not None else None,
        family_deductible=Accumulator(D(fam_ded[0]), D(fam_ded[1])) if fam_ded else None,
        family_out_of_pocket=Accumulator(D(fam_oop[0]), D(fam_oop[1])) if fam_oop else None,
        deductible_embedded=ded_embedded,
        oop_embedded=oop_embedded,
    )


def base_plan(**kw: object) -> Benefits:
    values: dict[str, object] = {
        "categories": IN_CATEGORIES + OUT_CATEGORIES,
        "in_network": tier(),
        "out_of_network": tier("2000", "0", "10000", "0"),
    }
    values.update(kw)
    return Benefits(**values)  # type: ignore[arg-type]


def line(
    category: str,
    allowed: str | None,
    charge: str | None = None,
    code: str = "X0001",
    **kw: object,
) -> EstimateLine:
    return EstimateLine(
        code=code,
        units=D(kw.pop("units", "1")),  # type: ignore[arg-type]
        charge=D(charge) if charge is not None else D(allowed or "0"),
        category=category,
        service_date=kw.pop("service_date", DOS),  # type: ignore[arg-type]
        allowed=D(allowed) if allowed is not None else None,
        **kw,  # type: ignore[arg-type]
    )


CONTRACT = (
    FeeSchedule(
        name="ACME PPO 2026",
        effective_from=dt.date(2026, 1, 1),
        effective_to=dt.date(2026, 12, 31),
        rates={"15823": D("2000.00"), "97110": D("35.00"), "99214": D("180.00")},
        base=BaseSchedule("Medicare PFS 2026", {"99213": D("100.00")}),
        base_percent=D(120),
    ),
)
CHARGES_CONTRACT = (
    FeeSchedule(
        name="ACME 60% of charges", effective_from=dt.date(2026, 1, 1), charges_percent=D(60)
    ),
)

SECONDARY_PLAN = Benefits(
    categories=(
        cat("surgery", "surgery", coinsurance_percent=D(10)),
        cat("specialist", "specialist visit", copay=D(20), deductible_applies=False),
    ),
    in_network=tier("500", "0", "3000", "0"),
)

Row = tuple[str | None, str, str, str, str, str, str]

# (id, benefits, lines, contract, secondary, expected rows)
CASES: list[
    tuple[
        str,
        Benefits,
        list[EstimateLine],
        tuple[FeeSchedule, ...],
        SecondaryCoverage | None,
        list[Row],
    ]
] = [
    # 1. Primary care visit, allowed $100: the $25 copay, no deductible; plan pays 100 - 25 = 75.
    (
        "pcp copay",
        base_plan(),
        [line("pcp", "100")],
        (),
        None,
        [("100", "25", "0", "0", "0", "75", "0")],
    ),
    # 2. Specialist, allowed $180: $40 copay; plan 180 - 40 = 140.
    (
        "specialist copay",
        base_plan(),
        [line("specialist", "180")],
        (),
        None,
        [("180", "40", "0", "0", "0", "140", "0")],
    ),
    # 3. PCP allowed $20 is less than the $25 copay: the patient pays the allowed $20, plan 0.
    (
        "copay above allowed",
        base_plan(),
        [line("pcp", "20")],
        (),
        None,
        [("20", "20", "0", "0", "0", "0", "0")],
    ),
    # 4. Preventive, allowed $250: exempt from the deductible, no copay or coinsurance: plan 250.
    (
        "preventive free",
        base_plan(),
        [line("preventive", "250")],
        (),
        None,
        [("250", "0", "0", "0", "0", "250", "0")],
    ),
    # 5. Surgery $3,000: deductible takes 1,000; 20% of the remaining 2,000 = 400; plan 1,600.
    (
        "surgery deductible then coinsurance",
        base_plan(),
        [line("surgery", "3000")],
        (),
        None,
        [("3000", "0", "1000", "400", "0", "1600", "0")],
    ),
    # 6. Surgery $500 with $1,000 deductible left: all 500 to the deductible, plan 0.
    (
        "all to deductible",
        base_plan(),
        [line("surgery", "500")],
        (),
        None,
        [("500", "0", "500", "0", "0", "0", "0")],
    ),
    # 7. $800 of the deductible met, $200 left; surgery $1,200: 200 deductible (met partway
    #    through the line), 20% of 1,000 = 200 coinsurance, plan 800.
    (
        "deductible met partway",
        base_plan(in_network=tier(ded_met="800")),
        [line("surgery", "1200")],
        (),
        None,
        [("1200", "0", "200", "200", "0", "800", "0")],
    ),
    # 8. Deductible already met; imaging $400: 20% = 80, plan 320.
    (
        "deductible already met",
        base_plan(in_network=tier(ded_met="1000")),
        [line("imaging", "400")],
        (),
        None,
        [("400", "0", "0", "80", "0", "320", "0")],
    ),
    # 9. Two imaging lines of $600 with $1,000 left: line 1 all 600 to the deductible; line 2
    #    takes the last 400, then 20% of 200 = 40, plan 160 (running accumulator).
    (
        "deductible runs across lines",
        base_plan(),
        [line("imaging", "600"), line("imaging", "600")],
        (),
        None,
        [("600", "0", "600", "0", "0", "0", "0"), ("600", "0", "400", "40", "0", "160", "0")],
    ),
    # 10. Deductible met, $300 of the OOP max left; surgery $5,000: 20% = 1,000, capped at 300;
    #     plan 4,700.
    (
        "coinsurance capped by OOP",
        base_plan(in_network=tier(ded_met="1000", oop_met="4700")),
        [line("surgery", "5000")],
        (),
        None,
        [("5000", "0", "0", "300", "0", "4700", "0")],
    ),
    # 11. OOP max already met: surgery $2,000 is paid in full by the plan.
    (
        "OOP already met",
        base_plan(in_network=tier(ded_met="1000", oop_met="5000")),
        [line("surgery", "2000")],
        (),
        None,
        [("2000", "0", "0", "0", "0", "2000", "0")],
    ),
    # 12. OOP met and copays count toward it: no specialist copay; plan pays the full 180.
    (
        "OOP met waives copay",
        base_plan(in_network=tier(oop_met="5000")),
        [line("specialist", "180")],
        (),
        None,
        [("180", "0", "0", "0", "0", "180", "0")],
    ),
    # 13. OOP met but this plan's copays do not count toward it: the $40 copay still applies; plan 140.
    (
        "copay outside OOP",
        base_plan(in_network=tier(oop_met="5000"), copay_counts_to_oop=False),
        [line("specialist", "180")],
        (),
        None,
        [("180", "40", "0", "0", "0", "140", "0")],
    ),
    # 14. $10 of the OOP max left: the $40 copay is reduced to 10; plan 170.
    (
        "copay reduced by OOP",
        base_plan(in_network=tier(oop_met="4990")),
        [line("specialist", "180")],
        (),
        None,
        [("180", "10", "0", "0", "0", "170", "0")],
    ),
    # 15. ER $2,000: $250 copay; deductible 1,000 of the remaining 1,750; 20% of 750 = 150;
    #     plan 2,000 - 250 - 1,000 - 150 = 600.
    (
        "ER copay deductible coinsurance",
        base_plan(),
        [line("er", "2000")],
        (),
        None,
        [("2000", "250", "1000", "150", "0", "600", "0")],
    ),
    # 16. Same with copays counting toward the deductible: 250 leaves 750 of it; deductible 750
    #     of the remaining 1,750; 20% of 1,000 = 200; plan 2,000 - 250 - 750 - 200 = 800.
    (
        "copay counts to deductible",
        base_plan(copay_counts_to_deductible=True),
        [line("er", "2000")],
        (),
        None,
        [("2000", "250", "750", "200", "0", "800", "0")],
    ),
    # 17. Embedded family deductible: individual 1,000 left, family 2,000 with 1,500 met (500
    #     left): the smaller, 500, applies. Surgery $1,000: 500 deductible, 20% of 500 = 100, plan 400.
    (
        "family embedded deductible limits",
        base_plan(in_network=tier(fam_ded=("2000", "1500"))),
        [line("surgery", "1000")],
        (),
        None,
        [("1000", "0", "500", "100", "0", "400", "0")],
    ),
    # 18. Aggregate family deductible $3,000 with 1,000 met: only the family's 2,000 left counts
    #     (the individual 1,000 does not stop it). Surgery $1,500: all 1,500 to the deductible.
    (
        "family aggregate deductible",
        base_plan(in_network=tier(fam_ded=("3000", "1000"), ded_embedded=False)),
        [line("surgery", "1500")],
        (),
        None,
        [("1500", "0", "1500", "0", "0", "0", "0")],
    ),
    # 19. Aggregate: the member met their individual 1,000 but the family has 1,000 left: 1,000
    #     deductible, 20% of 500 = 100, plan 400.
    (
        "aggregate ignores individual met",
        base_plan(in_network=tier(ded_met="1000", fam_ded=("3000", "2000"), ded_embedded=False)),
        [line("surgery", "1500")],
        (),
        None,
        [("1500", "0", "1000", "100", "0", "400", "0")],
    ),
    # 20. Same amounts, embedded: the member's own deductible is met, so none; 20% of 1,500 = 300;
    #     plan 1,200.
    (
        "embedded individual met",
        base_plan(in_network=tier(ded_met="1000", fam_ded=("3000", "2000"))),
        [line("surgery", "1500")],
        (),
        None,
        [("1500", "0", "0", "300", "0", "1200", "0")],
    ),
    # 21. Embedded family OOP: individual 1,000 left, family 200 left: 20% of 5,000 = 1,000 capped
    #     at 200; plan 4,800.
    (
        "family OOP embedded caps",
        base_plan(in_network=tier(ded_met="1000", oop_met="4000", fam_oop=("10000", "9800"))),
        [line("surgery", "5000")],
        (),
        None,
        [("5000", "0", "0", "200", "0", "4800", "0")],
    ),
    # 22. Aggregate family OOP with 3,000 left: the individual's 1,000 left does not cap it:
    #     20% of 5,000 = 1,000; plan 4,000.
    (
        "family OOP aggregate",
        base_plan(
            in_network=tier(
                ded_met="1000", oop_met="4000", fam_oop=("10000", "7000"), oop_embedded=False
            )
        ),
        [line("surgery", "5000")],
        (),
        None,
        [("5000", "0", "0", "1000", "0", "4000", "0")],
    ),
    # 23. Out of network surgery, allowed 1,000, charge 1,500: OON deductible (2,000 left) takes
    #     1,000; the provider may balance bill 500 (non-covered); plan 0; patient 1,500.
    (
        "OON deductible and balance bill",
        base_plan(),
        [line("surgery", "1000", "1500", network=Network.OUT)],
        (),
        None,
        [("1000", "0", "1000", "0", "500", "0", "0")],
    ),
    # 24. OON imaging, OON deductible met: allowed 500, 40% = 200; plan 300; balance bill
    #     800 - 500 = 300; patient 500.
    (
        "OON coinsurance and balance bill",
        base_plan(out_of_network=tier("2000", "2000", "10000", "2000")),
        [line("imaging", "500", "800", network=Network.OUT)],
        (),
        None,
        [("500", "0", "0", "200", "300", "300", "0")],
    ),
    # 25. HMO without out-of-network benefits: the full 800 charge is owed, allowed 0.
    (
        "no OON benefits",
        base_plan(out_of_network=None),
        [line("imaging", "500", "800", network=Network.OUT)],
        (),
        None,
        [("0", "0", "0", "0", "800", "0", "0")],
    ),
    # 26. OON emergency protected by the No Surprises Act: in-network ER cost sharing on the
    #     1,000 allowed: 250 copay, 750 deductible (of 1,000 left), nothing left for coinsurance;
    #     no balance bill of the 3,000 charge; plan 0.
    (
        "surprise protected ER",
        base_plan(),
        [line("er", "1000", "3000", network=Network.OUT, surprise_protected=True)],
        (),
        None,
        [("1000", "250", "750", "0", "0", "0", "0")],
    ),
    # 27. Cosmetic (not covered) priced by the contract at 2,000 (15823): owed at the contracted
    #     rate, allowed 0.
    (
        "not covered at contract rate",
        base_plan(),
        [line("cosmetic", None, "5000", code="15823")],
        CONTRACT,
        None,
        [("0", "0", "0", "0", "2000", "0", "0")],
    ),
    # 28. Cosmetic with a code the contract does not price: the full 5,000 charge.
    (
        "not covered at charge",
        base_plan(),
        [line("cosmetic", None, "5000", code="15999")],
        CONTRACT,
        None,
        [("0", "0", "0", "0", "5000", "0", "0")],
    ),
    # 29. Physical therapy, 20 of 20 visits used: not covered, owed in full (allowed given 120).
    (
        "visit limit reached",
        base_plan(categories=(replace(IN_CATEGORIES[7], visits_used=20),)),
        [line("pt", "120")],
        (),
        None,
        [("0", "0", "0", "0", "120", "0", "0")],
    ),
    # 30. 19 of 20 used: this is the 20th, covered: $30 copay, plan 90.
    (
        "last covered visit",
        base_plan(categories=(replace(IN_CATEGORIES[7], visits_used=19),)),
        [line("pt", "120")],
        (),
        None,
        [("120", "30", "0", "0", "0", "90", "0")],
    ),
    # 31. Code not on the contract (imaging 70553): no allowed amount, the line is left out.
    (
        "unknown code",
        base_plan(),
        [line("imaging", None, "900", code="70553")],
        CONTRACT,
        None,
        [(None, "0", "0", "0", "0", "0", "0")],
    ),
    # 32. Date of service before the contract starts: no schedule in force, left out.
    (
        "no schedule in force",
        base_plan(),
        [line("specialist", None, "300", code="99214", service_date=dt.date(2025, 12, 31))],
        CONTRACT,
        None,
        [(None, "0", "0", "0", "0", "0", "0")],
    ),
    # 33. 99213 at 120% of Medicare's 100 = 120; specialist copay 40; plan 80.
    (
        "percent of Medicare",
        base_plan(),
        [line("specialist", None, "250", code="99213")],
        CONTRACT,
        None,
        [("120", "40", "0", "0", "0", "80", "0")],
    ),
    # 34. 60% of a 1,000 charge = 600 allowed; imaging: all 600 to the deductible.
    (
        "percent of charges",
        base_plan(),
        [line("imaging", None, "1000")],
        CHARGES_CONTRACT,
        None,
        [("600", "0", "600", "0", "0", "0", "0")],
    ),
    # 35. 97110 at 35 a unit x 3 units = 105; PT copay 30; plan 75.
    (
        "rate per unit",
        base_plan(),
        [line("pt", None, "300", code="97110", units="3")],
        CONTRACT,
        None,
        [("105", "30", "0", "0", "0", "75", "0")],
    ),
    # 36. A category the benefits do not list: not estimated.
    (
        "no benefit for category",
        base_plan(),
        [line("dental", "100")],
        (),
        None,
        [(None, "0", "0", "0", "0", "0", "0")],
    ),
    # 37. Standard COB: primary surgery 3,000 leaves 1,400 (1,000 + 400). The secondary as
    #     primary: 500 deductible, 10% of 2,500 = 250, it would pay 2,250; pays min(2,250, 1,400)
    #     = 1,400: the patient owes nothing.
    (
        "COB standard",
        base_plan(),
        [line("surgery", "3000")],
        (),
        SecondaryCoverage(SECONDARY_PLAN),
        [("3000", "0", "1000", "400", "0", "1600", "1400")],
    ),
    # 38. Non-duplication: 2,250 - the primary's 1,600 = 650; patient 1,400 - 650 = 750.
    (
        "COB non-duplication",
        base_plan(),
        [line("surgery", "3000")],
        (),
        SecondaryCoverage(SECONDARY_PLAN, CobMethod.NON_DUPLICATION),
        [("3000", "0", "1000", "400", "0", "1600", "650")],
    ),
    # 39. Standard COB, secondary with 2,500 of its deductible left and 20%: it would pay
    #     3,000 - 2,500 - 100 = 400; pays 400; patient 1,000.
    (
        "COB secondary liability below share",
        base_plan(),
        [line("surgery", "3000")],
        (),
        SecondaryCoverage(
            Benefits(
                categories=(cat("surgery", "surgery", coinsurance_percent=D(20)),),
                in_network=tier("2500", "0", "6000", "0"),
            )
        ),
        [("3000", "0", "1000", "400", "0", "1600", "400")],
    ),
    # 40. Specialist: primary share is the 40 copay; the secondary (20 copay) would pay 160;
    #     pays min(160, 40) = 40: never more than the primary's patient share.
    (
        "COB capped by primary share",
        base_plan(),
        [line("specialist", "180")],
        (),
        SecondaryCoverage(SECONDARY_PLAN),
        [("180", "40", "0", "0", "0", "140", "40")],
    ),
    # 41. Specialist 180 + imaging 600 + preventive 200, 1,000 deductible: 40 copay; 600 to the
    #     deductible; preventive free. Patient 640; plan 140 + 0 + 200.
    (
        "mixed encounter",
        base_plan(),
        [line("specialist", "180"), line("imaging", "600"), line("preventive", "200")],
        (),
        None,
        [
            ("180", "40", "0", "0", "0", "140", "0"),
            ("600", "0", "600", "0", "0", "0", "0"),
            ("200", "0", "0", "0", "0", "200", "0"),
        ],
    ),
    # 42. Deductible met; surgery 333.33: 20% = 66.666 -> 66.67 (half up); plan 266.66.
    (
        "coinsurance rounds half up",
        base_plan(in_network=tier(ded_met="1000")),
        [line("surgery", "333.33")],
        (),
        None,
        [("333.33", "0", "0", "66.67", "0", "266.66", "0")],
    ),
    # 43. Only 500 of the OOP max left but 1,000 of the deductible: surgery 2,000 -> deductible
    #     stops at 500 (the OOP max), no coinsurance; plan 1,500.
    (
        "OOP caps the deductible",
        base_plan(in_network=tier(oop_met="4500")),
        [line("surgery", "2000")],
        (),
        None,
        [("2000", "0", "500", "0", "0", "1500", "0")],
    ),
    # 44. Lab (deductible, then 0%) 300 with 100 of the deductible left: 100; plan 200.
    (
        "deductible then nothing",
        base_plan(in_network=tier(ded_met="900")),
        [line("lab", "300")],
        (),
        None,
        [("300", "0", "100", "0", "0", "200", "0")],
    ),
    # 45. 50 of the OOP max left, two specialist visits: copay 40 (10 left), then 10; plan 140, 170.
    (
        "copays run into the OOP max",
        base_plan(in_network=tier(oop_met="4950")),
        [line("specialist", "180"), line("specialist", "180")],
        (),
        None,
        [("180", "40", "0", "0", "0", "140", "0"), ("180", "10", "0", "0", "0", "170", "0")],
    ),
    # 46. Inpatient case rate 12,000 spread over charges 30,000 and 10,000: 9,000 and 3,000.
    #     Line 1: deductible 1,000, 20% of 8,000 = 1,600, plan 6,400. Line 2: 20% of 3,000 = 600,
    #     plan 2,400. Patient 3,200.
    (
        "inpatient case rate",
        base_plan(),
        [
            line("surgery", str(p.allowed), c)
            for p, c in zip(
                price_stay(
                    FeeSchedule(
                        name="ACME IP", effective_from=dt.date(2026, 1, 1), case_rate=D(12000)
                    ),
                    [StayLine("0110", D(30000)), StayLine("0360", D(10000))],
                    days=3,
                ),
                ("30000", "10000"),
                strict=True,
            )
        ],
        (),
        None,
        [
            ("9000.00", "0", "1000", "1600", "0", "6400", "0"),
            ("3000.00", "0", "0", "600", "0", "2400", "0"),
        ],
    ),
    # 47. No deductible and no OOP max in the plan: surgery 1,000 at 20% = 200, plan 800.
    (
        "no deductible no OOP max",
        base_plan(in_network=tier(None, "0", None, "0")),
        [line("surgery", "1000")],
        (),
        None,
        [("1000", "0", "0", "200", "0", "800", "0")],
    ),
]


@pytest.mark.parametrize(
    ("benefits", "lines", "contract", "secondary", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_estimator_case(benefits, lines, contract, secondary, expected):
    result = estimate(lines, benefits, contract, secondary=secondary)
    assert len(result.lines) == len(expected)
    for got, want in zip(result.lines, expected, strict=True):
        allowed, copay, ded, coins, non_cov, plan, second = want
        if allowed is None:
            assert got.status is not LineStatus.ESTIMATED
            assert got.allowed is None
            assert got.explanation
            continue
        assert got.status is LineStatus.ESTIMATED, got.text
        actual = (
            got.allowed,
            got.copay,
            got.deductible,
            got.coinsurance,
            got.non_covered,
            got.plan_pays,
            got.secondary_pays,
        )
        assert actual == tuple(D(v) for v in (allowed, copay, ded, coins, non_cov, plan, second)), (
            got.text
        )
        assert got.patient_total == D(copay) + D(ded) + D(coins) + D(non_cov) - D(second)


def test_at_least_forty_cases():
    assert len(CASES) >= 40


def test_totals_add_the_estimated_lines_and_leave_out_the_rest():
    lines = [
        line("specialist", None, "250", code="99213"),
        line("imaging", None, "900", code="70553"),
    ]
    result = estimate(lines, base_plan(), CONTRACT)
    assert not result.complete
    assert [x.code for x in result.not_estimated] == ["70553"]
    assert result.allowed == D("120.00")
    assert result.patient_total == D("40.00")
    assert result.plan_pays == D("80.00")
    assert "70553 is not on fee schedule ACME PPO 2026" in result.lines[1].text


def test_remaining_accumulators_after_the_encounter():
    result = estimate([line("surgery", "3000")], base_plan())
    # 1,000 deductible met; 1,400 of the 5,000 OOP max used.
    assert result.deductible_remaining == D("0.00")
    assert result.out_of_pocket_remaining == D("3600.00")


def test_explanation_reads_to_the_patient():
    result = estimate(
        [line("specialist", "180"), line("surgery", "1200")],
        base_plan(in_network=tier(ded_met="800")),
    )
    first, second = result.lines
    assert first.text.startswith(
        "Your plan allows $180 for this specialist visit. Your plan's $40 specialist visit copay applies."
    )
    assert "Your estimated share for this service is $40." in first.text
    assert (
        "$200 of it goes to the rest of your deductible, which this service meets." in second.text
    )
    assert "You pay 20% coinsurance on the remaining $1,000: $200." in second.text
    assert "Your plan pays $800." in second.text


def test_explanation_names_the_family_deductible_and_the_oop_maximum():
    result = estimate(
        [line("surgery", "1000")], base_plan(in_network=tier(fam_ded=("2000", "1500")))
    )
    assert "your family's deductible" in result.lines[0].text
    capped = estimate(
        [line("surgery", "5000")], base_plan(in_network=tier(ded_met="1000", oop_met="4700"))
    )
    assert "out-of-pocket maximum caps it at $300" in capped.lines[0].text
    assert "This reaches your out-of-pocket maximum" in capped.lines[0].text


def test_explanation_of_limits_network_and_cob():
    over = estimate(
        [line("pt", "120")], base_plan(categories=(replace(IN_CATEGORIES[7], visits_used=20),))
    )
    assert "You have used all 20 physical therapy visits" in over.lines[0].text
    oon = estimate([line("surgery", "1000", "1500", network=Network.OUT)], base_plan())
    assert "may bill you the $500 difference" in oon.lines[0].text
    cob = estimate(
        [line("surgery", "3000")], base_plan(), secondary=SecondaryCoverage(SECONDARY_PLAN)
    )
    assert (
        "Your secondary plan is expected to pay $1,400 of your $1,400 share, leaving you $0."
        in cob.lines[0].text
    )


def test_negative_accumulator_refused():
    with pytest.raises(ValueError, match="negative"):
        Accumulator(D(-1))


def test_coinsurance_out_of_range_refused():
    with pytest.raises(ValueError, match="coinsurance_percent"):
        cat("x", "x", coinsurance_percent=D(120))
