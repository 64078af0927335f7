from __future__ import annotations

from tousu_callback.models import CallbackObservedCase
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext


async def on_lifecycle_event(ctx: HandlerContext, event: Envelope) -> None:
    case = await ctx.session.get(CallbackObservedCase, event.complaint_id)
    if case is None:
        case = CallbackObservedCase(
            complaint_id=event.complaint_id,
            tenant_id=event.tenant_id,
            last_event_type=event.type,
            updated_at=ctx.clock.now(),
        )
        ctx.session.add(case)
    case.last_event_type = event.type
    case.events_seen += 1
    case.updated_at = ctx.clock.now()
