from __future__ import annotations

from tousu_archive.clock_runs import follow_clock
from tousu_archive.entries import file_event
from tousu_archive.models import CaseFile
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.rows import row_for


async def on_any_event(ctx: HandlerContext, event: Envelope) -> None:
    now = ctx.clock.now()
    case = await row_for(
        ctx.session,
        CaseFile,
        event.complaint_id,
        lambda: CaseFile(
            complaint_id=event.complaint_id,
            tenant_id=event.tenant_id,
            estate_id=event.estate_id,
            status="new",
            updated_at=now,
        ),
    )
    payload = event.typed_payload()
    file_event(ctx.session, case, event, payload, ctx.record_topic)
    await follow_clock(ctx.session, event, payload)
    case.updated_at = now
