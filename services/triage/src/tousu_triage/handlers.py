from __future__ import annotations

from functools import cache

from tousu_shared.cases.classification import classify, topic_cue
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintReceived, ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime
from tousu_triage.models import TriageResult

#: until the real classifier lands, topics come from keyword cues; the regime files them
CLASSIFIER = "placeholder-keywords@0"


@cache
def regime_of(regime_id: str) -> Regime:
    return load_regime(regime_id)


async def on_received(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "ComplaintReceived":
        raise PermanentError(f"triage does not handle {event.type}")
    received: ComplaintReceived = event.typed_payload()
    if ctx.record_topic != ctx.topics.received(received.regime):
        raise PermanentError(f"regime {received.regime!r} complaint on topic {ctx.record_topic!r}")
    if await ctx.session.get(TriageResult, event.complaint_id):
        return  # already triaged (a re-sent complaint): one triage per complaint
    regime = regime_of(received.regime)
    filed = classify(regime, text=received.text, channel=received.channel.value)
    topic, cue = topic_cue(received.text)
    reasons = [
        f"keyword {cue!r} → {topic}" if cue else "no keyword matched",
        f"{regime.ref}: {topic} → {filed.category}",
    ]
    now = ctx.clock.now()
    confidence = 0.5 if cue else 0.1
    ctx.session.add(
        TriageResult(
            complaint_id=event.complaint_id,
            regime=received.regime,
            topic=filed.topic,
            category=filed.category,
            department=filed.department,
            confidence=confidence,
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
        confidence=confidence,
        reasons=reasons,
        classifier=CLASSIFIER,
    )
    ctx.emit(ctx.topics.triaged, event.follow_up(payload, now))
