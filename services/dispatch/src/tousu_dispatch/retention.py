"""Dispatch's part of the purge: on archive's ``CasePurged`` the staff's free text about the
case (notes, reasons, the handover's background and the resident's expectation, the reopen
reason: any of it can quote the resident) is blanked. Verbs, times and who acted stay."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import col

from tousu_dispatch.models import Approval, WorkOrder, WorkOrderAction
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext


async def on_archive_event(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "CasePurged":
        return
    session = ctx.session
    orders = select(col(WorkOrder.work_order_id)).where(col(WorkOrder.complaint_id) == event.complaint_id)
    await session.execute(
        update(WorkOrderAction)
        .where(col(WorkOrderAction.work_order_id).in_(orders))
        .values(note=None, reason=None, background=None, expectation=None)
    )
    await session.execute(update(Approval).where(col(Approval.work_order_id).in_(orders)).values(note=None))
    await session.execute(
        update(WorkOrder).where(col(WorkOrder.complaint_id) == event.complaint_id).values(reopen_reason=None)
    )
