"""Working days and the deadlines REGIMES.md's time words give ("N 个工作日", "当天").

A working day is Monday–Friday minus statutory holidays, plus make-up working days (调休).
Days are local days of the estate's time zone; a working day counts all of its hours.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from tousu_shared.calendar.holiday_file import HolidayFile
from tousu_shared.calendar.local_time import ONE_DAY, as_utc, local_date, local_midnight, local_midnight_utc
from tousu_shared.logging import get_logger

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

_log = get_logger(__name__)


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Holiday schedules of one region, ready to answer queries (build with :meth:`from_files`)."""

    region: str
    holidays: Mapping[date, str]  # days off (放假), weekend days inside a block included
    workdays: Mapping[date, str]  # weekend days that are working days (调休上班)
    years: frozenset[int]  # years with a loaded schedule; other years fall back to Monday–Friday
    _weekday_holidays: tuple[int, ...] = field(init=False, repr=False)  # sorted ordinals
    _makeup_workdays: tuple[int, ...] = field(init=False, repr=False)  # sorted ordinals
    _missing_years_seen: set[int] = field(init=False, repr=False, default_factory=set)

    def __post_init__(self) -> None:
        both = set(self.holidays) & set(self.workdays)
        if both:
            raise ValueError(f"days both holiday and workday: {sorted(both)}")
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "workdays", MappingProxyType(dict(self.workdays)))
        weekday_holidays = sorted(d.toordinal() for d in self.holidays if d.weekday() < 5)
        object.__setattr__(self, "_weekday_holidays", tuple(weekday_holidays))
        makeup_workdays = sorted(d.toordinal() for d in self.workdays if d.weekday() >= 5)
        object.__setattr__(self, "_makeup_workdays", tuple(makeup_workdays))

    @classmethod
    def from_files(cls, region: str, files: Iterable[HolidayFile]) -> BusinessCalendar:
        holidays: dict[date, str] = {}
        workdays: dict[date, str] = {}
        years: set[int] = set()
        for schedule in files:
            if schedule.year in years:
                raise ValueError(f"two schedules for {schedule.year} (region {region})")
            years.add(schedule.year)
            holidays.update((day.date, day.name) for day in schedule.holidays)
            workdays.update((day.date, day.name) for day in schedule.workdays)
        return cls(region=region, holidays=holidays, workdays=workdays, years=frozenset(years))

    # --- coverage -------------------------------------------------------------------------

    def coverage_warning(self, year: int) -> str | None:
        """What an operator should be told when ``year`` has no holiday data, else None."""
        if year in self.years:
            return None
        return f"no holiday data for {year} (region {self.region}): using Monday–Friday"

    @property
    def warnings(self) -> list[str]:
        """One message for each year without holiday data that a query has touched so far."""
        return [w for year in sorted(self._missing_years_seen) if (w := self.coverage_warning(year))]

    def _note_year(self, year: int) -> None:
        if year in self.years or year in self._missing_years_seen:
            return
        self._missing_years_seen.add(year)  # log once per year, not once per query
        message = self.coverage_warning(year)
        _log.warning("calendar_year_missing", message=message, year=year, region=self.region)

    # --- days ------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        self._note_year(day.year)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def day_name(self, day: date) -> str | None:
        """The holiday or make-up day's name, e.g. '国庆节 National Day'; None for an ordinary day."""
        return self.holidays.get(day) or self.workdays.get(day)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in [start, end); 0 when end <= start. O(log holidays)."""
        if end <= start:
            return 0
        for year in range(start.year, (end - ONE_DAY).year + 1):
            self._note_year(year)
        weeks, extra_days = divmod((end - start).days, 7)
        first_weekday = start.weekday()
        count = 5 * weeks + sum(1 for i in range(extra_days) if (first_weekday + i) % 7 < 5)
        lo, hi = start.toordinal(), end.toordinal()
        count -= _count_in_range(self._weekday_holidays, lo, hi)
        count += _count_in_range(self._makeup_workdays, lo, hi)
        return count

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after ``day`` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        found = 0
        while found < n:
            day += ONE_DAY
            found += self.is_working_day(day)
        return day

    # --- deadlines ---------------------------------------------------------------------------

    def due_after_working_days(self, start: datetime, n: int, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
        """N 个工作日: the receipt day is not counted; due at 24:00 of the n-th working day after it."""
        last_day = self.nth_working_day_after(local_date(start, tz), n)
        return local_midnight(last_day + ONE_DAY, tz)

    def end_of_day(self, start: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
        """当天 (same day): 24:00, i.e. 00:00 of the next day, of the local day of ``start``."""
        return local_midnight(local_date(start, tz) + ONE_DAY, tz)

    def working_seconds_between(self, a: datetime, b: datetime, tz: ZoneInfo = DEFAULT_TZ) -> float:
        """Seconds of [a, b) that fall on working days; 0 when b <= a."""
        cursor, end = as_utc(a, "a"), as_utc(b, "b")
        if end <= cursor:
            return 0.0
        total = timedelta(0)
        day = cursor.astimezone(tz).date()
        while cursor < end:  # one step per local day of the span
            day_end = min(local_midnight_utc(day + ONE_DAY, tz), end)
            if self.is_working_day(day):
                total += day_end - cursor
            cursor, day = day_end, day + ONE_DAY
        return total.total_seconds()

    def add_working_seconds(self, a: datetime, seconds: float, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
        """The earliest instant t >= a with working_seconds_between(a, t) == seconds.

        Non-working days are skipped, so a paused working-day clock resumes with
        ``add_working_seconds(resume, working_seconds_between(pause, due))``.
        """
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        cursor = as_utc(a, "a")
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return cursor.astimezone(tz)
        day = cursor.astimezone(tz).date()
        while True:  # one step per local day of the span
            day_end = local_midnight_utc(day + ONE_DAY, tz)
            if self.is_working_day(day):
                if remaining <= day_end - cursor:
                    return (cursor + remaining).astimezone(tz)
                remaining -= day_end - cursor
            cursor, day = day_end, day + ONE_DAY


def _count_in_range(sorted_ordinals: tuple[int, ...], lo: int, hi: int) -> int:
    return bisect_left(sorted_ordinals, hi) - bisect_left(sorted_ordinals, lo)
