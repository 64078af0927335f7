"""A case as the API serves it and the exports write it: the file and its whole timeline."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.models import CaseEvent, CaseFile


async def case_record(session: AsyncSession, case: CaseFile) -> dict[str, Any]:
    """The case file and its timeline, as the case API serves them."""
    events = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.complaint_id == case.complaint_id)
        .order_by(col(CaseEvent.occurred_at), col(CaseEvent.id))
    )
    timeline = [
        {
            "event_id": e.event_id,
            "type": e.type,
            "occurred_at": e.occurred_at.isoformat(),
            "topic": e.topic,
            "causation_id": e.causation_id,
            "redacted_at": e.redacted_at.isoformat() if e.redacted_at else None,
            "payload": orjson.loads(e.payload),
        }
        for e in events
    ]
    return {**case.shown(), "timeline": timeline}
