from __future__ import annotations

from functools import cache

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintReceived, ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime
from tousu_triage.classifier import Reader
from tousu_triage.models import TriageResult
from tousu_triage.triage import CLASSIFIER, triage


@cache
def regime_of(regime_id: str) -> Regime:
    return load_regime(regime_id)


@cache
def reader() -> Reader:
    """One per process: jieba's dictionary and the lexicon load once (about a second)."""
    return Reader()


async def on_received(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintReceived":
        raise PermanentError(f"triage does not handle {event.type}")
    received: ComplaintReceived = event.typed_payload()
    if ctx.record_topic != ctx.topics.received(received.regime):
        raise PermanentError(f"regime {received.regime!r} complaint on topic {ctx.record_topic!r}")
    if await ctx.session.get(TriageResult, event.complaint_id):
        return  # already triaged (a re-sent complaint): one triage per complaint
    regime = regime_of(received.regime)
    result = triage(reader(), regime, received.text, channel=received.channel.value)
    filed, reading = result.filed, result.reading
    now = ctx.clock.now()
    ctx.session.add(
        TriageResult(
            complaint_id=event.complaint_id,
            regime=received.regime,
            topic=filed.topic,
            category=filed.category,
            department=filed.department,
            confidence=reading.confidence,
            triaged_at=now,
        )
    )
    payload = ComplaintTriaged(
        regime=received.regime,
        regime_version=regime.version,
        topic=filed.topic,
        category=filed.category,
        urgency=filed.urgency,
        severity=filed.severity,
        department=filed.department,
        confidence=reading.confidence,
        reasons=result.reasons,
        classifier=CLASSIFIER,
        signals=sorted(filed.signals),
        group=filed.group,
        signatories=reading.signatories,
        needs_clarification=reading.needs_clarification,
        questions=list(reading.questions),
    )
    ctx.emit(ctx.topics.triaged, event.follow_up(payload, now))
