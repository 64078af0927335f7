"""Write events into the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.tables import OutboxMessage


def envelope_headers(envelope: Envelope) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "tousu-event-type": envelope.type,
        "tousu-event-id": envelope.event_id,
        "tousu-schema-version": str(envelope.schema_version),
    }


def add_event(session: AsyncSession, topic: str, envelope: Envelope, now: datetime) -> None:
    """Stage ``envelope`` for ``topic``; it is published only if the transaction commits."""
    add_raw(session, topic, envelope.complaint_id, envelope.to_bytes(), envelope_headers(envelope), now)


def add_raw(
    session: AsyncSession,
    topic: str,
    key: str,
    value: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> None:
    session.add(
        OutboxMessage(
            topic=topic,
            key=key,
            value=value,
            headers=orjson.dumps(dict(headers)).decode(),
            created_at=now,
        )
    )
