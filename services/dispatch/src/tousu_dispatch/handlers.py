"""Dispatch's consumers: a work order per triaged complaint; case states the SLA monitor decided."""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlmodel import col, select

from tousu_dispatch.assignment import assign_by_rule, roster_of
from tousu_dispatch.domain.actions import FINAL_STATES
from tousu_dispatch.domain.roster import people_for
from tousu_dispatch.models import WorkOrder
from tousu_shared.contracts.case_events import CaseStateChanged, EscalationRaised, SeverityAutoUpgraded
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged, EscalationNotified, WorkOrderCreated
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.ids import new_id


async def on_triaged(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintTriaged":
        return  # other lifecycle events are for later capabilities
    triaged: ComplaintTriaged = event.typed_payload()
    existing = await ctx.session.scalar(
        select(WorkOrder).where(col(WorkOrder.complaint_id) == event.complaint_id).with_for_update()
    )
    now = ctx.clock.now()
    if existing is not None:
        if triaged.revision > 1:
            await _read_again(ctx, existing, triaged, now, event)
        return  # else the first reading redelivered: its work order stands
    order = WorkOrder(
        work_order_id=new_id(),
        complaint_id=event.complaint_id,
        tenant_id=event.tenant_id,
        estate_id=event.estate_id,
        regime=triaged.regime,
        regime_version=triaged.regime_version,
        department=triaged.department,
        category=triaged.category,
        topic=triaged.topic,
        urgency=triaged.urgency,
        severity=triaged.severity,
        status="open",
        received_at=triaged.received_at,
        parameters=orjson.dumps(triaged.parameters).decode(),
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(order)
    payload = WorkOrderCreated(
        work_order_id=order.work_order_id,
        department=order.department,
        category=order.category,
        regime=order.regime_ref(),
        topic=order.topic,
        level=order.urgency or order.severity,
        parameters=triaged.parameters,
    )
    created = event.follow_up(payload, now)
    ctx.emit(ctx.topics.workorders, created)
    await ctx.session.flush()  # the new work order counts in nobody's load yet, but must exist
    await assign_by_rule(ctx.session, ctx.topics, order, now, created)


async def _read_again(
    ctx: HandlerContext, order: WorkOrder, triaged: ComplaintTriaged, now: datetime, event: Envelope
) -> None:
    """Triage read the complaint again after a clarification: an open work order takes the new
    classification (the SLA monitor moves its clocks the same way); one that moved to another
    department leaves its assignee and goes to someone of the new one, if anyone is on duty."""
    if order.status in FINAL_STATES or order.tenant_id != event.tenant_id:
        return
    moved = triaged.department != order.department
    order.topic, order.category, order.department = triaged.topic, triaged.category, triaged.department
    order.urgency, order.severity, order.updated_at = triaged.urgency, triaged.severity, now
    ctx.session.add(order)
    if not moved:
        return
    if not await assign_by_rule(ctx.session, ctx.topics, order, now, event):  # the event says who had it
        order.assignee = order.team_id = order.assigned_at = None  # the new department's queue


async def on_sla_event(ctx: HandlerContext, event: Envelope) -> None:
    """The rules moved the case (a callback closed or reopened it, an upgrade rule fired):
    the work order follows."""
    if event.type == "EscalationRaised":
        await _notify(ctx, event)
        return
    if event.type not in ("CaseStateChanged", "SeverityAutoUpgraded"):
        return  # clock events are the SLA monitor's business
    order = await ctx.session.scalar(
        select(WorkOrder).where(col(WorkOrder.complaint_id) == event.complaint_id)
    )
    if order is None:
        return
    change: CaseStateChanged | SeverityAutoUpgraded = event.typed_payload()
    if isinstance(change, CaseStateChanged):
        order.status = change.state
        if change.state == "reopened":  # back to the department, with the resident's words
            order.reopened += 1
            order.reopen_reason = change.reason
    else:
        order.severity = change.severity
    order.updated_at = ctx.clock.now()
    ctx.session.add(order)


async def _notify(ctx: HandlerContext, event: Envelope) -> None:
    """Resolve the role the regime escalates to into people of the estate's roster, and say so
    (``EscalationNotified``; notifiers deliver it). Nobody named is recorded too: a report
    must show an escalation that reached no one."""
    raised: EscalationRaised = event.typed_payload()
    roster = await roster_of(ctx.session, event.tenant_id, event.estate_id)
    now = ctx.clock.now()
    people = people_for(roster, raised.to_role, now) if roster else []
    told = EscalationNotified(
        to_role=raised.to_role,
        people=people,
        reason=raised.reason,
        trigger=raised.trigger,
        clock=raised.clock,
        escalation_event_id=event.event_id,
    )
    ctx.emit(ctx.topics.workorders, event.follow_up(told, now))
