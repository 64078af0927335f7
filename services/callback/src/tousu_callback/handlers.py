"""Callback's consumers: which cases exist, and the state each is in."""

from __future__ import annotations

from collections.abc import Callable

from tousu_callback.domain.cases import state_after
from tousu_callback.models import CallbackCase
from tousu_shared.contracts.case_events import ACTION_EVENTS, CaseAction, CaseStateChanged
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import WorkOrderCreated
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
