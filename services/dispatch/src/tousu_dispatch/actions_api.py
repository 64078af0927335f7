"""Staff act on a work order: the work order, the action row and its event, in one transaction."""

from __future__ import annotations

from typing import Any

import orjson
from litestar import Request, post
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_dispatch.approvals_api import request_approval
from tousu_dispatch.assignment import roster_of
from tousu_dispatch.domain.actions import (
    ActionRefused,
    RegimeRules,
    check_action,
    check_open,
    check_verb,
    state_after,
)
from tousu_dispatch.domain.warranty import Completion, builder_team
from tousu_dispatch.models import WorkOrder, WorkOrderAction
from tousu_dispatch.schemas import ActionIn
from tousu_dispatch.web import allow, audit, caller, refused, regime_rules
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.delivery.outbox import add_event
from tousu_shared.identity.web import acting_as


@post("/v1/work-orders/{work_order_id:str}/actions", tags=["work orders"], status_code=HTTP_202_ACCEPTED)
async def take_action(request: Request[Any, Any, Any], work_order_id: str, data: ActionIn) -> dict[str, Any]:
    """Record what staff did (dispatch, accept, onsite, resolve, …); the SLA monitor applies it."""
    rt, who = await caller(request)
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
        allow(request, who, "workorder.act", order)
        by = acting_as(who, data.by)
        rules = regime_rules(order.regime_ref())
        try:
            check_open(order.work_order_id, order.status, action.verb)
            severity = check_action(action, rules, order.severity)
            to, reason = await _routed(session, order, rules, action.to, data)
        except ActionRefused as exc:
            raise refused(exc) from None
        payload = ACTION_EVENTS[action.verb](
            verb=action.verb,
            work_order_id=order.work_order_id,
            by=by,
            to=to,
            reason=reason,
            note=data.note,
            due_at=action.due_at,
            clock=action.clock,
            severity=action.severity,
            background=action.background,
            expectation=action.expectation,
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
                by_staff=by,
                to_role=to,
                reason=reason,
                note=data.note,
                due_at=action.due_at,
                clock=action.clock,
                severity=action.severity,
                background=action.background,
                expectation=action.expectation,
                occurred_at=now,
            )
        )
        order.status = state_after(action.verb, order.status)
        if action.verb == "reopen":
            order.reopened += 1
            order.reopen_reason = action.reason or data.note
        order.severity = severity
        order.updated_at = now
        session.add(order)
        add_event(session, rt.topics.workorders, event, now)
        audit(session, rt, who, f"workorder.act:{action.verb}", order, by=by, now=now, event=event)
        if action.verb == "plan" and rules.plan_approval:  # 001: the supervisor approves the plan
            plan = {"note": data.note, "due_at": action.due_at.isoformat() if action.due_at else None}
            request_approval(
                session,
                rt.topics,
                order,
                kind="plan",
                approver_role=rules.plan_approval,
                subject={k: v for k, v in plan.items() if v is not None},
                by=by,
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
        "to": to,
        "reason": reason,
        "occurred_at": now.isoformat(),
    }


async def _routed(
    session: AsyncSession, order: WorkOrder, rules: RegimeRules, to: str | None, data: ActionIn
) -> tuple[str | None, str | None]:
    """Where the action sends the case and why: 003's warranty rule picks the builder's team
    (its reason joins the staff's own); anything else goes where staff said."""
    if rules.warranty is None or to != rules.warranty.dispatch_as:
        return to, data.reason
    roster = await roster_of(session, order.tenant_id, order.estate_id)
    completion = (
        Completion(roster.completion_accepted_on, tuple(roster.buildings.items())) if roster else Completion()
    )
    rule = rules.warranty.for_estate(orjson.loads(order.parameters))
    team, why = builder_team(
        rule, to, completion, order.received_at or order.created_at, building=data.building
    )
    return team, "; ".join(r for r in (why, data.reason) if r)
