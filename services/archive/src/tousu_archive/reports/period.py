"""A report's period: a calendar month or a day, in the local time of the rulebooks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

#: every shipped regime keeps Asia/Shanghai; a report's days are local days
LOCAL = ZoneInfo("Asia/Shanghai")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A period that can't be read; the message says what is expected."""


@dataclass(frozen=True)
class Period:
    kind: str  # monthly or daily
    label: str  # 2026-11 or 2026-11-05
    start: datetime
    end: datetime  # excluded

    def title(self) -> str:
        if self.kind == "monthly":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年{self.start.month}月{self.start.day}日"


def month(label: str) -> Period:
    match = _MONTH.match(label.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise PeriodError(f"month {label!r}: write it as YYYY-MM, e.g. 2026-11")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=LOCAL)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=LOCAL)
    return Period("monthly", f"{year:04d}-{number:02d}", start, end)


def day(label: str) -> Period:
    try:
        which = date.fromisoformat(label.strip())
    except ValueError:
        raise PeriodError(f"day {label!r}: write it as YYYY-MM-DD, e.g. 2026-11-05") from None
    start = datetime(which.year, which.month, which.day, tzinfo=LOCAL)
    return Period("daily", which.isoformat(), start, start + timedelta(days=1))


def period(kind: str, label: str) -> Period:
    if kind == "monthly":
        return month(label)
    if kind == "daily":
        return day(label)
    raise PeriodError(f"report kind {kind!r}: monthly or daily")


def previous_month(now: datetime) -> Period:
    """The month before the one ``now`` falls in (local time): what the 1st's run reports."""
    local = now.astimezone(LOCAL)
    first = local.replace(day=1)
    last_month = first - timedelta(days=1)
    return month(f"{last_month.year:04d}-{last_month.month:02d}")
