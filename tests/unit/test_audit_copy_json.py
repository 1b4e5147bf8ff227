"""``copy_json``: the audit snapshot's copy of a JSON field is a deep copy, like ``deepcopy``."""

from __future__ import annotations

import copy
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from finclear.audit.tracking import copy_json

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False).map(Decimal),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=40,
)


def containers(value):
    """Every list and dict inside ``value``, itself included."""
    if isinstance(value, list):
        yield value
        for item in value:
            yield from containers(item)
    elif isinstance(value, dict):
        yield value
        for item in value.values():
            yield from containers(item)


@given(st.one_of(st.lists(json_values, max_size=5), st.dictionaries(st.text(), json_values)))
def test_the_copy_equals_deepcopy_and_shares_no_container(value) -> None:
    copied = copy_json(value)
    assert copied == copy.deepcopy(value)
    assert type(copied) is type(value)
    originals = {id(c) for c in containers(value)}
    assert not originals & {id(c) for c in containers(copied)}


def test_a_change_in_place_leaves_the_copy_as_it_was() -> None:
    rows = [{"amount": "10.00", "messages": ["a"]}, {"amount": None, "messages": []}]
    copied = copy_json(rows)
    rows[0]["messages"].append("b")
    rows[1]["amount"] = "5.00"
    rows.append({})
    assert copied == [{"amount": "10.00", "messages": ["a"]}, {"amount": None, "messages": []}]


def test_other_objects_are_deep_copied_too() -> None:
    class Box:
        def __init__(self, items: list[int]) -> None:
            self.items = items

    box = Box([1])
    copied = copy_json([box])
    box.items.append(2)
    assert copied[0] is not box and copied[0].items == [1]
