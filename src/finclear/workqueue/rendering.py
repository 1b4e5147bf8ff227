"""The worklist's table rows as HTML, built in Python.

Fifty rows of a dozen cells each through the template engine cost more CPU than the rest of
the page together (every variable and filter is resolved per row). Here each text is escaped
once with ``html.escape`` (numbers need none; the texts a page repeats, once per page) and the
row is one f-string (``str.format`` with nineteen keywords cost a third of the rows). The
markup is the one the template had.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import cache
from html import escape
from typing import Any

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from finclear.workqueue.models import CaseStatus
from finclear.workqueue.queries import CaseRow

STATUS_LABELS = {str(s.value): str(s.label) for s in CaseStatus}
# htmx posts the claim (the winner goes to the workspace, a refusal shows in #wq-alert);
# without script the button submits the form to the same address.
CLAIM = (
    '<button type="submit" formaction="{url}claim/" hx-post="{url}claim/" '
    'hx-target="#wq-alert" hx-swap="innerHTML" class="secondary small" data-claim>'
    "Claim</button>"
)
OVERRIDE = ' <span class="muted small">(override)</span>'
NO_ITEMS = '<span class="muted">—</span>'


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


@cache
def date_names(language: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The weekdays' and months' short names in ``language``, as Django's "D" and "M" draw
    them (its date format parsed the format and looked both up again for every row)."""
    weekdays = tuple(str(WEEKDAYS_ABBR[i]) for i in range(7))
    months = ("", *(str(MONTHS_3[i]).title() for i in range(1, 13)))
    return weekdays, months


def build_when(row: CaseRow) -> str:
    """The visit's time at its facility, e.g. ``Mon Dec 7, 09:30`` (Django's "D M j, H:i")."""
    if row.scheduled_at is None:
        return ""
    local = row.scheduled_at.astimezone(zone(row.time_zone)) if row.time_zone else row.scheduled_at
    weekdays, months = date_names(get_language())
    return f"{weekdays[local.weekday()]} {months[local.month]} {local.day}, {local:%H:%M}"


def build_items(row: CaseRow) -> str:
    """The open items as chips (escaped HTML)."""
    if not row.open_items:
        return NO_ITEMS
    return _chips(tuple((str(i["item"]), str(i["reason"])) for i in row.open_items))


def _chips(items: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        f'<span class="chip" title="{escape(reason)}">{escape(item)}</span> '
        for item, reason in items
    )


def build_rows_html(rows: Iterable[CaseRow], cases_url: str, can_work: bool) -> SafeString:
    """The ``<tr>`` of each row; ``cases_url`` + pk + "/" is its workspace.

    The texts a page repeats (facility, department, provider, payer, status, owner, the open
    items' chips) are escaped once per page: escaping each again cost a fifth of the rows."""
    base = escape(cases_url)
    seen: dict[str, str] = {}
    chips: dict[tuple[tuple[str, str], ...], str] = {}

    def once(text: str) -> str:
        done = seen.get(text)
        if done is None:
            done = seen[text] = escape(text)
        return done

    out = []
    for row in rows:
        pk = int(row.id)
        url = f"{base}{pk}/"
        if row.open_items:
            key = tuple((str(i["item"]), str(i["reason"])) for i in row.open_items)
            items = chips.get(key)
            if items is None:
                items = chips[key] = _chips(key)
        else:
            items = NO_ITEMS
        claim = CLAIM.format(url=url) if can_work and not row.owner_id else ""
        # ROW's markup as an f-string: str.format with nineteen keywords was a third of this.
        out.append(
            f'<tr data-row data-href="{url}" tabindex="-1" id="case-{pk}">'
            f'<td><input type="checkbox" name="case" value="{pk}" '
            f'aria-label="Select item {pk}"></td>'
            f'<td class="num" title="{once(row.priority_explained)}">{int(row.priority)}</td>'
            f"<td>{escape(build_when(row))}</td>"
            f'<td><a href="{url}" data-open>{escape(row.patient_last_name)}, '
            f"{escape(row.patient_first_name)}</a>"
            f'<div class="muted small">MRN {escape(row.mrn)}</div></td>'
            f"<td>{once(row.facility_code or '')} · {once(row.department or '')}"
            f'<div class="muted small">{once(row.provider_last_name or "")}, '
            f"{once(row.provider_first_name or '')}</div></td>"
            f"<td>{once(row.payer_name or 'No coverage')}</td>"
            f'<td><span class="badge {once(row.status)}">'
            f"{once(STATUS_LABELS.get(row.status, row.status))}</span>"
            f"{OVERRIDE if row.override_status else ''}</td>"
            f"<td>{items}</td>"
            f"<td>{once(row.owner_name or '—')}</td>"
            f"<td>{claim}</td>"
            "</tr>\n"
        )
    return mark_safe("".join(out))  # every value above is escaped or a number


def build_tabs_html(tabs: Iterable[dict[str, Any]]) -> SafeString:
    """The status tabs' ``<li>`` (each tab: value, label, count, query, active), as the
    results template drew them in a loop of nine with seven variables each."""
    parts = []
    for tab in tabs:
        query = escape(str(tab["query"]))
        current = ' aria-current="page"' if tab["active"] else ""
        parts.append(
            f'<li><a href="?{query}" hx-get="?{query}" hx-target="#wq-results" '
            f'hx-push-url="true"\n         class="wq-tab {escape(str(tab["value"]))}"{current}>'
            f'{escape(str(tab["label"]))} <span class="count">{int(tab["count"])}</span>'
            "</a></li>\n"
        )
    return mark_safe("".join(parts))  # every text above is escaped, the count a number
