"""Per-account rate limit of one intake replica: a sliding-window counter.

The limit holds over any minute, estimated as the current fixed minute's count plus the
previous minute's count weighted by how much of it the sliding minute still covers (the
approximation Cloudflare and ``limits``' sliding-window-counter use). O(1) per request and
no background work: ``limits``' in-memory storage starts a timer thread on every hit,
which cost intake a tenth of its CPU at a few hundred requests a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(self, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_seconds
        self._clock = clock
        #: key → (window number, hits in it, hits in the window before)
        self._counts: dict[str, tuple[int, int, int]] = {}

    def hit(self, key: str, limit: int) -> bool:
        """Count one request for ``key``; False (and not counted) if it would exceed ``limit``."""
        now = self._clock()
        window = int(now // self._window)
        known, current, previous = self._counts.get(key, (window, 0, 0))
        if window != known:
            current, previous = 0, current if window == known + 1 else 0
        still_covered = 1 - (now % self._window) / self._window
        if previous * still_covered + current + 1 > limit:
            self._counts[key] = (window, current, previous)
            return False
        self._counts[key] = (window, current + 1, previous)
        return True
