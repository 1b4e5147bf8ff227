"""The worklist's table rows as HTML, built in Python.

Fifty rows of a dozen cells each through the template engine cost more CPU than the rest of
the page together (every variable and filter is resolved per row). Here each text is escaped
once with ``html.escape`` (numbers need none) and the row is one ``str.format``. The markup is
the one the template had.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import cache
from html import escape

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from finclear.workqueue.models import CaseStatus
from finclear.workqueue.queries import CaseRow

STATUS_LABELS = {str(s.value): str(s.label) for s in CaseStatus}
ROW = (
    '<tr data-row data-href="{url}" tabindex="-1" id="case-{pk}">'
    '<td><input type="checkbox" name="case" value="{pk}" aria-label="Select item {pk}"></td>'
    '<td class="num" title="{explained}">{priority}</td>'
    "<td>{when}</td>"
    '<td><a href="{url}" data-open>{last}, {first}</a><div class="muted small">MRN {mrn}</div></td>'
    "<td>{facility} · {department}"
    '<div class="muted small">{provider_last}, {provider_first}</div></td>'
    "<td>{payer}</td>"
    '<td><span class="badge {status}">{status_label}</span>{override}</td>'
    "<td>{items}</td>"
    "<td>{owner}</td>"
    "<td>{claim}</td>"
    "</tr>\n"
)
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
    return "".join(
        f'<span class="chip" title="{escape(str(i["reason"]))}">{escape(str(i["item"]))}</span> '
        for i in row.open_items
    )


def build_rows_html(rows: Iterable[CaseRow], cases_url: str, can_work: bool) -> SafeString:
    """The ``<tr>`` of each row; ``cases_url`` + pk + "/" is its workspace."""
    base = escape(cases_url)
    out = []
    for row in rows:
        url = f"{base}{int(row.id)}/"
        out.append(
            ROW.format(
                url=url,
                pk=int(row.id),
                explained=escape(row.priority_explained),
                priority=int(row.priority),
                when=escape(build_when(row)),
                last=escape(row.patient_last_name),
                first=escape(row.patient_first_name),
                mrn=escape(row.mrn),
                facility=escape(row.facility_code or ""),
                department=escape(row.department or ""),
                provider_last=escape(row.provider_last_name or ""),
                provider_first=escape(row.provider_first_name or ""),
                payer=escape(row.payer_name or "No coverage"),
                status=escape(row.status),
                status_label=escape(STATUS_LABELS.get(row.status, row.status)),
                override=OVERRIDE if row.override_status else "",
                items=build_items(row),
                owner=escape(row.owner_name or "—"),
                claim=CLAIM.format(url=url) if can_work and not row.owner_id else "",
            )
        )
    return mark_safe("".join(out))  # every value above is escaped or a number
