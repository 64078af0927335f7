from __future__ import annotations

from functools import cache

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ComplaintClarified, ComplaintReceived, ComplaintTriaged
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.delivery.rows import find
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


#: lifecycle events on the received topics that are not triage's business
_NOT_FOR_TRIAGE = {"ComplaintRejected", "ComplaintRepeated"}


async def on_received(ctx: HandlerContext, event: Envelope) -> None:
    if event.type in _NOT_FOR_TRIAGE:
        return
    if event.type not in ("ComplaintReceived", "ComplaintClarified"):
        raise PermanentError(f"triage does not handle {event.type}")
    case: ComplaintReceived | ComplaintClarified = event.typed_payload()
    if ctx.record_topic != ctx.topics.received(case.regime):
        raise PermanentError(f"regime {case.regime!r} complaint on topic {ctx.record_topic!r}")
    earlier = await find(ctx.session, TriageResult, event.complaint_id)
    if isinstance(case, ComplaintReceived):
        if earlier:
            return  # already triaged (a re-sent complaint): one triage per complaint
        text, revision = case.text, 1
    else:
        # the answer read together with the complaint, as a clerk would read the whole call
        text, revision = f"{case.text}\n{case.answer}", (earlier.revision + 1 if earlier else 1)
    regime = regime_of(case.regime)
    result = triage(reader(), regime, text, channel=case.channel.value, parameters=case.parameters)
    filed, reading = result.filed, result.reading
    now = ctx.clock.now()
    fresh = TriageResult(
        complaint_id=event.complaint_id,
        regime=case.regime,
        topic=filed.topic,
        category=filed.category,
        department=filed.department,
        confidence=reading.confidence,
        triaged_at=now,
        revision=revision,
    )
    if earlier is None:
        ctx.session.add(fresh)  # not merged: merge would look the row up once more
    else:
        earlier.sqlmodel_update(fresh.model_dump(exclude={"complaint_id"}))
    payload = ComplaintTriaged(
        regime=case.regime,
        parameters=case.parameters,
        revision=revision,
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
        channel=case.channel,
        received_at=case.received_at,
    )
    ctx.emit(ctx.topics.triaged, event.follow_up(payload, now))
