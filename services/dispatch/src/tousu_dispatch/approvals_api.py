"""Approvals over HTTP: compensations recorded for approval, and decisions on any approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.status_codes import HTTP_202_ACCEPTED
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_dispatch.domain.actions import ActionRefused, check_open
from tousu_dispatch.domain.approvals import Compensation, check_decision
from tousu_dispatch.models import Approval, WorkOrder
from tousu_dispatch.web import allow, audit, caller, refused
from tousu_shared.clean import CleanModel
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ApprovalDecided, ApprovalRequested
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.web import acting_as
from tousu_shared.ids import new_id


class CompensationIn(Compensation):
    by: str | None = Field(
        default=None, min_length=1, max_length=64, description="Staff id of who records it (operator only)"
    )


class DecisionIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str | None = Field(default=None, min_length=1, max_length=64, description="operator only")
    approved: bool
    note: str | None = Field(default=None, max_length=2000)


def request_approval(
    session: AsyncSession,
    topics: Topics,
    order: WorkOrder,
    *,
    kind: str,
    approver_role: str | None,
    subject: dict[str, Any],
    by: str,
    now: datetime,
    caused_by: Envelope | None = None,
) -> tuple[Approval, Envelope]:
    approval = Approval(
        approval_id=new_id(),
        work_order_id=order.work_order_id,
        kind=kind,
        approver_role=approver_role,
        subject=orjson.dumps(subject).decode(),
        requested_by=by,
        requested_at=now,
    )
    session.add(approval)
    payload = ApprovalRequested(
        approval_id=approval.approval_id,
        work_order_id=order.work_order_id,
        kind=kind,
        approver_role=approver_role,
        requested_by=by,
        subject=subject,
    )
    event = order.event(payload, now, caused_by)
    add_event(session, topics.workorders, event, now)
    return approval, event


@post("/v1/work-orders/{work_order_id:str}/compensations", tags=["approvals"], status_code=HTTP_202_ACCEPTED)
async def record_compensation(
    request: Request[Any, Any, Any], work_order_id: str, data: CompensationIn
) -> dict[str, Any]:
    """Record a compensation (cash, or a management or parking fee waiver); it waits for approval."""
    rt, who = await caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        order = await _order(session, work_order_id)
        allow(request, who, "compensation.request", order)
        by = acting_as(who, data.by)
        try:
            check_open(order.work_order_id, order.status, "record a compensation")
        except ActionRefused as exc:
            raise refused(exc) from None
        subject = data.model_dump(mode="json", exclude={"by"}, exclude_none=True)
        approval, requested = request_approval(
            session,
            rt.topics,
            order,
            kind="compensation",
            approver_role=None,
            subject=subject,
            by=by,
            now=now,
        )
        audit(
            session,
            rt,
            who,
            "compensation.request",
            order,
            by=by,
            now=now,
            event=requested,
            detail={"approval_id": approval.approval_id},
        )
    if rt.relay:
        rt.relay.wake()
    return {"approval_id": approval.approval_id, "status": approval.status}


@post("/v1/approvals/{approval_id:str}", tags=["approvals"], status_code=HTTP_202_ACCEPTED)
async def decide(request: Request[Any, Any, Any], approval_id: str, data: DecisionIn) -> dict[str, Any]:
    """Approve or reject a plan or a compensation (not by whoever asked for it)."""
    rt, who = await caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        approval = await session.get(Approval, approval_id, with_for_update=True)
        if approval is None:
            raise NotFoundException(f"no approval {approval_id!r}")
        order = await _order(session, approval.work_order_id)
        allow(request, who, "approval.decide", order)
        named = approval.approver_role
        if named and not who.is_operator and named not in who.roles_in(order.estate_id):
            raise PermissionDeniedException(f"this approval is for the {named} of estate {order.estate_id}")
        by = acting_as(who, data.by)
        try:
            check_decision(approval.status, approval.requested_by, by, approval.kind)
        except ActionRefused as exc:
            raise refused(exc) from None
        approval.status = "approved" if data.approved else "rejected"
        approval.decided_by, approval.decided_at, approval.note = by, now, data.note
        session.add(approval)
        payload = ApprovalDecided(
            approval_id=approval_id,
            work_order_id=order.work_order_id,
            kind=approval.kind,
            approved=data.approved,
            decided_by=by,
            note=data.note,
        )
        decided = order.event(payload, now)
        add_event(session, rt.topics.workorders, decided, now)
        audit(
            session,
            rt,
            who,
            "approval.decide",
            order,
            by=by,
            now=now,
            event=decided,
            detail={"approval_id": approval_id, "approved": data.approved},
        )
    if rt.relay:
        rt.relay.wake()
    return {"approval_id": approval_id, "status": approval.status}


@get("/v1/work-orders/{work_order_id:str}/approvals", tags=["approvals"])
async def list_approvals(request: Request[Any, Any, Any], work_order_id: str) -> dict[str, Any]:
    rt, who = await caller(request)
    async with rt.sessions() as session:
        allow(request, who, "workorder.read", await _order(session, work_order_id))
        rows = await session.scalars(
            select(Approval)
            .where(col(Approval.work_order_id) == work_order_id)
            .order_by(col(Approval.requested_at), col(Approval.approval_id))
        )
        return {"items": [_approval_out(a) for a in rows]}


async def _order(session: AsyncSession, work_order_id: str) -> WorkOrder:
    order = await session.get(WorkOrder, work_order_id)
    if order is None:
        raise NotFoundException(f"no work order {work_order_id!r}")
    return order


def _approval_out(a: Approval) -> dict[str, Any]:
    return {
        "approval_id": a.approval_id,
        "kind": a.kind,
        "approver_role": a.approver_role,
        "subject": orjson.loads(a.subject),
        "requested_by": a.requested_by,
        "requested_at": a.requested_at.isoformat(),
        "status": a.status,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        "note": a.note,
    }
