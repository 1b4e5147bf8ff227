"""Fee schedules: CSV import (located errors, good rows kept, idempotent), pricing from the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from finclear.contracts.importing import do_import_fee_schedules
from finclear.contracts.models import BaseRate, FeeSchedule, FeeScheduleRate, SelfPayPolicy
from finclear.contracts.queries import load_book
from finclear.organizations.validation import do_save_checked
from finclear.rules.pricing import Method, PriceStatus, price_on
from tests.integration.model_builders import build_facility, build_payer, build_plan

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
D = Decimal
HEADER = "schedule,payer,plan,network,effective_from,effective_to,kind,code,amount,base\n"


@pytest.fixture
def plan():
    payer = build_payer(name="Acme Health")
    payer.primary_payer_id = "ZZ900"
    payer.save()
    return build_plan(payer, code="PPO1")


def csv_text(*rows: str) -> str:
    return HEADER + "\n".join(rows) + "\n"


GOOD = (
    "Base 2026,,,,2026-01-01,,base_rate,71046,32.00,",
    "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,rate,99213,105.00,",
    "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,percent_of_base,,125,Base 2026",
    "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,percent_of_charges,,55%,",
    'Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,case_rate,,"18,500.00",',
)


def test_import_builds_schedules_and_prices_through_the_rules(plan):
    report = do_import_fee_schedules(csv_text(*GOOD), "acme.csv")
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    schedule = FeeSchedule.objects.get(name="Acme 2026")
    assert schedule.plan == plan and schedule.effective_to == dt.date(2026, 12, 31)
    assert schedule.base_percent == D("125") and schedule.charges_percent == D("55")
    assert schedule.case_rate == D("18500.00")
    contract = load_book().contract(plan.payer_id, plan.pk)
    day = dt.date(2026, 5, 1)
    rate = price_on(contract, day, "99213", D(2), D("400.00"))
    assert (rate.allowed, rate.method) == (D("210.00"), Method.RATE)
    base = price_on(contract, day, "71046", D(1), D("250.00"))
    assert (base.allowed, base.method) == (D("40.00"), Method.PERCENT_OF_BASE)
    charges = price_on(contract, day, "80053", D(1), D("120.00"))
    assert (charges.allowed, charges.method) == (D("66.00"), Method.PERCENT_OF_CHARGES)
    after = price_on(contract, dt.date(2027, 1, 2), "99213", D(1), D("100.00"))
    assert after.status is PriceStatus.NO_SCHEDULE


def test_reimport_is_unchanged_and_a_changed_amount_updates(plan):
    do_import_fee_schedules(csv_text(*GOOD))
    again = do_import_fee_schedules(csv_text(*GOOD))
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 5, 0)
    changed = [GOOD[0], GOOD[1].replace("105.00", "110.00")]
    report = do_import_fee_schedules(csv_text(*changed))
    assert (report.updated, report.unchanged) == (1, 1)
    assert FeeScheduleRate.objects.get(code="99213").rate == D("110.00")
    assert FeeScheduleRate.objects.count() == 1 and BaseRate.objects.count() == 1


def test_bad_rows_are_located_and_the_good_ones_kept(plan):
    rows = (
        GOOD[1],
        "Acme 2026,ZZ999,,in,2026-01-01,2026-12-31,rate,99214,150.00,",
        "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,rate,9921,150.00,",
        "Acme 2026,ZZ900,PPO1,in,2026-13-01,,rate,99215,150.00,",
        "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,rate,99215,-5,",
        "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,percent_of_base,,120,Nowhere",
        "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,discount,,120,",
        "Acme 2026,ZZ900,,in,2026-01-01,2026-12-31,rate,99204,150.00,",
        "Acme 2026,ZZ900,PPO1,in,2026-01-01,2026-12-31,rate,99203,99.00,",
    )
    report = do_import_fee_schedules(csv_text(*rows), "bad.csv")
    assert report.errors == [
        "bad.csv:3: payer: no payer with ID or name 'ZZ999'",
        "bad.csv:4: code: '9921' is not a CPT/HCPCS code (five letters or digits)",
        "bad.csv:5: effective_from: '2026-13-01' is not a date (YYYY-MM-DD)",
        "bad.csv:6: amount: '-5' must be a number, 0 or more",
        "bad.csv:7: base: no base schedule named 'Nowhere' (list it first)",
        "bad.csv:8: kind: 'discount' is not one of rate, base_rate, percent_of_base, "
        "percent_of_charges, case_rate, per_diem",
        "bad.csv:9: plan: schedule 'Acme 2026' from 2026-01-01 already has another plan",
    ]
    assert sorted(FeeScheduleRate.objects.values_list("code", flat=True)) == ["99203", "99213"]


def test_missing_columns_refuse_the_file(plan):
    report = do_import_fee_schedules("schedule,code\nx,99213\n", "x.csv")
    assert report.errors == ["x.csv:1: header: missing column(s) effective_from, kind, amount"]


def test_plan_schedule_wins_over_the_payer_wide_one(plan):
    do_import_fee_schedules(
        csv_text(
            "All plans,ZZ900,,in,2026-01-01,,percent_of_charges,,40,",
            "PPO only,ZZ900,PPO1,in,2026-01-01,,percent_of_charges,,60,",
        )
    )
    other = build_plan(plan.payer, code="HMO1")
    book = load_book()
    assert [s.name for s in book.contract(plan.payer_id, plan.pk)] == ["PPO only"]
    assert [s.name for s in book.contract(plan.payer_id, other.pk)] == ["All plans"]
    assert book.contract(plan.payer_id, plan.pk, "out") == ()


def test_self_pay_policy_in_force():
    facility = build_facility()
    for start, pct in ((dt.date(2025, 1, 1), "30"), (dt.date(2026, 1, 1), "40")):
        do_save_checked(
            SelfPayPolicy(facility=facility, discount_percent=D(pct), effective_from=start)
        )
    book = load_book()
    assert book.self_pay_policy(facility.pk, dt.date(2025, 6, 1)).discount_percent == D("30")
    assert book.self_pay_policy(facility.pk, dt.date(2026, 6, 1)).discount_percent == D("40")
    assert book.self_pay_policy(facility.pk, dt.date(2024, 6, 1)) is None
    with pytest.raises(ValidationError, match="discount_percent: 140"):
        do_save_checked(
            SelfPayPolicy(
                facility=facility, discount_percent=D(140), effective_from=dt.date(2026, 1, 1)
            )
        )


def test_examples_file_imports_against_the_demo_payers_and_the_command_reports(plan, capsys):
    with pytest.raises(CommandError, match="row"):
        call_command("import_fee_schedules", str(ROOT / "examples" / "fee_schedule.csv"))
    out = capsys.readouterr()
    assert "payer: no payer with ID or name 'ZZ301'" in out.err
    assert "3 created" in out.out
