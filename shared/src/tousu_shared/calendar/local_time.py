"""Local days of an estate's time zone, as instants.

Aware datetimes that share a tzinfo subtract and add in wall-clock time, which is wrong
across a daylight-saving change; everything here works on UTC instants and converts back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

ONE_DAY = timedelta(days=1)


def as_utc(instant: datetime, what: str = "instant") -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {instant.isoformat()}")
    return instant.astimezone(UTC)


def local_date(instant: datetime, tz: tzinfo) -> date:
    """The calendar day ``instant`` falls on in ``tz``."""
    return as_utc(instant).astimezone(tz).date()


def local_midnight_utc(day: date, tz: tzinfo) -> datetime:
    """The instant a local day starts (00:00 in ``tz``; 24:00 of the day before)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """Like :func:`local_midnight_utc`, expressed in ``tz``."""
    return local_midnight_utc(day, tz).astimezone(tz)
