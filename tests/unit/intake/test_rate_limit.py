"""The per-account sliding-window limit of an intake replica."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tousu_intake.domain.rate_limit import SlidingWindowLimiter


class FakeClock:
    def __init__(self, at: float = 0.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_a_minute_holds_the_limit_then_refuses() -> None:
    clock = FakeClock(120.0)
    limiter = SlidingWindowLimiter(clock=clock)
    assert all(limiter.hit("http/a", 5) for _ in range(5))
    assert not limiter.hit("http/a", 5)
    assert limiter.hit("http/b", 5), "another account has its own budget"


def test_the_previous_minute_counts_for_the_part_still_in_the_window() -> None:
    clock = FakeClock(60.0)
    limiter = SlidingWindowLimiter(clock=clock)
    for _ in range(10):
        assert limiter.hit("k", 10)
    clock.at = 60.0 + 60 + 30  # half a minute into the next: 10 × 0.5 = 5 still count
    assert sum(limiter.hit("k", 10) for _ in range(10)) == 5
    clock.at = 60.0 + 60 + 60 + 54  # 5 of the next minute's 5 hits still in view: 5 × 0.1
    assert sum(limiter.hit("k", 10) for _ in range(12)) == 9
    clock.at = 60.0 + 240 + 1  # a whole minute with no hit between: nothing is left
    assert sum(limiter.hit("k", 10) for _ in range(12)) == 10


def test_a_long_pause_forgets_everything() -> None:
    clock = FakeClock(0.0)
    limiter = SlidingWindowLimiter(clock=clock)
    assert sum(limiter.hit("k", 3) for _ in range(5)) == 3
    clock.at = 3600.0
    assert sum(limiter.hit("k", 3) for _ in range(5)) == 3


@given(
    limit=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=300),
)
def test_no_sixty_seconds_ever_pass_more_than_twice_the_limit(limit: int, gaps: list[float]) -> None:
    """The estimate may admit a little more than ``limit`` in an exact 60 s span (the previous
    minute's hits are assumed evenly spread), but never twice as much, and refusals are not counted."""
    clock = FakeClock(1000.0)
    limiter = SlidingWindowLimiter(clock=clock)
    admitted: list[float] = []
    for gap in gaps:
        clock.at += gap
        if limiter.hit("k", limit):
            admitted.append(clock.at)
    for i, start in enumerate(admitted):
        in_span = sum(1 for t in admitted[i:] if t < start + 60)
        assert in_span <= 2 * limit
