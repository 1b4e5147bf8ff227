"""A check's benefit rows as stored (JSON) and as built (``BenefitRow``) are the same rows.

The estimates' refresh after a check uses the rows the check was built from rather than its
JSON read back: the two must not differ in any value, Decimal exponents included (an
estimate's fingerprint is the repr of what it reads).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from finclear.eligibility.queries import rows_from_json
from finclear.eligibility.services import build_row_json
from finclear.rules.benefits import BenefitKind, BenefitRow

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
