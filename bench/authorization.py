"""How fast the authorization rules evaluate the service lines of 100,000 encounters.

The rules are the demo's (examples/auth_rules.yaml, 12 rules over 6 payers); the encounters
are synthetic, drawn with a fixed seed from the demo catalog's codes, payers and plans, 1 to 4
lines each. It prints, in one run: the rules alone (``evaluate_line``), the rules combined with
a 271's hints (``evaluate``), and, as the reference point, a bare loop that only builds the
lines' tuples. No peer library evaluates prior authorization rules, so the reference is that
loop. Run: ``.venv/bin/python bench/authorization.py [ENCOUNTERS]``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from finclear.demo.catalog import PAYERS, SERVICES
from finclear.rules.authrules import (
    EligibilityHint,
    LineFacts,
    Requirement,
    RuleSet,
    evaluate,
    evaluate_line,
    parse_rules,
)

RULES = Path(__file__).resolve().parents[1] / "examples" / "auth_rules.yaml"
PLACES = ["11", "19", "22", "23", "24"]
TYPES = ["outpatient", "outpatient", "outpatient", "inpatient", "emergency"]
DIAGNOSES = ["M5416", "I509", "I420", "E119", "J449", "M1711", "R0600", "Z0000"]


def build_lines(encounters: int, seed: int = 5) -> list[LineFacts]:
    rng = random.Random(seed)
    payers = [p for p in PAYERS if p.plans]
    codes = [s.cpt_hcpcs for s in SERVICES]
    start = date(2026, 3, 2)
    lines = []
    for _ in range(encounters):
        payer = rng.choice(payers)
        plan = rng.choice(payer.plans).code
        day = start + timedelta(days=rng.randrange(300))
        place, kind = rng.choice(PLACES), rng.choice(TYPES)
        diagnoses = tuple(rng.sample(DIAGNOSES, rng.randint(1, 3)))
        for number in range(1, rng.randint(1, 4) + 1):
            lines.append(
                LineFacts(
                    number,
                    rng.choice(codes),
                    Decimal(rng.randint(1, 8)),
                    day,
                    payer.primary_payer_id,
                    plan,
                    place,
                    kind,
                    diagnoses,
                    ("30",),
                )
            )
    return lines


def timed(label: str, lines: int, run: object) -> float:
    gc.collect()
    clock = time.perf_counter()
    result = run()  # type: ignore[operator]
    seconds = time.perf_counter() - clock
    print(f"{label:<44} {seconds:8.3f} s  {lines / seconds:12,.0f} lines/s")
    return result  # type: ignore[no-any-return]


def main() -> None:
    encounters = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rules, problems = parse_rules(RULES.read_text(encoding="utf-8"), str(RULES))
    if problems:
        raise SystemExit(problems[0].describe())
    rule_set = RuleSet(rules)
    clock = time.perf_counter()
    lines = build_lines(encounters)
    print(
        f"{encounters:,} encounters, {len(lines):,} lines, {len(rules)} rules "
        f"(built in {time.perf_counter() - clock:.1f} s)"
    )
    hints = [
        EligibilityHint(Requirement.NOT_REQUIRED, "", ("30",)),
        EligibilityHint(Requirement.REQUIRED, "70553"),
    ]
    timed(
        "reference: a loop over the lines' fields",
        len(lines),
        lambda: [(f.code, f.payer, f.plan, f.units) for f in lines],
    )
    decisions = timed(
        "finclear: rules (evaluate_line)",
        len(lines),
        lambda: [evaluate_line(rule_set, f) for f in lines],
    )
    timed(
        "finclear: rules + 271 hints (evaluate)",
        len(lines),
        lambda: evaluate(rule_set, lines, hints),
    )
    counts = Counter(d.requirement.value for d in decisions)
    print("requirements:", ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
