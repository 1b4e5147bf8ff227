"""fast_init: the views' frozen dataclasses keep their signature, defaults and immutability."""

from __future__ import annotations

import dataclasses
import inspect
from decimal import Decimal

import pytest

from finclear.x12.views.common import Amount, Party
from finclear.x12.views.frozen import fast_init
from finclear.x12.views.remittance import Adjustment, ServiceLine


def test_positional_keyword_and_default_arguments() -> None:
    assert Adjustment("CO", "45", Decimal("1.00")) == Adjustment(
        group="CO", reason="45", amount=Decimal("1.00"), quantity=None
    )
    party = Party("IL", "DOE", id="MEM1")
    assert (party.first_name, party.id, party.address) == ("", "MEM1", None)
    line = ServiceLine(None, Decimal("2"), Decimal("1"))
    assert line.dates == () and line.units is None
    assert "charge" in inspect.signature(ServiceLine).parameters


def test_still_frozen_and_hashable() -> None:
    amount = Amount("B6", Decimal("10"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        amount.amount = Decimal("0")  # type: ignore[misc]
    assert hash(amount) == hash(Amount("B6", Decimal("10")))


def test_missing_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Adjustment("CO", "45")  # type: ignore[call-arg]


def test_refuses_what_it_cannot_reproduce() -> None:
    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        x: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            pass

    for cls in (Mutable, Factory, Checked):
        with pytest.raises(TypeError):
            fast_init(cls)
