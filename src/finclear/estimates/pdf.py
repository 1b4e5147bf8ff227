"""The house style of finclear's patient documents (reportlab): letterhead, tables, totals.

Letters, Good Faith Estimates and payment plan agreements share it, so every document a
patient gets looks the same: the facility's letterhead, a title, facts in two columns, tables
with a shaded header and right-aligned money, the fine print last, page numbers in the footer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from finclear.rules.money import format_money

INK = colors.HexColor("#1f2a37")
ACCENT = colors.HexColor("#1d4e89")
RULE = colors.HexColor("#c9d3df")
SHADE = colors.HexColor("#eef2f7")
MARGIN = 0.75 * inch
FRAME_PADDING = 6  # reportlab's frames pad their content by 6 points on each side
WIDTH = LETTER[0] - 2 * MARGIN - 2 * FRAME_PADDING

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle(
        "title",
        parent=_base["Title"],
        fontSize=17,
        leading=21,
        textColor=ACCENT,
        alignment=0,
        spaceAfter=4,
    ),
    "subtitle": ParagraphStyle(
        "subtitle",
        parent=_base["Normal"],
        fontSize=9.5,
        textColor=colors.HexColor("#4b5563"),
        spaceAfter=10,
    ),
    "h2": ParagraphStyle(
        "h2",
        parent=_base["Heading2"],
        fontSize=11.5,
        leading=14,
        textColor=ACCENT,
        spaceBefore=12,
        spaceAfter=5,
    ),
    "body": ParagraphStyle("body", parent=_base["Normal"], fontSize=9.5, leading=12.5),
    "small": ParagraphStyle(
        "small",
        parent=_base["Normal"],
        fontSize=8,
        leading=10.5,
        textColor=colors.HexColor("#374151"),
    ),
    "cell": ParagraphStyle("cell", parent=_base["Normal"], fontSize=8.5, leading=10.5),
    "cellnum": ParagraphStyle(
        "cellnum", parent=_base["Normal"], fontSize=8.5, leading=10.5, alignment=TA_RIGHT
    ),
    "head": ParagraphStyle(
        "head", parent=_base["Normal"], fontSize=8.5, leading=10.5, fontName="Helvetica-Bold"
    ),
    "headnum": ParagraphStyle(
        "headnum",
        parent=_base["Normal"],
        fontSize=8.5,
        leading=10.5,
        fontName="Helvetica-Bold",
        alignment=TA_RIGHT,
    ),
    "letterhead": ParagraphStyle(
        "letterhead",
        parent=_base["Normal"],
        fontSize=13,
        leading=16,
        fontName="Helvetica-Bold",
        textColor=INK,
    ),
    "letterhead_small": ParagraphStyle(
        "letterhead_small",
        parent=_base["Normal"],
        fontSize=8.5,
        leading=11,
        textColor=colors.HexColor("#4b5563"),
    ),
    "big": ParagraphStyle(
        "big",
        parent=_base["Normal"],
        fontSize=20,
        leading=24,
        fontName="Helvetica-Bold",
        textColor=ACCENT,
    ),
}


def esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def p(text: object, style: str = "body") -> Paragraph:
    return Paragraph(esc(text), STYLES[style])


def money(amount: Decimal | None) -> str:
    return "—" if amount is None else format_money(amount)


def letterhead(name: str, lines: Sequence[str]) -> Table:
    left = [p(name, "letterhead"), *(p(line, "letterhead_small") for line in lines if line)]
    table = Table([[left]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def facts(pairs: Sequence[tuple[str, str]], columns: int = 2) -> Table:
    """Label/value pairs laid out in ``columns`` columns."""
    cells = [[p(label, "small"), p(value, "body")] for label, value in pairs]
    rows = []
    for start in range(0, len(cells), columns):
        row: list[Any] = []
        for cell in cells[start : start + columns]:
            row.extend(cell)
        row.extend([""] * (2 * columns - len(row)))
        rows.append(row)
    label_w = 1.25 * inch
    value_w = WIDTH / columns - label_w
    table = Table(rows, colWidths=[label_w, value_w] * columns)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[str] | None = None,
) -> Table:
    """A table with a shaded header, money columns (``numeric``) right-aligned, an optional total."""

    def cell(value: str, col: int, head: bool = False) -> Paragraph:
        style = (
            ("headnum" if head else "cellnum") if col in numeric else ("head" if head else "cell")
        )
        return p(value, style)

    data = [[cell(h, i, True) for i, h in enumerate(header)]]
    data.extend([cell(v, i) for i, v in enumerate(row)] for row in rows)
    if total is not None:
        data.append([cell(v, i, True) for i, v in enumerate(total)])
    scale = WIDTH / sum(widths)
    table = Table(data, colWidths=[w * scale for w in widths], repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if total is not None:
        style += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
            ("BACKGROUND", (0, -1), (-1, -1), SHADE),
        ]
    table.setStyle(TableStyle(style))
    return table


def callout(label: str, amount: str, note: str) -> Table:
    """The figure the patient looks for first, in a box."""
    table = Table([[p(label, "small")], [p(amount, "big")], [p(note, "small")]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, ACCENT),
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (0, 0), 8),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
            ]
        )
    )
    return table


def section(title: str, *flowables: Flowable) -> list[Flowable]:
    return [KeepTogether([p(title, "h2"), *flowables[:1]]), *flowables[1:]]


def spacer(height: float = 6) -> Spacer:
    return Spacer(1, height)


def render(flowables: Sequence[Flowable], title: str, footer: str) -> bytes:
    """The document as PDF bytes, with ``footer`` and the page number on every page."""
    buffer = io.BytesIO()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#6b7280"))
        canvas.drawString(MARGIN, 0.5 * inch, footer)
        canvas.drawRightString(LETTER[0] - MARGIN, 0.5 * inch, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.6 * inch,
        bottomMargin=0.8 * inch,
        title=title,
        author="finclear",
    )
    doc.build(list(flowables), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
