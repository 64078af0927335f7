from __future__ import annotations

from sqlmodel import col, select

from tousu_dispatch.models import WorkOrder
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintTriaged, WorkOrderCreated
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.ids import new_id


async def on_triaged(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintTriaged":
        return  # other lifecycle events are for later capabilities
    triaged: ComplaintTriaged = event.typed_payload()
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
        department=triaged.department,
        category=triaged.category,
        created_at=now,
    )
    ctx.session.add(order)
    payload = WorkOrderCreated(
        work_order_id=order.work_order_id, department=order.department, category=order.category
    )
    ctx.emit(
        ctx.topics.workorders,
        event.follow_up(payload, now),
    )
