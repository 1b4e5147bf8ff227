"""The assistance policy admin says how the AGB figure was set: hand-entered, its effective
dates and its source; the payment plan list shows what the daily sweep computed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from finclear.assistance import plans
from finclear.assistance.admin import build_agb_summary
from tests.integration.estimates_support import EstimateClinic, build_policy

pytestmark = pytest.mark.django_db


def test_the_policy_page_shows_the_agb_figure_dates_and_source(admin_client: Client) -> None:
    clinic = EstimateClinic()
    policy = build_policy(
        clinic.facility,
        effective_to=dt.date(2026, 12, 31),
        agb_basis="look-back 2024-07-01 to 2025-06-30, 1,204 claims (Medicare FFS + insurers)",
    )
    page = admin_client.get(f"/admin/assistance/assistancepolicy/{policy.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Amounts generally billed (AGB)" in text
    assert "The prospective Medicare method is not supported" in text
    assert (
        "38.50% of gross charges, from 2025-01-01 to 2026-12-31; hand-entered; look-back "
        "2024-07-01 to 2025-06-30" in text
    )
    listing = admin_client.get("/admin/assistance/assistancepolicy/").content.decode()
    assert "look-back 2024-07-01 to 2025-06-30" in listing


def test_the_summary_says_when_the_source_or_the_figure_is_missing() -> None:
    clinic = EstimateClinic()
    policy = build_policy(clinic.facility)
    assert build_agb_summary(policy) == (
        "38.50% of gross charges, from 2025-01-01 until replaced; hand-entered; source not recorded"
    )
    policy.agb_percent = None
    assert build_agb_summary(policy).startswith(
        "No AGB percentage: approved charges are capped at gross charges (from 2025-01-01"
    )


def test_the_plan_list_shows_missed_installments(admin_client: Client) -> None:
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    plan = plans.do_create_plan(clinic.patient, Decimal("600.00"), dt.date(2026, 1, 31))
    plans.do_update_plan_state(plan, dt.date(2026, 3, 1))  # Jan 31 and Feb 28 unpaid
    listing = admin_client.get("/admin/assistance/paymentplan/").content.decode()
    assert '<td class="field-state">Defaulted</td>' in listing
    assert '<td class="field-missed">2</td>' in listing
    assert '<td class="field-past_due_amount">100.00</td>' in listing
    assert "March 1, 2026" in listing
