"""Authorization rules: ranges, effective dates, plan overrides, 271 hints, coverage matching,
and the rules file format (YAML and CSV) with its errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.authrules import (
    ApprovedService,
    AuthorizationFacts,
    AuthRule,
    CodeRange,
    EligibilityHint,
    LineFacts,
    Requirement,
    RuleSet,
    build_hints,
    check_coverage,
    combine,
    evaluate,
    evaluate_line,
    parse_rules,
)
from finclear.x12.views.common import Procedure
from finclear.x12.views.eligibility import Benefit

DOS = date(2026, 3, 10)
ACME = "60054"


def rule(rule_id: str, **fields: object) -> AuthRule:
    base: dict[str, object] = {
        "rule_id": rule_id,
        "payer": ACME,
        "effective": date(2026, 1, 1),
        "source": "ACME PA list 2026-01",
    }
    base.update(fields)
    return AuthRule(**base)  # type: ignore[arg-type]


def line(code: str = "70553", **fields: object) -> LineFacts:
    base: dict[str, object] = {
        "line_number": 1,
        "code": code,
        "units": Decimal(1),
        "date_of_service": DOS,
        "payer": ACME,
        "plan": "PPO1",
        "place_of_service": "22",
        "encounter_type": "outpatient",
        "diagnoses": ("M5416",),
    }
    base.update(fields)
    return LineFacts(**base)  # type: ignore[arg-type]


MRI = rule("MRI", ranges=(CodeRange("70551", "70553"),))


def test_a_range_matches_its_ends_and_inside_only() -> None:
    rules = RuleSet([MRI])
    for code in ("70551", "70552", "70553"):
        assert evaluate_line(rules, line(code)).requirement is Requirement.REQUIRED
    for code in ("70550", "70554", "7055", "J0702"):
        decision = evaluate_line(rules, line(code))
        assert decision.requirement is Requirement.NOT_REQUIRED
        assert decision.rule is None


def test_hcpcs_ranges_compare_letter_codes() -> None:
    drugs = rule("DRUGS", ranges=(CodeRange("J0120", "J9999"),))
    rules = RuleSet([drugs])
    assert evaluate_line(rules, line("J1745")).rule == drugs
    assert evaluate_line(rules, line("K0001")).rule is None
    assert evaluate_line(rules, line("99213")).rule is None


@given(
    first=st.integers(10000, 99999),
    size=st.integers(0, 500),
    probe=st.integers(10000, 99999),
)
def test_range_membership_is_numeric_order_for_cpt_codes(first: int, size: int, probe: int) -> None:
    last = min(first + size, 99999)
    assert (str(probe) in CodeRange(str(first), str(last))) == (first <= probe <= last)


def test_effective_dates_bound_a_rule_inclusively() -> None:
    dated = rule(
        "DATED", codes=frozenset({"70553"}), effective=date(2026, 3, 1), expires=date(2026, 3, 31)
    )
    rules = RuleSet([dated])
    for day, expected in [
        (date(2026, 2, 28), None),
        (date(2026, 3, 1), dated),
        (date(2026, 3, 31), dated),
        (date(2026, 4, 1), None),
    ]:
        assert evaluate_line(rules, line(date_of_service=day)).rule == expected, day


def test_a_new_version_of_a_rule_takes_over_on_its_date() -> None:
    old = rule("OLD", codes=frozenset({"97110"}), min_units=Decimal(12), expires=date(2026, 6, 30))
    new = rule("NEW", codes=frozenset({"97110"}), min_units=Decimal(8), effective=date(2026, 7, 1))
    rules = RuleSet([old, new])
    ten = Decimal(10)
    assert evaluate_line(rules, line("97110", units=ten)).requirement is Requirement.NOT_REQUIRED
    july = line("97110", units=ten, date_of_service=date(2026, 7, 2))
    assert evaluate_line(rules, july).rule == new


def test_plan_level_rule_overrides_the_payer_level() -> None:
    payer_wide = rule("PAYER-MRI", ranges=(CodeRange("70551", "70553"),))
    plan_exempt = rule("PPO1-MRI", plan="PPO1", codes=frozenset({"70553"}), requires=False)
    rules = RuleSet([payer_wide, plan_exempt])
    on_plan = evaluate_line(rules, line("70553"))
    assert on_plan.requirement is Requirement.NOT_REQUIRED
    assert on_plan.rule == plan_exempt
    other_plan = evaluate_line(rules, line("70553", plan="HMO2"))
    assert other_plan.rule == payer_wide
    assert other_plan.requirement is Requirement.REQUIRED
    # The plan rule does not cover 70551: the payer-level rule still decides it on PPO1.
    assert evaluate_line(rules, line("70551")).rule == payer_wide


def test_plan_override_holds_even_when_the_payer_rule_is_more_specific() -> None:
    payer_rule = rule(
        "PAYER",
        codes=frozenset({"70553"}),
        places_of_service=frozenset({"22"}),
        min_units=Decimal(1),
    )
    plan_rule = rule("PLAN", plan="PPO1", ranges=(CodeRange("70000", "79999"),), requires=False)
    assert evaluate_line(RuleSet([payer_rule, plan_rule]), line()).rule == plan_rule


def test_the_most_specific_rule_wins_within_a_level() -> None:
    broad = rule("BROAD", ranges=(CodeRange("70000", "79999"),))
    exempt_office = rule(
        "OFFICE", codes=frozenset({"70553"}), places_of_service=frozenset({"11"}), requires=False
    )
    rules = RuleSet([broad, exempt_office])
    assert evaluate_line(rules, line(place_of_service="11")).rule == exempt_office
    assert evaluate_line(rules, line(place_of_service="22")).rule == broad


def test_a_tie_goes_to_the_requirement() -> None:
    a = rule("A", codes=frozenset({"70553"}), requires=False)
    b = rule("B", codes=frozenset({"70553"}))
    assert evaluate_line(RuleSet([a, b]), line()).requirement is Requirement.REQUIRED


@pytest.mark.parametrize(
    ("condition", "matching", "other"),
    [
        (
            {"places_of_service": frozenset({"22"})},
            {"place_of_service": "22"},
            {"place_of_service": "11"},
        ),
        (
            {"encounter_types": frozenset({"inpatient"})},
            {"encounter_type": "inpatient"},
            {"encounter_type": "outpatient"},
        ),
        ({"diagnoses": ("M54",)}, {"diagnoses": ("E119", "M5416")}, {"diagnoses": ("E119",)}),
        ({"min_units": Decimal(12)}, {"units": Decimal(12)}, {"units": Decimal("11.5")}),
    ],
    ids=["pos", "encounter-type", "diagnosis-prefix", "units-threshold"],
)
def test_each_condition_narrows_a_rule(
    condition: dict[str, object], matching: dict[str, object], other: dict[str, object]
) -> None:
    narrowed = rule("N", codes=frozenset({"97110"}), **condition)
    rules = RuleSet([narrowed])
    assert evaluate_line(rules, line("97110", **matching)).rule == narrowed
    assert evaluate_line(rules, line("97110", **other)).rule is None


def test_a_payer_without_rules_is_unknown_and_the_decision_says_why() -> None:
    decision = evaluate_line(RuleSet([MRI]), line(payer="99999"))
    assert decision.requirement is Requirement.UNKNOWN
    assert "99999" in decision.reason
    required = evaluate_line(RuleSet([MRI]), line())
    assert "MRI" in required.reason and "ACME PA list 2026-01" in required.reason


# -- the 271's hints ----------------------------------------------------------------------------


def test_build_hints_reads_eb11_and_authorization_messages() -> None:
    benefits = [
        Benefit("1", service_types=("30",), authorization_required="N"),
        Benefit("1", procedure=Procedure("HC", "70553"), authorization_required="Y"),
        Benefit("B", service_types=("AL",), messages=("PRIOR AUTHORIZATION REQUIRED FOR MRI",)),
        Benefit("B", service_types=("98",), messages=("COPAY APPLIES",)),
    ]
    hints = build_hints(benefits)
    assert hints == [
        EligibilityHint(Requirement.NOT_REQUIRED, "", ("30",)),
        EligibilityHint(Requirement.REQUIRED, "70553", ()),
        EligibilityHint(Requirement.UNKNOWN, "", ("AL",), "PRIOR AUTHORIZATION REQUIRED FOR MRI"),
    ]


def test_a_271_requirement_beats_a_rule_exemption() -> None:
    exempt = rule("EXEMPT", codes=frozenset({"70553"}), requires=False)
    hint = EligibilityHint(Requirement.REQUIRED, "70553")
    (decision,) = evaluate(RuleSet([exempt]), [line()], [hint])
    assert decision.requirement is Requirement.REQUIRED
    assert decision.hint == hint and decision.rule == exempt
    assert "271" in decision.reason


def test_a_rule_beats_a_271_not_required() -> None:
    hint = EligibilityHint(Requirement.NOT_REQUIRED, "", ("30",))
    (decision,) = evaluate(RuleSet([MRI]), [line(service_types=("30",))], [hint])
    assert decision.requirement is Requirement.REQUIRED and decision.rule == MRI


def test_with_no_rule_the_271_decides_and_a_specific_hint_beats_a_general_one() -> None:
    hints = [
        EligibilityHint(Requirement.UNKNOWN, "", ("30",)),
        EligibilityHint(Requirement.NOT_REQUIRED, "99213"),
    ]
    office, mri = evaluate(
        RuleSet([]),
        [line("99213", service_types=("30",)), line("70553", service_types=("30",))],
        hints,
    )
    assert office.requirement is Requirement.NOT_REQUIRED
    assert mri.requirement is Requirement.UNKNOWN


def test_an_authorization_message_makes_an_unmatched_line_unknown() -> None:
    hint = EligibilityHint(Requirement.UNKNOWN, "", (), "PRE-CERT NEEDED FOR IMAGING")
    decision = combine(evaluate_line(RuleSet([MRI]), line("72148")), line("72148"), [hint])
    assert decision.requirement is Requirement.UNKNOWN
    assert "PRE-CERT" in decision.reason


def test_hints_for_other_service_types_do_not_apply() -> None:
    hint = EligibilityHint(Requirement.REQUIRED, "", ("MH",))
    (decision,) = evaluate(RuleSet([]), [line(service_types=("30",))], [hint])
    assert decision.requirement is Requirement.UNKNOWN


# -- coverage matching --------------------------------------------------------------------------

APPROVED = AuthorizationFacts(
    payer=ACME,
    approved=True,
    start=date(2026, 3, 1),
    end=date(2026, 3, 31),
    services=(ApprovedService("97110", Decimal(12), Decimal(8)),),
    reference="CERT1",
)


def test_an_approved_authorization_covers_a_matching_line() -> None:
    assert check_coverage(APPROVED, line("97110", units=Decimal(4))).covers


@pytest.mark.parametrize(
    ("day", "covers"),
    [
        (date(2026, 2, 28), False),
        (date(2026, 3, 1), True),
        (date(2026, 3, 31), True),
        (date(2026, 4, 1), False),
    ],
)
def test_the_dates_must_cover_the_date_of_service(day: date, covers: bool) -> None:
    check = check_coverage(APPROVED, line("97110", date_of_service=day))
    assert check.covers is covers
    if not covers:
        assert check.problems == (
            f"authorization CERT1 covers 2026-03-01 to 2026-03-31, not the date of service {day}",
        )


@pytest.mark.parametrize(
    ("units", "covers"), [(Decimal(4), True), (Decimal("4.5"), False), (Decimal(5), False)]
)
def test_units_beyond_what_is_left_do_not_match(units: Decimal, covers: bool) -> None:
    check = check_coverage(APPROVED, line("97110", units=units))
    assert check.covers is covers
    if not covers:
        assert "4 of 12 units of 97110 left" in check.problems[0]


def test_every_mismatch_is_named() -> None:
    pended = replace(APPROVED, approved=False, payer="00120", start=None, end=None)
    check = check_coverage(pended, line("70553"))
    assert not check.covers
    assert len(check.problems) == 4
    assert any("payer 00120" in p for p in check.problems)
    assert any("not approved" in p for p in check.problems)
    assert any("no approved date span" in p for p in check.problems)
    assert any("does not approve 70553" in p for p in check.problems)


def test_no_unit_limit_covers_any_units() -> None:
    open_ended = replace(APPROVED, services=(ApprovedService("97110"),))
    assert check_coverage(open_ended, line("97110", units=Decimal(100))).covers


# -- the rules file ------------------------------------------------------------------------------

YAML = """\
rules:
  - id: ACME-MRI
    payer: "60054"
    codes: [70551-70553, "72148"]
    places_of_service: ["22", "11"]
    effective: 2026-01-01
    source: ACME prior authorization list, January 2026
  - id: ACME-PPO1-PT
    payer: "60054"
    plan: PPO1
    codes: ["97110"]
    min_units: 12
    diagnoses: [M54.16]
    encounter_types: [outpatient]
    requires: true
    effective: 2026-01-01
    expires: 2026-12-31
    source: ACME PPO1 rider
  - id: BAD-RANGE
    payer: "60054"
    codes: [70553-70551]
    effective: 2026-01-01
    source: typo
  - id: NO-SOURCE
    payer: "60054"
    effective: 2026-01-01
  - id: ACME-MRI
    payer: "60054"
    effective: 2026-01-01
    source: duplicate
"""


def test_yaml_rules_load_and_bad_rules_are_named_by_line_and_field() -> None:
    rules, problems = parse_rules(YAML, "auth_rules.yaml")
    assert [r.rule_id for r in rules] == ["ACME-MRI", "ACME-PPO1-PT"]
    mri, pt = rules
    assert mri.codes == frozenset({"72148"})
    assert mri.ranges == (CodeRange("70551", "70553"),)
    assert mri.places_of_service == frozenset({"22", "11"})
    assert pt.plan == "PPO1" and pt.min_units == Decimal(12) and pt.diagnoses == ("M5416",)
    assert pt.expires == date(2026, 12, 31)
    assert [p.describe() for p in problems] == [
        "auth_rules.yaml, line 19, codes: range 70553-70551 runs backwards",
        "auth_rules.yaml, line 24, source: required, missing",
        "auth_rules.yaml, line 27, id: ACME-MRI is already defined on line 2",
    ]


CSV = """\
id,payer,plan,codes,places_of_service,encounter_types,diagnoses,min_units,requires,effective,expires,source
ACME-MRI,60054,,70551-70553;72148,22;11,,,,yes,2026-01-01,,ACME list
ACME-OFFICE,60054,PPO1,99213,,,,,no,2026-01-01,,ACME PPO1
BAD-DATE,60054,,99214,,,,,,2026-13-01,,ACME
BAD-UNITS,60054,,99214,,,,-2,,2026-01-01,,ACME
BAD-TYPE,60054,,99214,,clinic,,,,2026-01-01,,ACME
BAD-CODE,60054,,9921,,,,,,2026-01-01,,ACME
"""


def test_csv_rules_load_and_bad_rows_are_named() -> None:
    rules, problems = parse_rules(CSV, "rules.csv")
    assert [r.rule_id for r in rules] == ["ACME-MRI", "ACME-OFFICE"]
    assert rules[1].requires is False
    assert [(p.line, p.field) for p in problems] == [
        (4, "effective"),
        (5, "min_units"),
        (6, "encounter_types"),
        (7, "codes"),
    ]


def test_a_csv_with_an_unknown_column_is_refused_whole() -> None:
    rules, problems = parse_rules("id,payer,effective,source,colour\n", "x.csv")
    assert rules == []
    assert problems[0].field == "header" and "colour" in problems[0].problem


def test_yaml_that_is_not_yaml_names_the_line() -> None:
    rules, problems = parse_rules("rules:\n  - id: [unclosed\n", "x.yaml")
    assert rules == []
    assert problems[0].field == "file" and problems[0].line >= 2


def test_expiry_before_effective_is_refused() -> None:
    text = "id,payer,effective,expires,source\nR,1,2026-05-01,2026-04-01,s\n"
    _, (problem,) = parse_rules(text, "x.csv")
    assert problem.field == "expires"
