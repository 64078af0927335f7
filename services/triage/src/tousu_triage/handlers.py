from __future__ import annotations

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintReceived, ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_triage.models import TriageResult
from tousu_triage.placeholder_rules import CLASSIFIER, triage


async def on_received(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintReceived":
        raise PermanentError(f"triage does not handle {event.type}")
    received: ComplaintReceived = event.typed_payload()
    if ctx.record_topic != ctx.topics.received(received.regime):
        raise PermanentError(f"regime {received.regime!r} complaint on topic {ctx.record_topic!r}")
    if await ctx.session.get(TriageResult, event.complaint_id):
        return  # already triaged (a re-sent complaint): one triage per complaint
    result = triage(received.regime, received.text)
    now = ctx.clock.now()
    ctx.session.add(
        TriageResult(
            complaint_id=event.complaint_id,
            regime=received.regime,
            topic=result.topic,
            category=result.category,
            department=result.department,
            confidence=result.confidence,
            triaged_at=now,
        )
    )
    payload = ComplaintTriaged(
        regime=received.regime,
        topic=result.topic,
        category=result.category,
        department=result.department,
        confidence=result.confidence,
        reasons=result.reasons,
        classifier=CLASSIFIER,
    )
    ctx.emit(
        ctx.topics.triaged,
        event.follow_up(payload, now),
    )
