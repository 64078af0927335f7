"""A naive, independent statement of the working-day rule, for tests to compare against."""

from __future__ import annotations

from datetime import date, timedelta

import yaml

from tousu_shared.calendar import shipped_calendar_dir


def raw_shipped_days(region: str = "cn") -> tuple[set[date], set[date]]:
    """Holidays and make-up workdays straight from the YAML, without the package's loader."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for entry in (shipped_calendar_dir() / region).iterdir():
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        holidays |= {item["date"] for item in data["holidays"]}
        workdays |= {item["date"] for item in data["workdays"]}
    return holidays, workdays


def reference_is_working_day(day: date, holidays: set[date], workdays: set[date]) -> bool:
    """The rule as REGIMES.md words it, with nothing precomputed."""
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.isoweekday() <= 5


def days(start: date, end: date) -> list[date]:
    """Every date in [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]
