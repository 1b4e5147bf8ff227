from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.gfe import (
    DISCLAIMERS,
    REQUIRED_ELEMENTS,
    RULE_3_DAYS_AHEAD,
    RULE_10_DAYS_AHEAD,
    RULE_REQUEST,
    GfeDeadline,
    GfeItem,
    GfeProvider,
    GfeStatus,
    GoodFaithEstimate,
    add_business_days,
    business_days_between,
    check_gfe,
    federal_holidays,
    gfe_deadline,
    gfe_status,
    is_business_day,
    missing_elements,
)

d = dt.date

# The days federal offices closed, as OPM published them (observed days included).
OPM = {
    2021: [
        "01-01",
        "01-18",
        "02-15",
        "05-31",
        "06-18",
        "07-05",
        "09-06",
        "10-11",
        "11-11",
        "11-25",
        "12-24",
        "12-31",
    ],
    2022: [
        "01-17",
        "02-21",
        "05-30",
        "06-20",
        "07-04",
        "09-05",
        "10-10",
        "11-11",
        "11-24",
        "12-26",
    ],
    2023: [
        "01-02",
        "01-16",
        "02-20",
        "05-29",
        "06-19",
        "07-04",
        "09-04",
        "10-09",
        "11-10",
        "11-23",
        "12-25",
    ],
    2024: [
        "01-01",
        "01-15",
        "02-19",
        "05-27",
        "06-19",
        "07-04",
        "09-02",
        "10-14",
        "11-11",
        "11-28",
        "12-25",
    ],
    2025: [
        "01-01",
        "01-20",
        "02-17",
        "05-26",
        "06-19",
        "07-04",
        "09-01",
        "10-13",
        "11-11",
        "11-27",
        "12-25",
    ],
    2026: [
        "01-01",
        "01-19",
        "02-16",
        "05-25",
        "06-19",
        "07-03",
        "09-07",
        "10-12",
        "11-11",
        "11-26",
        "12-25",
    ],
}


@pytest.mark.parametrize("year", OPM)
def test_federal_holidays_match_opm(year):
    assert sorted(federal_holidays(year)) == [d.fromisoformat(f"{year}-{md}") for md in OPM[year]]


def test_juneteenth_only_from_2021():
    assert d(2020, 6, 19) not in federal_holidays(2020)
    assert len(federal_holidays(2020)) == 10


@pytest.mark.parametrize(
    ("scheduled", "service", "requested", "due", "rule"),
    [
        # Mon Mar 2 for Thu Mar 5: Tue, Wed, Thu = 3 business days ahead: due 1 business day
        # after scheduling, Tue Mar 3.
        (d(2026, 3, 2), d(2026, 3, 5), None, d(2026, 3, 3), RULE_3_DAYS_AHEAD),
        # Mon Mar 2 for Wed Mar 4: only 2 business days ahead: not due at scheduling.
        (d(2026, 3, 2), d(2026, 3, 4), None, None, None),
        # Mon Mar 2 for Mon Mar 16: 10 business days ahead: due 3 business days on, Thu Mar 5.
        (d(2026, 3, 2), d(2026, 3, 16), None, d(2026, 3, 5), RULE_10_DAYS_AHEAD),
        # Mon Mar 2 for Fri Mar 13: 9 business days ahead: the 1-day rule, Tue Mar 3.
        (d(2026, 3, 2), d(2026, 3, 13), None, d(2026, 3, 3), RULE_3_DAYS_AHEAD),
        # Fri Mar 6 for Fri Mar 20: Mar 9-13 and 16-20 = 10: 3 business days over the weekend,
        # Wed Mar 11.
        (d(2026, 3, 6), d(2026, 3, 20), None, d(2026, 3, 11), RULE_10_DAYS_AHEAD),
        # Thu Jul 2 for Fri Jul 10: Jul 3 is Independence Day observed, then the weekend: due
        # Mon Jul 6.
        (d(2026, 7, 2), d(2026, 7, 10), None, d(2026, 7, 6), RULE_3_DAYS_AHEAD),
        # Scheduled on a Saturday (Mar 7) for Wed Mar 11: Mon, Tue, Wed = 3: due Mon Mar 9.
        (d(2026, 3, 7), d(2026, 3, 11), None, d(2026, 3, 9), RULE_3_DAYS_AHEAD),
        # Request on Wed Nov 25, the day before Thanksgiving: Fri 27, Mon 30, Tue Dec 1.
        (None, None, d(2026, 11, 25), d(2026, 12, 1), RULE_REQUEST),
        # Request on Thu Dec 23, 2027: Dec 24 is Christmas observed: Mon 27, Tue 28, Wed 29.
        (None, None, d(2027, 12, 23), d(2027, 12, 29), RULE_REQUEST),
        # Request on Wed Dec 29, 2027: Dec 31 is New Year's Day 2028 observed: Thu 30, Mon Jan 3,
        # Tue Jan 4.
        (None, None, d(2027, 12, 29), d(2028, 1, 4), RULE_REQUEST),
        # Scheduled 10+ days ahead (due Thu Mar 5) and requested on Mon Mar 2 as well (due Thu
        # Mar 5): the earlier of the two. Requested Fri Feb 27 instead: due Wed Mar 4.
        (d(2026, 3, 2), d(2026, 3, 16), d(2026, 2, 27), d(2026, 3, 4), RULE_REQUEST),
        # Short notice but requested: the request's deadline.
        (d(2026, 3, 2), d(2026, 3, 3), d(2026, 3, 2), d(2026, 3, 5), RULE_REQUEST),
    ],
)
def test_gfe_deadlines(scheduled, service, requested, due, rule):
    deadline = gfe_deadline(scheduled, service, requested)
    assert deadline.due == due
    assert deadline.required is (due is not None)
    if rule is not None:
        assert deadline.rule == rule


def test_facility_closed_days_count_too():
    # Closed Tue Mar 3: the 1-day deadline moves to Wed Mar 4.
    assert gfe_deadline(d(2026, 3, 2), d(2026, 3, 9), closed={d(2026, 3, 3)}).due == d(2026, 3, 4)


NY = "America/New_York"
DUE = GfeDeadline(d(2026, 3, 3), RULE_3_DAYS_AHEAD)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("delivered", "now", "status"),
    [
        (None, "2026-03-03T23:30:00-05:00", GfeStatus.DUE),
        # 04:30 UTC on Mar 4 is still Mar 3 in New York.
        (None, "2026-03-04T04:30:00+00:00", GfeStatus.DUE),
        (None, "2026-03-04T05:30:00+00:00", GfeStatus.LATE),
        ("2026-03-03T16:00:00-05:00", "2026-03-10T09:00:00-05:00", GfeStatus.DELIVERED),
        ("2026-03-04T09:00:00-05:00", "2026-03-10T09:00:00-05:00", GfeStatus.DELIVERED_LATE),
    ],
)
def test_gfe_status(delivered, now, status):
    assert gfe_status(DUE, at(delivered) if delivered else None, at(now), NY) is status


def test_gfe_status_not_required_and_naive_times():
    not_required = GfeDeadline(None, "short notice")
    assert (
        gfe_status(not_required, None, at("2026-03-04T12:00:00+00:00"), NY)
        is GfeStatus.NOT_REQUIRED
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        gfe_status(DUE, None, dt.datetime(2026, 3, 4, 12), NY)


@given(st.dates(min_value=d(2021, 1, 1), max_value=d(2035, 12, 31)), st.integers(0, 40))
def test_business_day_arithmetic(start, n):
    end = add_business_days(start, n)
    assert business_days_between(start, end) == n
    if n:
        assert is_business_day(end)
        assert end.weekday() < 5


@given(st.integers(2021, 2100))
def test_every_year_has_eleven_holidays_on_weekdays(year):
    days = federal_holidays(year)
    assert all(day.weekday() < 5 for day in days)
    # 11 holidays; New Year's Day observed on Dec 31 moves one from a year to the one before.
    assert 10 <= len(days) <= 12


def test_add_business_days_refuses_negative():
    with pytest.raises(ValueError, match="negative"):
        add_business_days(d(2026, 1, 2), -1)


PROVIDER = GfeProvider("North Clinic", "1234567893", "12-3456789", "NY", "1 Main St, Albany")
COMPLETE = GoodFaithEstimate(
    patient_name="Pat Synthetic",
    patient_date_of_birth=d(1980, 1, 1),
    primary_service="Knee arthroscopy",
    scheduled_date=d(2026, 4, 1),
    providers=(PROVIDER,),
    items=(
        GfeItem("Knee arthroscopy", "29881", Decimal("4200.00"), "1234567893", ("M23205",)),
        GfeItem("Anesthesia", "01400", Decimal("900.00"), "1234567893", ("M23205",)),
    ),
    separately_scheduled=("Physical therapy after surgery",),
    disclaimers=DISCLAIMERS,
)


def test_required_elements_are_listed_once():
    keys = [e.key for e in REQUIRED_ELEMENTS]
    assert len(keys) == len(set(keys)) == 10
    assert len(DISCLAIMERS) == 4


def test_a_complete_gfe_passes():
    assert check_gfe(COMPLETE) == ()
    assert COMPLETE.total_expected_charges == Decimal("5100.00")
    assert len(COMPLETE.items_by_provider()["1234567893"]) == 2


def test_check_gfe_names_what_is_missing():
    broken = replace(
        COMPLETE,
        patient_date_of_birth=None,
        providers=(replace(PROVIDER, npi="1234567890", tin=""),),
        items=(GfeItem("Knee arthroscopy", "", Decimal("4200.00"), "1234567893"),),
        disclaimers=DISCLAIMERS - {"disclaimer_not_a_contract"},
    )
    problems = check_gfe(broken)
    assert "patient: the patient's date of birth is missing (45 CFR 149.610(c)(1))" in problems
    assert any(p.startswith("codes_and_charges: item 1 has no service code") for p in problems)
    assert any(p.startswith("codes_and_charges: no diagnosis code") for p in problems)
    assert any("NPI '1234567890' is not valid" in p for p in problems)
    assert any("TIN is missing" in p for p in problems)
    assert any("provider 1234567893 is not listed" in p for p in problems)
    assert "disclaimer_not_a_contract: the disclaimer is missing (45 CFR 149.610(c)(1))" in problems
    assert missing_elements(broken) == (
        "patient",
        "codes_and_charges",
        "providers",
        "disclaimer_not_a_contract",
    )
