"""Properties of clocks under any sequence of pauses, for every time basis."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tousu_shared.calendar import load_calendar
from tousu_shared.sla.clock import SlaClock
from tousu_shared.sla.durations import Span, due_from

TZ = ZoneInfo("Asia/Shanghai")
CAL = load_calendar()
START = datetime(2026, 1, 1, tzinfo=TZ)

spans = st.one_of(
    st.builds(Span, st.integers(1, 600).map(float), st.sampled_from(["minutes", "hours", "days"])),
    st.builds(Span, st.integers(1, 10).map(float), st.just("working_days")),
    st.just(Span(0.0, "same_day")),
)
starts = st.integers(0, 3 * 365 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
pauses = st.lists(st.tuples(st.integers(0, 5 * 24 * 60), st.integers(0, 10 * 24 * 60)), max_size=5)


@settings(max_examples=300, deadline=None)
@given(spans, starts, pauses)
def test_due_is_after_start_and_pauses_only_push_it_later(span: Span, start: datetime, gaps: list) -> None:
    due = due_from(start, span, CAL, TZ)
    assert due >= start
    clock = SlaClock.start("c", span, start, due, 0.8)
    now = start
    for running_minutes, paused_minutes in gaps:
        now += timedelta(minutes=running_minutes)
        before = clock.due_at
        clock.pause(now)
        now += timedelta(minutes=paused_minutes)
        clock.resume(now, CAL, TZ)
        assert clock.due_at >= before
        if span.unit != "working_days":
            assert clock.due_at - before == timedelta(minutes=paused_minutes)
    assert clock.paused_seconds == sum(p for _, p in gaps) * 60
    assert clock.warn_at <= clock.due_at
