"""Each clock run's outcome, as the SLA monitor's events tell it: what on-time rates count.

A run is one start of one clock (a restart after a reopening is a new run). Its events come
in any order, so the outcome only moves up: running < cancelled < met < late. A run that
breached is late even when it was stopped since (ClockStoppedLate); one that met stays met.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_archive.models import ClockRun
from tousu_shared.contracts.case_events import ClockEvent
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.rows import row_for

_RANK = {"running": 0, "cancelled": 1, "met": 2, "late": 3}
_OUTCOME_OF = {
    "ClockStarted": "running",
    "ClockRestarted": "running",
    "ClockRetargeted": "running",
    "ClockWarning": "running",
    "ClockCancelled": "cancelled",
    "ClockMet": "met",
    "ClockBreached": "late",
    "ClockStoppedLate": "late",
}


def outcome_after(current: str, event_type: str) -> str:
    new = _OUTCOME_OF.get(event_type, current)
    return new if _RANK[new] > _RANK[current] else current


async def follow_clock(session: AsyncSession, event: Envelope, payload: BaseModel) -> None:
    """Record ``event`` (a ``Clock*`` event) on its run's row."""
    if event.type not in _OUTCOME_OF:
        return
    assert isinstance(payload, ClockEvent)
    key = (event.complaint_id, payload.clock, payload.started_at)
    run = await row_for(
        session,
        ClockRun,
        key,
        lambda: ClockRun(
            complaint_id=event.complaint_id,
            clock=payload.clock,
            started_at=payload.started_at,
            tenant_id=event.tenant_id,
            estate_id=event.estate_id,
            due_at=payload.due_at,
            outcome="running",
        ),
    )
    run.department = payload.department or run.department
    if event.type == "ClockRetargeted" or run.outcome == "running":
        run.due_at = payload.due_at
    run.outcome = outcome_after(run.outcome, event.type)
    if event.type == "ClockBreached":
        run.breached_at = event.occurred_at
    elif event.type in ("ClockMet", "ClockStoppedLate", "ClockCancelled"):
        run.stopped_at = payload.stopped_at or event.occurred_at
