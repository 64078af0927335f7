"""Staff act on a work order: the work order, the action row and its event, in one transaction."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy import func
from sqlmodel import col, select

from tousu_dispatch.approvals_api import request_approval
from tousu_dispatch.domain.actions import ActionRefused, check_action, check_open, check_verb, state_after
from tousu_dispatch.models import WorkOrder, WorkOrderAction
from tousu_dispatch.schemas import ActionIn
from tousu_dispatch.web import admin_guard, refused, regime_rules
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.delivery.outbox import add_event


@post("/v1/work-orders/{work_order_id:str}/actions", tags=["work orders"], status_code=HTTP_202_ACCEPTED)
async def take_action(request: Request[Any, Any, Any], work_order_id: str, data: ActionIn) -> dict[str, Any]:
    """Record what staff did (dispatch, accept, onsite, resolve, …); the SLA monitor applies it."""
    rt = admin_guard(request)
    action = data.action()
    try:
        check_verb(action.verb)
    except ActionRefused as exc:
        raise refused(exc) from None
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        order = await session.scalar(
            select(WorkOrder).where(col(WorkOrder.work_order_id) == work_order_id).with_for_update()
        )
        if order is None:
            raise NotFoundException(f"no work order {work_order_id!r}")
        try:
            check_open(order.work_order_id, order.status, action.verb)
            severity = check_action(action, regime_rules(order.regime_ref()), order.severity)
        except ActionRefused as exc:
            raise refused(exc) from None
        payload = ACTION_EVENTS[action.verb](
            verb=action.verb,
            work_order_id=order.work_order_id,
            by=data.by,
            to=action.to,
            reason=data.reason,
            note=data.note,
            due_at=action.due_at,
            clock=action.clock,
            severity=action.severity,
        )
        event = order.event(payload, now)
        last = await session.scalar(
            select(func.max(WorkOrderAction.seq)).where(col(WorkOrderAction.work_order_id) == work_order_id)
        )
        session.add(
            WorkOrderAction(
                action_id=event.event_id,
                work_order_id=order.work_order_id,
                seq=(last or 0) + 1,
                verb=action.verb,
                by_staff=data.by,
                to_role=action.to,
                reason=data.reason,
                note=data.note,
                due_at=action.due_at,
                clock=action.clock,
                severity=action.severity,
                occurred_at=now,
            )
        )
        order.status = state_after(action.verb, order.status)
        order.severity = severity
        order.updated_at = now
        session.add(order)
        add_event(session, rt.topics.workorders, event, now)
        rules = regime_rules(order.regime_ref())
        if action.verb == "plan" and rules.plan_approval:  # 001: the supervisor approves the plan
            plan = {"note": data.note, "due_at": action.due_at.isoformat() if action.due_at else None}
            request_approval(
                session,
                rt.topics,
                order,
                kind="plan",
                approver_role=rules.plan_approval,
                subject={k: v for k, v in plan.items() if v is not None},
                by=data.by,
                now=now,
                caused_by=event,
            )
    if rt.relay:
        rt.relay.wake()
    return {
        "event_id": event.event_id,
        "work_order_id": order.work_order_id,
        "complaint_id": order.complaint_id,
        "verb": action.verb,
        "status": order.status,
        "occurred_at": now.isoformat(),
    }
