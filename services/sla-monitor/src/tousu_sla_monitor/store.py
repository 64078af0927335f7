"""Loading a case's timeline from its row, and writing back what touching it changed.

Both the lifecycle consumer and the firing loop touch cases inside their own transaction:
rebuild, change, then write the new events to the outbox, the case's inputs and next due
instant, and those clock runs that differ from what is stored. The row lock makes them take
turns. Touching is pure (:func:`plan_touch`); the writes are set-wise (:func:`write_touched`),
a few statements per batch of cases whatever its size, so the firing loop's cost per case is
the engine's rebuild rather than the database's round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Protocol

import orjson
from sqlalchemy import and_, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import outbox_row, stage_rows
from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime
from tousu_shared.sla.clock import SlaClock
from tousu_shared.sla.durations import WorkingCalendar
from tousu_sla_monitor.domain.timeline import NOT_ACTIONS, Timeline
from tousu_sla_monitor.models import SlaCase, SlaClockRun

CASES = SlaCase.__table__  # type: ignore[attr-defined]
RUNS = SlaClockRun.__table__  # type: ignore[attr-defined]
#: the clock-run columns a touch may change (the key and the case's ids stay)
_RUN_VALUES = tuple(
    c.name for c in RUNS.columns if c.name not in ("complaint_id", "run", "tenant_id", "estate_id")
)


class StoredCase(Protocol):
    """What a case is rebuilt from: the ORM row (consumer) or a plain selected row (firing)."""

    complaint_id: str
    tenant_id: str
    estate_id: str
    correlation_id: str
    regime: str | None
    regime_version: int | None
    received_at: datetime | None
    classification: str | None
    inputs: str
    parameters: str
    published: int


@cache
def regime_of(regime_id: str, version: int | None) -> Regime:
    return load_regime(f"{regime_id}@{version}" if version else regime_id)


def timeline_of(case: StoredCase, calendar: WorkingCalendar) -> Timeline | None:
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


@dataclass
class Touched:
    """What touching one case changed: its new column values, all its clock runs, its events."""

    complaint_id: str
    timeline: Timeline
    case: dict[str, Any]
    runs: list[dict[str, Any]]
    outbox: list[dict[str, Any]] = field(default_factory=list)


def plan_touch(
    case: StoredCase,
    calendar: WorkingCalendar,
    topics: Topics,
    now: datetime,
    change: Callable[[Timeline], str],
    caused_by: Envelope | None = None,
) -> Touched | None:
    """Rebuild the case, apply ``change`` (it returns what led to it: a verb or 'timer')."""
    timeline = timeline_of(case, calendar)
    if timeline is None:
        return None
    previous = timeline.engine.state
    because = change(timeline)
    outbox = []
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
        outbox.append(outbox_row(topics.sla, envelope, now))
    engine = timeline.engine
    department = engine.classification.department
    values = {
        "inputs": orjson.dumps(timeline.inputs).decode(),
        "published": len(engine.events),
        "state": engine.state,
        "review_item": engine.review_item,
        "department": department,
        "next_due_at": timeline.next_due(),
        "actions": sum(1 for i in timeline.inputs if i["do"] not in NOT_ACTIONS),
        "updated_at": now,
    }
    runs = [_run_row(case, run, clock, department) for run, clock in enumerate(engine.clocks)]
    return Touched(case.complaint_id, timeline, values, runs, outbox)


def _run_row(case: StoredCase, run: int, clock: SlaClock, department: str) -> dict[str, Any]:
    return {
        "complaint_id": case.complaint_id,
        "run": run,
        "tenant_id": case.tenant_id,
        "estate_id": case.estate_id,
        "department": department,
        "name": clock.name,
        "owner": clock.owner,
        "target": clock.span.describe(),
        "status": clock.status,
        "is_open": clock.open,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "not_before": clock.not_before,
        "stopped_at": clock.stopped_at or clock.cancelled_at,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "paused_seconds": round(clock.paused_seconds),
    }


async def write_touched(session: AsyncSession, touched: Sequence[Touched], *, case_rows: bool) -> None:
    """Write a batch's events and clock runs; and its case rows when ``case_rows`` (the
    consumer sets them on its ORM row instead, which may be new)."""
    if not touched:
        return
    await stage_rows(session, [row for t in touched for row in t.outbox])
    if case_rows:
        await session.execute(
            update(CASES).where(CASES.c.complaint_id == bindparam("b_id")),
            [{"b_id": t.complaint_id, **t.case} for t in touched],
        )
    await _write_runs(session, touched)


async def _write_runs(session: AsyncSession, touched: Sequence[Touched]) -> None:
    """Only the runs that differ from the stored ones are written: a warning changes one."""
    ids = [t.complaint_id for t in touched]
    stored = {
        (r.complaint_id, r.run): r
        for r in (await session.execute(select(RUNS).where(RUNS.c.complaint_id.in_(ids)))).all()
    }
    new, changed, wanted = [], [], set()
    for t in touched:
        for row in t.runs:
            key = (row["complaint_id"], row["run"])
            wanted.add(key)
            old = stored.get(key)
            if old is None:
                new.append(row)
            elif any(getattr(old, name) != row[name] for name in _RUN_VALUES):
                changed.append({"b_id": key[0], "b_run": key[1], **{n: row[n] for n in _RUN_VALUES}})
    gone = [key for key in stored if key not in wanted]
    if gone:  # a rebuild never has fewer runs, unless its regime or calendar changed under it
        await session.execute(delete(RUNS).where(tuple_(RUNS.c.complaint_id, RUNS.c.run).in_(gone)))
    if changed:
        await session.execute(
            update(RUNS).where(
                and_(RUNS.c.complaint_id == bindparam("b_id"), RUNS.c.run == bindparam("b_run"))
            ),
            changed,
        )
    if new:
        await session.execute(insert(RUNS), new)
