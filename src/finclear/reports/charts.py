"""Server-rendered SVG charts: no script, no CDN, readable by screen readers.

Each chart is an ``<svg role="img">`` with a title and a description; the page shows the same
numbers in a table beside it. Labels are escaped. Values are ints or Decimals, never floats:
geometry is computed with integer pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

PALETTE = ("#0b5cad", "#a4262c", "#8a5300", "#1d6b3a", "#5b3f8c", "#4a5665", "#00707a")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Decimal
    color: str = PALETTE[0]


def _scale(value: int | Decimal, top: int | Decimal, length: int) -> int:
    if top <= 0 or value <= 0:
        return 0
    return int(Decimal(value) * length / Decimal(top))


def build_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    width: int = 560,
    bar_height: int = 22,
    label_width: int = 180,
    unit: str = "",
) -> str:
    """Horizontal bars, one per row, the value written at the end of each."""
    gap = 8
    height = max(1, len(bars)) * (bar_height + gap) + gap
    plot = width - label_width - 70
    top = max((b.value for b in bars), default=0)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">'
        + escape("; ".join(f"{b.label}: {b.value}{unit}" for b in bars) or "no data")
        + "</desc>",
    ]
    for i, bar in enumerate(bars):
        y = gap + i * (bar_height + gap)
        length = _scale(bar.value, top, plot)
        text_y = y + bar_height // 2 + 4
        parts.append(
            f'<text x="{label_width - 6}" y="{text_y}" text-anchor="end">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="{escape(bar.color)}" rx="3"></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{text_y}">{escape(str(bar.value))}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def build_rate_bar(rate: Decimal | None, *, title: str, chart_id: str, width: int = 240) -> str:
    """One percentage as a filled bar (empty with "no data" when there is no denominator)."""
    filled = 0 if rate is None else _scale(min(rate, Decimal(100)), Decimal(100), width)
    text = "no data" if rate is None else f"{rate}%"
    return (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" width="{width}" height="14" '
        f'viewBox="0 0 {width} 14" aria-label="{escape(title)}: {escape(text)}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="0" y="0" width="{width}" height="14" fill="#e4e9f0" rx="7"></rect>'
        f'<rect x="0" y="0" width="{filled}" height="14" fill="{PALETTE[3]}" rx="7"></rect>'
        "</svg>"
    )
