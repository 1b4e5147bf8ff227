"""A check's benefit rows as stored (JSON) and as built (``BenefitRow``) are the same rows;
rows kept between 271s are the rows built afresh.

The estimates' refresh after a check uses the rows the check was built from rather than its
JSON read back: the two must not differ in any value, Decimal exponents included (an
estimate's fingerprint is the repr of what it reads).
"""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.eligibility import services
from finclear.eligibility.queries import rows_from_json
from finclear.eligibility.services import benefit_rows_json, build_row_json
from finclear.rules import benefits, fast271
from finclear.rules.benefits import (
    BenefitKind,
    BenefitRow,
    CoverageStatus,
    EligibilityResult,
    Verdict,
    parse_271,
)
from tests.unit.test_eligibility_fast271 import response_271

codes = st.text(alphabet="0123456789ABCFGIRUWYN", max_size=3)
amounts = st.one_of(
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**7, min_value=0),
    st.decimals(allow_nan=False, allow_infinity=False, max_value=10**7, min_value=0).map(
        Decimal.normalize
    ),
)
rows = st.builds(
    BenefitRow,
    info_code=codes,
    kind=st.sampled_from(list(BenefitKind)),
    service_type=codes,
    service_type_name=st.text(max_size=20),
    network=st.sampled_from(["", "in", "out", "any"]),
    coverage_level=st.sampled_from(["", "IND", "FAM", "EMP"]),
    time_period=codes,
    amount=amounts,
    percent=amounts,
    quantity=amounts,
    quantity_qualifier=codes,
    authorization_required=st.sampled_from(["", "Y", "N", "U"]),
    plan_description=st.text(max_size=20),
    messages=st.lists(st.text(max_size=10), max_size=3).map(tuple),
)


@given(st.lists(rows, max_size=8))
def test_rows_read_back_from_their_json_are_the_rows(built):
    back = rows_from_json([build_row_json(row) for row in built])
    assert back == tuple(built)
    assert repr(back) == repr(tuple(built))


@settings(max_examples=60, deadline=None)
@given(response_271(), st.booleans())
def test_rows_shared_between_271s_are_the_rows_built_afresh(text, clear_first):
    """The 271 reader shares an EB's ``Benefit`` among the 271s that repeat it; its rows and
    their JSON are then kept by object: each is what building it afresh gives."""
    if clear_first:
        fast271._BENEFITS.clear()
        benefits._ROWS.clear()
        services._ROW_JSON.clear()
    for _ in range(2):  # the second read finds everything kept
        view = parse_271(text)
        assert view == parse_271(text, fast=False)
        for member in view.members:
            rows = benefits.build_rows(member.benefits)
            fresh = tuple(row for b in member.benefits for row in benefits._build_rows_of(b))
            assert rows == fresh
            result = EligibilityResult(
                verdict=Verdict.VERIFIED, coverage=CoverageStatus.ACTIVE, rows=rows
            )
            dumped = benefit_rows_json(result, shared=True)
            assert json.dumps(dumped) == dumped.text == json.dumps(benefit_rows_json(result))
            for row in rows:
                made = build_row_json(row)
                assert made == services._row_json(row)
                kept = build_row_json(row, shared=True)
                assert kept == services._row_json(row)
                assert build_row_json(row, shared=True) is kept
                made["messages"].append("changed by a caller")
                made["amount"] = "changed by a caller"
                assert build_row_json(row) == services._row_json(row)
                assert kept == services._row_json(row)
