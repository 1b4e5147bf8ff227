"""The supervisor dashboard: volume, past due, throughput and the patient-access rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from finclear.audit.services import record_list_view
from finclear.reports import queries
from finclear.reports.charts import PALETTE, Bar, build_bar_chart, build_rate_bar

# The dashboard is for those who supervise the queue (supervisors, admins).
DASHBOARD_PERMISSION = "workqueue.override_clearance"
STATUS_COLORS = {
    "at_risk": PALETTE[1],
    "cleared": PALETTE[3],
    "pending": PALETTE[5],
}


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label="Throughput over (days)", min_value=1, max_value=90, initial=7)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", f"end: {data['end']} is before start {data['start']}")
        return data


def default_period() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "start": today - dt.timedelta(days=30),
        "end": today + dt.timedelta(days=14),
        "days": 7,
    }


@login_required
@permission_required(DASHBOARD_PERMISSION, raise_exception=True)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or default_period())
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=422)
    data = form.cleaned_data
    board = queries.build_dashboard(request.user, data["start"], data["end"], data["days"])
    record_list_view(request, board.past_due, "dashboard past due")
    status_chart = build_bar_chart(
        [Bar(label, n, STATUS_COLORS.get(key, PALETTE[2])) for key, label, n in board.by_status],
        title="Items of scheduled visits by clearance status",
        chart_id="chart-status",
    )
    days_chart = build_bar_chart(
        [
            Bar(label, open_, PALETTE[1] if key in ("past", "today", "1-3") else PALETTE[0])
            for key, label, open_, _ in board.by_days
        ],
        title="Items not cleared, by days to service",
        chart_id="chart-days",
    )
    throughput_chart = build_bar_chart(
        [Bar(t.username, t.cleared, PALETTE[3]) for t in board.throughput],
        title=f"Items cleared per specialist in the last {data['days']} days",
        chart_id="chart-throughput",
    )
    rate_bars = {
        r.key: mark_safe(build_rate_bar(r.percent, title=r.name, chart_id=f"rate-{r.key}"))
        for r in board.rates
    }
    context = {
        "form": form,
        "board": board,
        "status_chart": mark_safe(status_chart),
        "days_chart": mark_safe(days_chart),
        "throughput_chart": mark_safe(throughput_chart),
        "rates": [(r, rate_bars[r.key]) for r in board.rates],
        "days": data["days"],
    }
    return render(request, "reports/dashboard.html", context)
