from __future__ import annotations

from tousu_archive.case_file import apply
from tousu_archive.models import CaseEvent, CaseFile
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext


async def on_any_event(ctx: HandlerContext, event: Envelope) -> None:
    now = ctx.clock.now()
    case = await ctx.session.get(CaseFile, event.complaint_id)
    if case is None:
        case = CaseFile(
            complaint_id=event.complaint_id,
            tenant_id=event.tenant_id,
            estate_id=event.estate_id,
            status="new",
            updated_at=now,
        )
        ctx.session.add(case)
    payload = event.typed_payload()
    apply(case, event.type, payload, event.occurred_at)
    case.updated_at = now
    ctx.session.add(
        CaseEvent(
            event_id=event.event_id,
            complaint_id=event.complaint_id,
            type=event.type,
            schema_version=event.schema_version,
            topic=ctx.record_topic,
            occurred_at=event.occurred_at,
            causation_id=event.causation_id,
            payload=payload.model_dump_json(),
        )
    )
