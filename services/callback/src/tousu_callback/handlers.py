"""Callback's consumers: which cases exist, the state each is in, and the people an
escalation must reach (staged in the notification outbox when a notifier is configured)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from tousu_callback.domain.cases import state_after
from tousu_callback.models import CallbackCase
from tousu_callback.notify import ESCALATION, stage
from tousu_callback.settings import callback_settings
from tousu_notifiers import Notification, Recipient
from tousu_shared.contracts.case_events import ACTION_EVENTS, CaseAction, CaseStateChanged
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import EscalationNotified, WorkOrderCreated
from tousu_shared.delivery.consumer import HandlerContext

_ACTION_TYPES = frozenset(model.__name__ for model in ACTION_EVENTS.values())


async def on_workorder_event(ctx: HandlerContext, event: Envelope) -> None:
    """A work order was created (a case to call back about), or staff moved its case."""
    if event.type == "WorkOrderCreated":
        created: WorkOrderCreated = event.typed_payload()
        if await ctx.session.get(CallbackCase, event.complaint_id) is None:
            ctx.session.add(
                CallbackCase(
                    complaint_id=event.complaint_id,
                    tenant_id=event.tenant_id,
                    estate_id=event.estate_id,
                    work_order_id=created.work_order_id,
                    status="open",
                    updated_at=ctx.clock.now(),
                )
            )
    elif event.type in _ACTION_TYPES:
        action: CaseAction = event.typed_payload()
        await _set_status(ctx, event.complaint_id, lambda current: state_after(action.verb, current))
    elif event.type == "EscalationNotified" and callback_settings().notify_escalation:
        await _stage_escalation(ctx, event, event.typed_payload())


async def _stage_escalation(ctx: HandlerContext, event: Envelope, told: EscalationNotified) -> None:
    """One notification per person dispatch named, keyed by the event and the person so a
    re-read event stages nothing new."""
    for person in told.people:
        key = hashlib.sha256(f"{event.event_id}:{person}".encode()).hexdigest()[:32]
        notification = Notification(
            notification_id=key,
            tenant_id=event.tenant_id,
            complaint_id=event.complaint_id,
            kind="escalation",
            recipient=Recipient(staff_id=person),
            subject=f"投诉升级：{event.complaint_id}",
            text=f"请 {told.to_role} 跟进投诉 {event.complaint_id}：{told.reason}",
            data={"estate_id": event.estate_id, "trigger": told.trigger, "clock": told.clock},
        )
        await stage(ctx.session, notification, ESCALATION, ctx.clock.now())


async def on_sla_event(ctx: HandlerContext, event: Envelope) -> None:
    """The rules moved the case (a callback closed or reopened it)."""
    if event.type != "CaseStateChanged":
        return  # clock events are not callback's business yet
    changed: CaseStateChanged = event.typed_payload()
    await _set_status(ctx, event.complaint_id, lambda _current: changed.state)


async def _set_status(ctx: HandlerContext, complaint_id: str, new_status: Callable[[str], str]) -> None:
    case = await ctx.session.get(CallbackCase, complaint_id)
    if case is None:
        return  # no work order seen for it: nothing to call back about
    status = new_status(case.status)
    if status != case.status:
        case.status = status
        case.updated_at = ctx.clock.now()
        ctx.session.add(case)
