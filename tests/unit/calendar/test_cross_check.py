"""The shipped schedules against an independent source: the `chinesecalendar` package (dev only).

Both were compared with the State Council notices (国办发明电〔2023〕7号 for 2024,
国办发明电〔2024〕12号 for 2025, the notice of 2025-11-04 for 2026) and agree on every day
of 2024–2026, so no disagreement needs explaining. Should a later version disagree, the
notice is the authority: fix whichever side is wrong and say so here.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from tests.unit.calendar.reference import days
from tousu_shared.calendar import BusinessCalendar

SHIPPED_YEARS = (2024, 2025, 2026)


@pytest.mark.parametrize("year", SHIPPED_YEARS)
def test_every_day_agrees_with_chinesecalendar(shipped: BusinessCalendar, year: int) -> None:
    disagreements = [
        (day.isoformat(), shipped.is_working_day(day))
        for day in days(date(year, 1, 1), date(year + 1, 1, 1))
        if shipped.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert disagreements == [], (
        f"(day, our is_working_day) where chinesecalendar says otherwise: {disagreements}"
    )


@pytest.mark.parametrize("year", SHIPPED_YEARS)
def test_listed_days_are_the_same_as_chinesecalendar(shipped: BusinessCalendar, year: int) -> None:
    # Stronger than agreeing on working days: the two lists hold the same dates, weekend days in
    # a holiday block included (e.g. 2024-06-10 alone for 端午, "与周末连休").
    ours_off = {d for d in shipped.holidays if d.year == year}
    ours_on = {d for d in shipped.workdays if d.year == year}
    theirs_off = {d for d in chinese_calendar.holidays if d.year == year}
    theirs_on = {d for d in chinese_calendar.workdays if d.year == year}
    assert ours_off == theirs_off
    assert ours_on == theirs_on


@pytest.mark.parametrize(
    ("year", "working_days"),
    [(2024, 251), (2025, 248), (2026, 248)],
)
def test_working_days_per_year(shipped: BusinessCalendar, year: int, working_days: int) -> None:
    assert shipped.working_days_between(date(year, 1, 1), date(year + 1, 1, 1)) == working_days
