"""Virtual time that runs faster than the wall clock, for every service of a stack at once.

The SLA tests jump the clock file to the instants they need; the chaos run needs clocks to
come due all the time, faults or not, so its time simply runs ``speed`` times faster: at
60, a 15-minute clock comes due 15 s after its complaint, a 2-hour one after two minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta
from pathlib import Path

from tousu_shared.clock import FileClock

TICK_S = 0.5


class TimeLapse:
    def __init__(self, path: Path, start: datetime, speed: float) -> None:
        self.path = path
        self.start = start
        self.speed = speed
        self._t0 = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._frozen: datetime | None = None
        FileClock.write(path, start)

    def at(self, monotonic: float) -> datetime:
        """The virtual instant of a ``time.monotonic()`` reading while time runs."""
        return self.start + timedelta(seconds=(monotonic - self._t0) * self.speed)

    def now(self) -> datetime:
        return self._frozen or self.at(time.monotonic())

    def run(self) -> None:
        self._t0 = time.monotonic()
        self._task = asyncio.create_task(self._tick(), name="time-lapse")

    async def freeze(self) -> datetime:
        """Stop time where it is (every due clock can then be checked against it)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._frozen = self.at(time.monotonic())
        FileClock.write(self.path, self._frozen)
        return self._frozen

    async def _tick(self) -> None:
        while True:
            FileClock.write(self.path, self.now())
            await asyncio.sleep(TICK_S)
