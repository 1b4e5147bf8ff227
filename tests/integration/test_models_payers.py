"""Payers, clearinghouse identifiers and plans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finclear.payers import queries, services
from tests.integration.model_builders import build_payer, build_plan

pytestmark = pytest.mark.django_db


def test_identifier_is_unique_per_clearinghouse() -> None:
    acme, other = build_payer(), build_payer(name="Other")
    services.do_add_payer_identifier(acme, "availity", "60054")
    services.do_add_payer_identifier(other, "change", "60054")
    with pytest.raises(ValidationError) as info:
        services.do_add_payer_identifier(other, "availity", "60054")
    assert info.value.message_dict["__all__"] == [
        "Payer identifier with this Clearinghouse and Identifier already exists."
    ]
    assert queries.payer_by_identifier("availity", "60054") == acme
    assert queries.payer_by_identifier("change", "60054") == other


def test_payer_found_by_its_own_id_when_no_clearinghouse_knows_it() -> None:
    payer = build_payer()
    assert queries.payer_by_identifier("availity", payer.primary_payer_id) == payer
    assert queries.payer_by_identifier("availity", "nope") is None


def test_payer_type_must_be_a_choice() -> None:
    with pytest.raises(ValidationError) as info:
        services.do_create_payer(name="X", payer_type="hmo")
    assert info.value.message_dict["payer_type"] == [
        "payer_type: Value 'hmo' is not a valid choice."
    ]


def test_plan_benefit_design_is_checked() -> None:
    payer = build_payer()
    with pytest.raises(ValidationError) as info:
        services.do_create_plan(
            payer,
            code="BAD",
            name="Bad",
            product="ppo",
            coinsurance_percent=Decimal("120.00"),
            copay_er=Decimal("-5.00"),
            deductible_individual=Decimal("2000.00"),
            deductible_family=Decimal("1000.00"),
        )
    assert info.value.message_dict == {
        "coinsurance_percent": ["coinsurance_percent: 120.00 is not between 0 and 100"],
        "copay_er": ["copay_er: -5.00 is negative"],
        "deductible_family": [
            "deductible_family: 1000.00 is less than deductible_individual 2000.00"
        ],
    }


def test_plan_code_is_unique_per_payer() -> None:
    plan = build_plan(code="GOLD")
    build_plan(build_payer(name="Second"), code="GOLD")
    with pytest.raises(ValidationError):
        build_plan(plan.payer, code="GOLD")
    assert queries.plan_by_code(plan.payer, "GOLD") == plan
    assert list(queries.plans_of(plan.payer)) == [plan]


def test_money_stays_decimal() -> None:
    plan = build_plan()
    plan.refresh_from_db()
    assert plan.deductible_individual == Decimal("1500.00")
    assert isinstance(plan.coinsurance_percent, Decimal)
