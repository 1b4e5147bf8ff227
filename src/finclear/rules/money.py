"""Money: Decimal amounts in dollars, two places, rounded half up unless a standard says otherwise.

Floats are refused: an amount that went through a float has already lost its cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

Money = Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_money(value: Decimal | int | str) -> Money:
    """``value`` as dollars and cents (half up); a float or a non-number raises ``TypeError``/``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"money must be a Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{value!r} is not an amount of money") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money")
    return cents(amount)


def cents(value: Decimal) -> Money:
    """``value`` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Money:
    """``percent`` points (20 is 20%) of ``amount``, to the cent."""
    return cents(amount * percent / HUNDRED)


def format_money(amount: Decimal) -> str:
    """``$1,500`` for whole dollars, ``$40.50`` otherwise; negatives as ``-$12.00``."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{sign}${text}"


def allocate(total: Decimal, weights: int | Sequence[Decimal]) -> tuple[Money, ...]:
    """Split ``total`` into parts that sum to it exactly, to the cent.

    ``weights`` is a number of equal parts or the weights of the parts (e.g. each line's
    charge). Each part gets its share rounded down to the cent; the cents left over go one
    by one to the parts with the largest remainders (the earliest first on a tie), so no
    part is ever more than a cent away from its exact share.
    """
    total = to_money(total)
    if isinstance(weights, int):
        if weights < 1:
            raise ValueError(f"allocate needs at least one part, got {weights}")
        shares: list[Decimal] = [Decimal(1)] * weights
    else:
        shares = [Decimal(w) for w in weights]
        if not shares:
            raise ValueError("allocate needs at least one weight")
        if any(w < 0 for w in shares):
            raise ValueError("allocate weights must not be negative")
    weight_sum = sum(shares, Decimal(0))
    if weight_sum == 0:
        # Nothing to weigh by: equal parts.
        shares = [Decimal(1)] * len(shares)
        weight_sum = Decimal(len(shares))
    sign = Decimal(-1) if total < 0 else Decimal(1)
    magnitude = abs(total)
    exact = [magnitude * w / weight_sum for w in shares]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((magnitude - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += CENT
    return tuple(sign * p for p in parts)
