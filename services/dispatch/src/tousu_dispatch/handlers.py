"""Dispatch's consumers: a work order per triaged complaint; case states the SLA monitor decided."""

from __future__ import annotations

from sqlmodel import col, select

from tousu_dispatch.models import WorkOrder
from tousu_shared.contracts.case_events import CaseStateChanged, SeverityAutoUpgraded
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged, WorkOrderCreated
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.ids import new_id


async def on_triaged(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintTriaged":
        return  # other lifecycle events are for later capabilities
    triaged: ComplaintTriaged = event.typed_payload()
    if triaged.revision > 1:
        return  # a re-reading after clarification: the work order of the first reading stands (for now)
    existing = await ctx.session.scalar(
        select(col(WorkOrder.work_order_id)).where(col(WorkOrder.complaint_id) == event.complaint_id)
    )
    if existing:
        return
    now = ctx.clock.now()
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
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(order)
    payload = WorkOrderCreated(
        work_order_id=order.work_order_id, department=order.department, category=order.category
    )
    ctx.emit(ctx.topics.workorders, event.follow_up(payload, now))


async def on_sla_event(ctx: HandlerContext, event: Envelope) -> None:
    """The rules moved the case (a callback closed or reopened it, an upgrade rule fired):
    the work order follows."""
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
    else:
        order.severity = change.severity
    order.updated_at = ctx.clock.now()
    ctx.session.add(order)
