"""The SLA monitor's own metrics: how many clocks are open and in what state, how many cases
are due but not yet fired (the firing loop's backlog), and what the timer fired."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlmodel import col

from tousu_sla_monitor.models import SlaCase, SlaClockRun
from tousu_sla_monitor.store import Touched

if TYPE_CHECKING:
    from tousu_shared.runtime.service import Runtime

OPEN_CLOCKS = Gauge(
    "tousu_sla_open_clocks", "Clock runs still open, by status (running, warned, breached…)", ["status"]
)
CASES_DUE = Gauge("tousu_sla_cases_due", "Cases whose next deadline has passed and that are not fired yet")
FIRED = Counter(
    "tousu_sla_fired_events_total", "Events the timer fired (ClockWarning, ClockBreached…)", ["type"]
)


async def sample_clocks(rt: Runtime) -> None:
    async with rt.sessions() as session:
        rows = await session.execute(
            select(col(SlaClockRun.status), func.count())
            .where(col(SlaClockRun.is_open))
            .group_by(col(SlaClockRun.status))
        )
        by_status: dict[str, int] = {status: count for status, count in rows.all()}
        due = await session.scalar(
            select(func.count()).select_from(SlaCase).where(col(SlaCase.next_due_at) < rt.clock.now())
        )
    _seen_statuses.update(by_status)
    for status in _seen_statuses:  # one that emptied drops to 0 instead of keeping its last value
        OPEN_CLOCKS.labels(status).set(by_status.get(status, 0))
    CASES_DUE.set(due or 0)


_seen_statuses: set[str] = set()


def count_fired(touched: list[Touched]) -> None:
    for case in touched:
        for row in case.outbox:
            FIRED.labels(orjson.loads(row["headers"]).get("tousu-event-type", "?")).inc()
