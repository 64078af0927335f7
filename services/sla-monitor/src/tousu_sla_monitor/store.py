"""Loading a case's timeline from its row, and saving it back with what it emitted.

Both the lifecycle consumer and the firing loop go through :func:`touch`, inside their
own transaction: rebuild, change, publish the new events through the outbox, store the
inputs, the clock runs and the next due instant. The row lock makes them take turns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import orjson
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime
from tousu_shared.sla.durations import WorkingCalendar
from tousu_sla_monitor.domain.timeline import Timeline
from tousu_sla_monitor.models import SlaCase, SlaClockRun


@cache
def regime_of(regime_id: str, version: int | None) -> Regime:
    return load_regime(f"{regime_id}@{version}" if version else regime_id)


def timeline_of(case: SlaCase, calendar: WorkingCalendar) -> Timeline | None:
    """The case's timeline, or None while its classification has not arrived."""
    if case.classification is None or case.regime is None or case.received_at is None:
        return None
    return Timeline(
        regime_of(case.regime, case.regime_version),
        calendar,
        case.received_at,
        orjson.loads(case.classification),
        orjson.loads(case.inputs),
        orjson.loads(case.parameters),
    )


async def touch(
    session: AsyncSession,
    case: SlaCase,
    calendar: WorkingCalendar,
    topics: Topics,
    now: datetime,
    change: Callable[[Timeline], str],
    caused_by: Envelope | None = None,
) -> Timeline | None:
    """Rebuild the case, apply ``change`` (it returns what led to it: a verb or 'timer'), save."""
    timeline = timeline_of(case, calendar)
    if timeline is None:
        return None
    previous = timeline.engine.state
    because = change(timeline)
    for emitted in timeline.emitted_since(case.published, previous, because):
        envelope = Envelope.new(
            payload=emitted.payload,
            occurred_at=emitted.at,
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=case.complaint_id,
            caused_by=caused_by,
        )
        if caused_by is None:  # a timer: keep the case's correlation id
            envelope = envelope.model_copy(update={"correlation_id": case.correlation_id})
        add_event(session, topics.sla, envelope, now)
    await save(session, case, timeline, now)
    return timeline


async def save(session: AsyncSession, case: SlaCase, timeline: Timeline, now: datetime) -> None:
    engine = timeline.engine
    case.inputs = orjson.dumps(timeline.inputs).decode()
    case.published = len(engine.events)
    case.state = engine.state
    case.review_item = engine.review_item
    case.department = engine.classification.department
    case.next_due_at = timeline.next_due()
    case.actions = sum(1 for i in timeline.inputs if i["do"] != "advance")
    case.updated_at = now
    await session.execute(delete(SlaClockRun).where(SlaClockRun.complaint_id == case.complaint_id))  # type: ignore[arg-type]
    for run, clock in enumerate(engine.clocks):
        session.add(
            SlaClockRun(
                complaint_id=case.complaint_id,
                run=run,
                tenant_id=case.tenant_id,
                estate_id=case.estate_id,
                department=case.department,
                name=clock.name,
                owner=clock.owner,
                target=clock.span.describe(),
                status=clock.status,
                is_open=clock.open,
                started_at=clock.started_at,
                due_at=clock.due_at,
                not_before=clock.not_before,
                stopped_at=clock.stopped_at or clock.cancelled_at,
                warned_at=clock.warned_at,
                breached_at=clock.breached_at,
                paused_seconds=round(clock.paused_seconds),
            )
        )
