"""Assigning a work order to a person of the estate's roster, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_dispatch.domain.roster import Choice, Roster, choose
from tousu_dispatch.models import EstateRoster, WorkOrder
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import WorkOrderAssigned
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event

#: a work order in one of these states no longer counts towards its assignee's load
DONE = ("resolved", "closed", "withdrawn")


async def roster_of(session: AsyncSession, tenant_id: str, estate_id: str) -> Roster | None:
    row = await session.get(EstateRoster, estate_id)
    if row is None or row.tenant_id != tenant_id:
        return None
    return Roster.model_validate_json(row.document)


async def workload(session: AsyncSession, order: WorkOrder) -> tuple[dict[str, int], dict[str, datetime]]:
    """Open work orders per assignee of the estate and department, and when each last got one."""
    rows = await session.execute(
        select(
            col(WorkOrder.assignee),
            func.count().filter(col(WorkOrder.status).not_in(DONE)),
            func.max(col(WorkOrder.assigned_at)),
        )
        .where(
            col(WorkOrder.tenant_id) == order.tenant_id,
            col(WorkOrder.estate_id) == order.estate_id,
            col(WorkOrder.department) == order.department,
            col(WorkOrder.assignee).is_not(None),
        )
        .group_by(col(WorkOrder.assignee))
    )
    loads: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for assignee, open_count, latest in rows:
        assert assignee is not None
        loads[assignee] = int(open_count)
        if latest is not None:
            last[assignee] = latest
    return loads, last


async def auto_choice(
    session: AsyncSession, order: WorkOrder, roster: Roster, now: datetime
) -> Choice | None:
    loads, last = await workload(session, order)
    return choose(roster, order.department, order.topic, now, loads, last)


def assign(
    session: AsyncSession,
    topics: Topics,
    order: WorkOrder,
    choice: Choice,
    now: datetime,
    *,
    by: str | None = None,
    caused_by: Envelope | None = None,
) -> Envelope:
    """Give ``order`` to ``choice`` and stage the ``WorkOrderAssigned`` event."""
    previous = order.assignee
    order.assignee, order.team_id, order.assigned_at, order.updated_at = (
        choice.staff_id,
        choice.team_id,
        now,
        now,
    )
    session.add(order)
    payload = WorkOrderAssigned(
        work_order_id=order.work_order_id,
        staff_id=choice.staff_id,
        team_id=choice.team_id,
        reason=choice.reason,
        by=by,
        previous=previous,
    )
    event = order.event(payload, now, caused_by)
    add_event(session, topics.workorders, event, now)
    return event


async def assign_by_rule(
    session: AsyncSession, topics: Topics, order: WorkOrder, now: datetime, caused_by: Envelope
) -> bool:
    """Give ``order`` to whoever the estate's roster picks now; False when no roster or nobody
    of its department is on duty."""
    roster = await roster_of(session, order.tenant_id, order.estate_id)
    if roster is None or (choice := await auto_choice(session, order, roster, now)) is None:
        return False
    assign(session, topics, order, choice, now, caused_by=caused_by)
    return True
