"""Properties of the calendar arithmetic, against a naive day-by-day reference.

Instants range over 2023-06..2027-06, so years without holiday data (Monday–Friday) are
included; zones include Europe/Berlin, whose days of 23 and 25 hours test that a working
day counts its real length.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.calendar.reference import days, raw_shipped_days, reference_is_working_day
from tousu_shared.calendar import load_calendar

CALENDAR = load_calendar()
HOLIDAYS, WORKDAYS = raw_shipped_days()
ZONES = st.sampled_from(
    [ZoneInfo(name) for name in ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Urumqi", "UTC", "Europe/Berlin")]
)
INSTANTS = st.datetimes(datetime(2023, 6, 1), datetime(2027, 6, 30), timezones=st.just(UTC))
DATES = st.dates(date(2023, 6, 1), date(2027, 6, 30))
# Whole microseconds, as a datetime can hold them: up to 60 days of working time.
SECONDS = st.integers(0, 60 * 86_400 * 10**6).map(lambda micros: micros / 10**6)
GAPS = st.timedeltas(timedelta(0), timedelta(days=45))


def is_working(day: date) -> bool:
    return reference_is_working_day(day, HOLIDAYS, WORKDAYS)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def reference_working_seconds(a: datetime, b: datetime, tz: tzinfo) -> float:
    """Overlap of [a, b) with every working local day, one day at a time."""
    total = timedelta(0)
    day = a.astimezone(tz).date()
    while local_midnight(day, tz) < b:
        start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        overlap = min(b, end) - max(a, start)
        if is_working(day) and overlap > timedelta(0):
            total += overlap
        day += timedelta(days=1)
    return total.total_seconds()


def test_reference_agrees_with_calendar_on_every_day_of_the_shipped_range() -> None:
    for day in days(date(2023, 1, 1), date(2028, 1, 1)):
        assert CALENDAR.is_working_day(day) == is_working(day), day


@given(DATES, DATES)
def test_working_days_between_matches_counting_day_by_day(start: date, end: date) -> None:
    expected = sum(is_working(d) for d in days(start, end)) if end > start else 0
    assert CALENDAR.working_days_between(start, end) == expected


@given(INSTANTS, st.integers(1, 30), ZONES)
def test_due_is_a_local_midnight_after_exactly_n_working_days(start: datetime, n: int, tz: ZoneInfo) -> None:
    due = CALENDAR.due_after_working_days(start, n, tz)
    assert due >= start
    local_due = due.astimezone(tz)
    assert local_due.time() == time(0)
    receipt_day, last_day = start.astimezone(tz).date(), local_due.date() - timedelta(days=1)
    assert is_working(last_day)
    assert (
        sum(is_working(d) for d in days(receipt_day + timedelta(days=1), last_day + timedelta(days=1))) == n
    )


@given(INSTANTS, GAPS, ZONES)
@settings(max_examples=200)
def test_working_seconds_match_the_reference(a: datetime, gap: timedelta, tz: ZoneInfo) -> None:
    b = a + gap
    assert CALENDAR.working_seconds_between(a, b, tz) == reference_working_seconds(a, b, tz)
    assert CALENDAR.working_seconds_between(b, a, tz) == 0.0


@given(INSTANTS, SECONDS, ZONES)
def test_add_working_seconds_inverts_working_seconds_between(
    a: datetime, seconds: float, tz: ZoneInfo
) -> None:
    t = CALENDAR.add_working_seconds(a, seconds, tz)
    assert t >= a
    assert CALENDAR.working_seconds_between(a, t, tz) == seconds
    # Earliest: a moment earlier there was less working time.
    if seconds > 0:
        assert CALENDAR.working_seconds_between(a, t - timedelta(microseconds=1), tz) < seconds


@given(INSTANTS, GAPS, ZONES)
def test_working_seconds_between_round_trips_through_add(a: datetime, gap: timedelta, tz: ZoneInfo) -> None:
    b = a + gap
    elapsed = CALENDAR.working_seconds_between(a, b, tz)
    t = CALENDAR.add_working_seconds(a, elapsed, tz)
    assert t <= b  # b may lie on a non-working day after the time ran out
    b_day = b.astimezone(tz).date()
    if is_working(b_day) and b > max(a, local_midnight(b_day, tz)):
        assert t == b


@given(INSTANTS, st.integers(1, 15), GAPS, GAPS, ZONES)
def test_pausing_never_moves_the_due_time_earlier(
    start: datetime, n: int, until_pause: timedelta, pause_length: timedelta, tz: ZoneInfo
) -> None:
    due = CALENDAR.due_after_working_days(start, n, tz)
    pause = start + until_pause
    resume = pause + pause_length
    remaining = CALENDAR.working_seconds_between(pause, due, tz)
    new_due = CALENDAR.add_working_seconds(resume, remaining, tz)
    assert new_due >= due
    if pause_length == timedelta(0) and pause <= due:
        assert new_due == due  # a pause of no length changes nothing
