from __future__ import annotations

from datetime import date

import pytest
from structlog.testing import capture_logs

from tests.unit.calendar.reference import days
from tousu_shared.calendar import BusinessCalendar, load_calendar


def test_ordinary_weeks_are_monday_to_friday(shipped: BusinessCalendar) -> None:
    week = days(date(2026, 3, 9), date(2026, 3, 16))  # Monday..Sunday, no holiday
    assert [shipped.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


def test_national_day_2026_and_its_make_up_days(shipped: BusinessCalendar) -> None:
    # REGIMES.md: Sunday 2026-09-20 and Saturday 2026-10-10 are working days; 10-01..07 are not.
    assert shipped.is_working_day(date(2026, 9, 20))
    assert shipped.is_working_day(date(2026, 10, 10))
    assert not any(shipped.is_working_day(d) for d in days(date(2026, 10, 1), date(2026, 10, 8)))
    assert shipped.is_working_day(date(2026, 10, 8))
    assert not shipped.is_working_day(date(2026, 10, 11))  # an ordinary Sunday again


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # 元旦, Thursday
        (date(2026, 1, 2), False),  # Friday off, made up on Sunday 01-04
        (date(2026, 1, 4), True),
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival
        (date(2026, 2, 16), False),  # 除夕
        (date(2026, 2, 23), False),  # 初七, Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # make-up Saturday
        (date(2026, 5, 5), False),
        (date(2026, 5, 9), True),
        (date(2026, 6, 19), False),  # 端午
        (date(2026, 9, 25), False),  # 中秋
        (date(2025, 10, 8), False),  # National Day and Mid-Autumn together, 8 days
        (date(2025, 10, 11), True),
        (date(2024, 2, 9), True),  # 除夕 2024 was a working day (only "encouraged" off)
        (date(2024, 2, 18), True),
    ],
)
def test_holidays_and_make_up_days(shipped: BusinessCalendar, day: date, working: bool) -> None:
    assert shipped.is_working_day(day) is working


def test_day_names(shipped: BusinessCalendar) -> None:
    assert shipped.day_name(date(2026, 10, 1)) == "国庆节 National Day"
    assert shipped.day_name(date(2026, 9, 20)) == "国庆节调休 National Day make-up workday"
    assert shipped.day_name(date(2026, 3, 10)) is None


def test_shipped_years_have_no_warning(shipped: BusinessCalendar) -> None:
    assert shipped.years == frozenset({2024, 2025, 2026})
    assert all(shipped.coverage_warning(y) is None for y in (2024, 2025, 2026))


def test_a_year_without_data_falls_back_to_monday_to_friday_with_a_warning() -> None:
    calendar = load_calendar()  # a fresh one: warnings are remembered per calendar
    assert calendar.warnings == []
    with capture_logs() as logs:
        assert calendar.is_working_day(date(2027, 1, 1))  # a Friday: no data says it is 元旦
        assert not calendar.is_working_day(date(2027, 1, 2))
        assert calendar.working_days_between(date(2026, 12, 28), date(2028, 1, 1)) > 0
    message = "no holiday data for 2027 (region cn): using Monday–Friday"
    assert calendar.warnings == [message]
    missing = [entry for entry in logs if entry["event"] == "calendar_year_missing"]
    assert [entry["year"] for entry in missing] == [2027]  # once per year, not per query
    assert missing[0]["log_level"] == "warning" and missing[0]["message"] == message


def test_an_empty_calendar_never_crashes() -> None:
    calendar = BusinessCalendar.from_files("cn", [])
    assert calendar.is_working_day(date(2030, 5, 1))  # Wednesday
    assert calendar.working_days_between(date(2030, 1, 1), date(2031, 1, 1)) == 261
    assert calendar.warnings == ["no holiday data for 2030 (region cn): using Monday–Friday"]


def test_working_days_between_counts_half_open_ranges(shipped: BusinessCalendar) -> None:
    # 2026-09-28 (Mon) .. 2026-10-12 (Mon): 28, 29, 30 Sep, 8, 9 and Saturday 10 Oct.
    assert shipped.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6
    assert shipped.working_days_between(date(2026, 10, 12), date(2026, 9, 28)) == 0
    # 2026: 261 weekdays, 19 of them holidays, 6 make-up weekend days.
    assert shipped.working_days_between(date(2026, 1, 1), date(2027, 1, 1)) == 261 - 19 + 6


def test_nth_working_day_after_needs_a_positive_n(shipped: BusinessCalendar) -> None:
    assert shipped.nth_working_day_after(date(2026, 9, 30), 1) == date(2026, 10, 8)
    with pytest.raises(ValueError, match="at least 1"):
        shipped.nth_working_day_after(date(2026, 9, 30), 0)


def test_the_calendar_is_immutable(shipped: BusinessCalendar) -> None:
    with pytest.raises(AttributeError):
        shipped.region = "hk"  # type: ignore[misc]
    with pytest.raises(TypeError):
        shipped.holidays[date(2026, 3, 10)] = "not a holiday"  # type: ignore[index]


def test_a_day_cannot_be_both_holiday_and_workday() -> None:
    with pytest.raises(ValueError, match="both"):
        BusinessCalendar("cn", {date(2026, 9, 20): "x"}, {date(2026, 9, 20): "y"}, frozenset({2026}))
