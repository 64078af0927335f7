"""The metrics sampler: a service's state, read every few seconds into gauges.

It runs beside the workers and never stops the service: while Kafka or the database is
away a sample fails, is counted (``tousu_metrics_sample_failures_total``) and the gauges
keep their last value.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import col

from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.kafka_auth import client_options
from tousu_shared.kafka_offsets import OffsetReader
from tousu_shared.logging import get_logger
from tousu_shared.telemetry.metrics import (
    CONSUMER_LAG,
    DLQ_MESSAGES,
    OUTBOX_OLDEST_SECONDS,
    OUTBOX_UNSENT,
    SAMPLE_FAILURES,
)

if TYPE_CHECKING:
    from tousu_shared.runtime.service import Runtime

log = get_logger(__name__)

#: a service's own gauges (the SLA monitor's due clocks), sampled with the rest
ExtraSample = Callable[["Runtime"], Awaitable[None]]


async def sample_forever(rt: Runtime) -> None:
    reader = OffsetReader(rt.settings.kafka_bootstrap, client_options(rt.kafka_security))
    started = False
    try:
        while True:
            if not started:
                started = await _attempt("kafka", reader.start)
            await _attempt("outbox", lambda: sample_outbox(rt))
            if started:
                await _attempt("kafka", lambda: sample_kafka(rt, reader))
            if (extra := rt.spec.sample) is not None:
                await _attempt(rt.spec.name, functools.partial(extra, rt))
            await asyncio.sleep(rt.settings.metrics_sample_seconds)
    finally:
        if started:
            await reader.close()


async def _attempt(what: str, sample: Callable[[], Awaitable[object]]) -> bool:
    try:
        await asyncio.wait_for(sample(), timeout=20)
        return True
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        SAMPLE_FAILURES.labels(what).inc()
        log.debug("metrics sample failed", what=what, error=f"{type(exc).__name__}: {exc}")
        return False


async def sample_outbox(rt: Runtime) -> None:
    async with rt.sessions() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(col(OutboxMessage.created_at))).where(
                    col(OutboxMessage.sent_at).is_(None)
                )
            )
        ).one()
    OUTBOX_UNSENT.set(count)
    OUTBOX_OLDEST_SECONDS.set(_age(rt.clock.now(), oldest))


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max((now - oldest).total_seconds(), 0.0)


async def sample_kafka(rt: Runtime, reader: OffsetReader) -> None:
    read: list[str] = []
    for sub in rt.all_subscriptions():
        topics = sub.topics(rt.topics, rt.regimes)
        read += topics
        group = rt.settings.group_id(sub.name_for(rt.regimes))
        for topic, lag in (await reader.lag(group, topics)).items():
            CONSUMER_LAG.labels(group, topic).set(lag)
    for topic, count in (await reader.message_counts(Topics.dlq(t) for t in read)).items():
        DLQ_MESSAGES.labels(topic).set(count)
