"""A case as the API serves it and the exports write it: the file and its whole timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.models import CaseEvent, CaseFile

#: cases whose timelines one query reads (a month's export reads thousands)
_CHUNK = 500


async def case_record(session: AsyncSession, case: CaseFile) -> dict[str, Any]:
    """The case file and its timeline, as the case API serves them."""
    return (await case_records(session, [case]))[0]


async def case_records(session: AsyncSession, cases: Sequence[CaseFile]) -> list[dict[str, Any]]:
    """:func:`case_record` of each case, in order, reading the timelines a chunk at a time."""
    timelines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(cases), _CHUNK):
        ids = [c.complaint_id for c in cases[start : start + _CHUNK]]
        events = await session.scalars(
            select(CaseEvent)
            .where(col(CaseEvent.complaint_id).in_(ids))
            .order_by(col(CaseEvent.occurred_at), col(CaseEvent.id))
        )
        for e in events:
            timelines[e.complaint_id].append(
                {
                    "event_id": e.event_id,
                    "type": e.type,
                    "occurred_at": e.occurred_at.isoformat(),
                    "topic": e.topic,
                    "causation_id": e.causation_id,
                    "redacted_at": e.redacted_at.isoformat() if e.redacted_at else None,
                    "payload": orjson.loads(e.payload),
                }
            )
    return [{**case.shown(), "timeline": timelines[case.complaint_id]} for case in cases]
