from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tousu_shared.calendar import DEFAULT_TZ, BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
URUMQI = ZoneInfo("Asia/Urumqi")  # UTC+6: Xinjiang estates keep local time
HOUR = 3600.0


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_default_time_zone_is_shanghai() -> None:
    assert DEFAULT_TZ == SHANGHAI


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # Wednesday before National Day: 10-01..07 off; 8 (Thu), 9 (Fri), 10 (make-up Saturday).
        (sh(2026, 9, 30, 10), 3, sh(2026, 10, 11)),
        (sh(2026, 9, 30, 23, 59, 59), 3, sh(2026, 10, 11)),
        # Friday before the make-up Sunday 09-20: 20 (Sun), 21 (Mon), 22 (Tue).
        (sh(2026, 9, 18, 15), 3, sh(2026, 9, 23)),
        # Mid-Autumn 09-25..27 then National Day: 28, 29, 30 Sep, 8, 9, 10, 12 Oct.
        (sh(2026, 9, 24, 9), 1, sh(2026, 9, 29)),
        (sh(2026, 9, 24, 9), 7, sh(2026, 10, 13)),
        # Spring Festival 02-15..23, make-up Saturdays 02-14 and 02-28.
        (sh(2026, 2, 13, 18), 3, sh(2026, 2, 26)),
        (sh(2026, 2, 13, 18), 1, sh(2026, 2, 15)),  # the make-up Saturday itself counts
        (sh(2026, 2, 24, 8), 4, sh(2026, 3, 1)),  # 25, 26, 27 and Saturday 28
        # Received on a holiday, a weekend, and a make-up working day (never counted itself).
        (sh(2026, 10, 3, 11), 1, sh(2026, 10, 9)),
        (sh(2026, 3, 7, 10), 3, sh(2026, 3, 12)),
        (sh(2026, 9, 20, 9), 1, sh(2026, 9, 22)),
        # Across the year end: 2025-12-31 (Wed); 2026-01-01..03 off, 01-04 is a make-up Sunday.
        (sh(2025, 12, 31, 16), 1, sh(2026, 1, 5)),
    ],
)
def test_due_after_working_days(shipped: BusinessCalendar, received: datetime, n: int, due: datetime) -> None:
    result = shipped.due_after_working_days(received, n, SHANGHAI)
    assert result == due
    assert result.tzinfo == SHANGHAI and result.hour == 0 and result.minute == 0


def test_due_after_working_days_rejects_bad_input(shipped: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        shipped.due_after_working_days(sh(2026, 3, 2), 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        shipped.due_after_working_days(datetime(2026, 3, 2, 10), 3)


def test_receipt_day_is_the_local_day_not_the_utc_day(shipped: BusinessCalendar) -> None:
    received = datetime(2026, 9, 19, 17, 0, tzinfo=UTC)  # Sun 01:00 in Shanghai, Sat 23:00 in Urumqi
    # Shanghai: received on make-up Sunday 09-20 (not counted) -> Monday 09-21 -> due 09-22 00:00.
    assert shipped.due_after_working_days(received, 1, SHANGHAI) == sh(2026, 9, 22)
    # Urumqi: received on Saturday 09-19 -> the make-up Sunday 09-20 -> due 09-21 00:00 (+06).
    assert shipped.due_after_working_days(received, 1, URUMQI) == datetime(2026, 9, 21, tzinfo=URUMQI)


def test_hong_kong_estate_uses_the_same_local_rules(shipped: BusinessCalendar) -> None:
    # Hong Kong keeps UTC+8 like Shanghai, so with the cn schedule the due instant is the same;
    # it is expressed in the estate's own zone. (Hong Kong's own public holidays would need an
    # "hk" schedule; estates choose their calendar region.)
    received = datetime(2026, 9, 30, 10, tzinfo=HONG_KONG)
    due = shipped.due_after_working_days(received, 3, HONG_KONG)
    assert due == datetime(2026, 10, 11, tzinfo=HONG_KONG) == sh(2026, 10, 11)
    assert due.tzinfo == HONG_KONG


def test_same_local_rules_different_utc_instant(shipped: BusinessCalendar) -> None:
    # The same local receipt time in Shanghai and Urumqi: the same local due date, 2 h apart in UTC.
    in_shanghai = shipped.due_after_working_days(sh(2026, 9, 30, 10), 3, SHANGHAI)
    in_urumqi = shipped.due_after_working_days(datetime(2026, 9, 30, 10, tzinfo=URUMQI), 3, URUMQI)
    assert in_shanghai.replace(tzinfo=None) == in_urumqi.replace(tzinfo=None) == datetime(2026, 10, 11)
    assert in_urumqi - in_shanghai == timedelta(hours=2)


def test_end_of_day_is_midnight_after_the_local_day_of_receipt(shipped: BusinessCalendar) -> None:
    assert shipped.end_of_day(sh(2026, 10, 1, 10)) == sh(2026, 10, 2)  # 当天 ignores holidays
    assert shipped.end_of_day(sh(2026, 3, 10, 0, 0)) == sh(2026, 3, 11)
    assert shipped.end_of_day(datetime(2026, 3, 10, 20, tzinfo=UTC), SHANGHAI) == sh(2026, 3, 12)
    assert shipped.end_of_day(datetime(2026, 3, 10, 20, tzinfo=UTC), URUMQI) == datetime(
        2026, 3, 12, tzinfo=URUMQI
    )


def test_working_seconds_between(shipped: BusinessCalendar) -> None:
    # Friday noon -> Monday noon around the make-up Sunday 09-20: 12 h + 0 + 24 h + 12 h.
    assert shipped.working_seconds_between(sh(2026, 9, 18, 12), sh(2026, 9, 21, 12)) == 48 * HOUR
    assert shipped.working_seconds_between(sh(2026, 10, 1), sh(2026, 10, 8)) == 0.0
    assert shipped.working_seconds_between(sh(2026, 3, 10, 12), sh(2026, 3, 10, 12)) == 0.0
    assert shipped.working_seconds_between(sh(2026, 3, 11), sh(2026, 3, 10)) == 0.0
    with pytest.raises(ValueError, match="timezone-aware"):
        shipped.working_seconds_between(datetime(2026, 3, 10), sh(2026, 3, 11))


def test_add_working_seconds_skips_non_working_days(shipped: BusinessCalendar) -> None:
    assert shipped.add_working_seconds(sh(2026, 9, 30, 16), 8 * HOUR) == sh(2026, 10, 1)
    assert shipped.add_working_seconds(sh(2026, 9, 30, 16), 8 * HOUR + 1) == sh(2026, 10, 8, 0, 0, 1)
    assert shipped.add_working_seconds(sh(2026, 10, 3, 9), 0) == sh(2026, 10, 3, 9)
    with pytest.raises(ValueError, match="negative"):
        shipped.add_working_seconds(sh(2026, 10, 3, 9), -1)


def test_a_paused_clock_resumes_with_what_was_left(shipped: BusinessCalendar) -> None:
    due = shipped.due_after_working_days(sh(2026, 9, 30, 10), 3)  # 2026-10-11 00:00
    pause, resume = sh(2026, 9, 30, 16), sh(2026, 10, 9, 8)
    remaining = shipped.working_seconds_between(pause, due)
    assert remaining == (8 + 3 * 24) * HOUR  # rest of 09-30, then 10-08, 10-09, 10-10
    # 16 h left on 10-09, 24 h on 10-10, Sunday 10-11 skipped, 24 h on 10-12, 16 h on 10-13.
    assert shipped.add_working_seconds(resume, remaining) == sh(2026, 10, 13, 16)


def test_a_forty_day_span_is_fast(shipped: BusinessCalendar) -> None:
    start = sh(2026, 9, 10, 9, 30)
    began = time.perf_counter()
    for _ in range(200):
        due = shipped.due_after_working_days(start, 25)
        left = shipped.working_seconds_between(start, due)
        shipped.add_working_seconds(start, left)
    per_round = (time.perf_counter() - began) / 200
    assert (due - start).days >= 40
    assert per_round < 0.005, f"{per_round * 1e6:.0f} µs per round"
