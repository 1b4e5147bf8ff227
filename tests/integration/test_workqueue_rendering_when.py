"""The worklist's visit time: drawn as Django's date format "D M j, H:i" draws it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import translation
from django.utils.dateformat import format as format_date

from finclear.workqueue.queries import CaseRow
from finclear.workqueue.rendering import build_when

UTC = dt.UTC


def row_at(when: dt.datetime | None, time_zone: str) -> CaseRow:
    row = CaseRow.__new__(CaseRow)
    object.__setattr__(row, "scheduled_at", when)
    object.__setattr__(row, "time_zone", time_zone)
    return row


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("time_zone", ["", "America/Chicago", "Pacific/Honolulu"])
def test_the_visit_time_is_what_djangos_format_draws(language: str, time_zone: str) -> None:
    start = dt.datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    with translation.override(language):
        for hours in range(0, 24 * 400, 37):
            when = start + dt.timedelta(hours=hours, minutes=hours % 60)
            local = when.astimezone(zoneinfo.ZoneInfo(time_zone)) if time_zone else when
            assert build_when(row_at(when, time_zone)) == format_date(local, "D M j, H:i")


def test_no_visit_time_is_blank() -> None:
    assert build_when(row_at(None, "America/Chicago")) == ""
