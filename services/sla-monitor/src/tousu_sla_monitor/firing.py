"""The firing loop: take due cases with FOR UPDATE SKIP LOCKED, fire, publish, repeat.

Any number of replicas run it; a case is fired by whichever replica locks it first, in a
transaction that also writes the events to the outbox, so a crash at any point leaves
either nothing done (another replica or the restart fires it) or everything done. Nothing
is kept in memory between rounds: after a restart, every case whose time passed is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tousu_shared.clock import Clock
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.errors import is_transient
from tousu_shared.logging import get_logger
from tousu_shared.sla.durations import WorkingCalendar
from tousu_sla_monitor.domain.timeline import Timeline
from tousu_sla_monitor.metrics import count_fired
from tousu_sla_monitor.store import CASES, plan_touch, write_touched

log = get_logger(__name__)


class FiringLoop:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        calendar: WorkingCalendar,
        topics: Topics,
        clock: Clock,
        *,
        batch_size: int,
        poll_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._calendar = calendar
        self._topics = topics
        self._clock = clock
        self._batch = batch_size
        self._poll = poll_seconds
        self.fired_cases = 0

    async def run(self, wake_relay: Callable[[], None] | None = None) -> None:
        delay = self._poll
        while True:
            try:
                fired = await self.fire_once()
                delay = self._poll
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("firing paused: the database is away", error=f"{type(exc).__name__}: {exc}")
                fired, delay = 0, min(delay * 2, 5.0)
            if fired and wake_relay is not None:
                wake_relay()
            if fired < self._batch:
                await asyncio.sleep(delay)

    async def fire_once(self) -> int:
        """Fire one batch of due cases; returns how many were taken."""
        now = self._clock.now()
        try:
            return await self._fire(now, self._batch)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.error(
                "a firing batch failed; firing its cases one by one", error=f"{type(exc).__name__}: {exc}"
            )
        taken = 0
        for _ in range(self._batch):
            try:
                count = await self._fire(now, 1)
            except Exception as exc:
                if is_transient(exc):
                    raise
                await self._set_aside(now, exc)
                count = 1
            if not count:
                break
            taken += count
        return taken

    async def _fire(self, now: datetime, limit: int) -> int:
        async with self._sessions() as session, session.begin():
            cases = (await session.execute(_due(now, limit))).all()
            touched = [
                t
                for case in cases
                if (t := plan_touch(case, self._calendar, self._topics, now, _fire_until(now))) is not None
            ]
            await write_touched(session, touched, case_rows=True)
        count_fired(touched)
        if cases:
            self.fired_cases += len(cases)
            worst = (now - cases[0].next_due_at).total_seconds()  # they come oldest first
            log.info("fired due clocks", cases=len(cases), worst_lateness_s=round(worst, 3))
        return len(cases)

    async def _set_aside(self, now: datetime, error: Exception) -> None:
        """A case that cannot be rebuilt (a bug, a regime file gone) must not stall the others:
        it stops firing, its inputs stay, and the error names it."""
        async with self._sessions() as session, session.begin():
            case = (await session.execute(_due(now, 1))).first()
            if case is None:
                return
            log.error(
                "case set aside: its clocks cannot be rebuilt",
                complaint_id=case.complaint_id,
                error=f"{type(error).__name__}: {error}",
            )
            await session.execute(
                update(CASES).where(CASES.c.complaint_id == case.complaint_id).values(next_due_at=None)
            )


def _due(now: datetime, limit: int) -> Select[Any]:
    return (
        select(CASES)
        .where(CASES.c.next_due_at < now)
        .order_by(CASES.c.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def _fire_until(now: datetime) -> Callable[[Timeline], str]:
    def change(timeline: Timeline) -> str:
        timeline.fire_until(now)
        return "timer"

    return change
