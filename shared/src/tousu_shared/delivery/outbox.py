"""Write events into the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.telemetry.tracing import current_headers


def envelope_headers(envelope: Envelope) -> dict[str, str]:
    """The message headers of ``envelope``, with the trace it is staged in (if any)."""
    return {
        "content-type": "application/json",
        "tousu-event-type": envelope.type,
        "tousu-event-id": envelope.event_id,
        "tousu-schema-version": str(envelope.schema_version),
        **current_headers(),
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


def outbox_row(topic: str, envelope: Envelope, now: datetime) -> dict[str, Any]:
    """The outbox row for ``envelope``, for :func:`stage_rows`."""
    return {
        "topic": topic,
        "key": envelope.complaint_id,
        "value": envelope.to_bytes(),
        "headers": orjson.dumps(envelope_headers(envelope)).decode(),
        "created_at": now,
    }


async def stage_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Stage many events in one statement (a service that writes them in bulk, the SLA
    monitor's firing loop); ids follow the list's order, so each case's events stay in order."""
    if rows:
        await session.execute(insert(OutboxMessage.__table__), rows)  # type: ignore[attr-defined]
