"""Rebuilding case files and clock runs from the timeline (``tousu archive rebuild``).

The timeline is the record; the case file and the clock runs are read models of it. After
an upgrade that teaches the case file something new (the summary and search of 0005/0007,
the clock runs of 0006), cases filed before it lack what the new code would have kept.
A rebuild replays each case's timeline, in the order it was filed, through the same code
the consumer runs, and replaces its read models. The timeline itself is only read. A
redacted entry (a purged case) is replayed as it stands, without its personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from tousu_archive.case_file import apply
from tousu_archive.clock_runs import follow_clock
from tousu_archive.models import CaseEvent, CaseFile, ClockRun
from tousu_archive.retention import retention_ends
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import payload_model

#: what a purged required field reads as (a model-typed one, e.g. the contact: {})
_EMPTY: dict[Any, Any] = {str: "", list[str]: []}
#: what a rebuild keeps of the old case file: who it belongs to and when it last changed
_KEPT = ("complaint_id", "tenant_id", "estate_id", "updated_at")


def _payload(row: CaseEvent) -> BaseModel:
    model = payload_model(row.type, row.schema_version)
    data = orjson.loads(row.payload)
    try:
        return model.model_validate(data)
    except ValidationError:
        if row.redacted_at is None:
            raise
    # purged: its personal fields are empty on purpose; the required ones read as empty values
    for name, field in model.model_fields.items():
        if data.get(name) is None and field.is_required():
            data[name] = _EMPTY.get(field.annotation, {})
    return model.model_validate(data)


async def rebuild_case(session: AsyncSession, case: CaseFile) -> int:
    """Replay one case's timeline into a fresh case file and fresh clock runs; entries replayed."""
    rows = (
        await session.scalars(
            select(CaseEvent)
            .where(col(CaseEvent.complaint_id) == case.complaint_id)
            .order_by(col(CaseEvent.id))
        )
    ).all()
    fresh = CaseFile(**{name: getattr(case, name) for name in _KEPT}, status="new")
    await session.execute(delete(ClockRun).where(col(ClockRun.complaint_id) == case.complaint_id))
    for row in rows:
        payload = _payload(row)
        apply(fresh, row.type, payload, row.occurred_at)
        envelope = Envelope.model_construct(
            event_id=row.event_id,
            type=row.type,
            schema_version=row.schema_version,
            occurred_at=row.occurred_at,
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=case.complaint_id,
            correlation_id=row.event_id,
            payload={},
        )
        await follow_clock(session, envelope, payload)
    fresh.purge_after = retention_ends(fresh)
    for name, value in fresh.model_dump(exclude=set(_KEPT)).items():
        setattr(case, name, value)
    return len(rows)


async def rebuild(
    sessions: async_sessionmaker[AsyncSession],
    complaint_ids: list[str] | None = None,
    batch: int = 200,
    progress: Callable[[int, int], Any] | None = None,
) -> tuple[int, int]:
    """Rebuild every case file (or those named), ``batch`` per transaction; (cases, entries)."""
    async with sessions() as session:
        query = select(CaseFile.complaint_id).order_by(col(CaseFile.complaint_id))
        if complaint_ids:
            query = query.where(col(CaseFile.complaint_id).in_(complaint_ids))
        ids = list(await session.scalars(query))
    cases = entries = 0
    for start in range(0, len(ids), batch):
        async with sessions() as session, session.begin():
            for case in await session.scalars(
                select(CaseFile).where(col(CaseFile.complaint_id).in_(ids[start : start + batch]))
            ):
                entries += await rebuild_case(session, case)
                cases += 1
        if progress:
            progress(cases, len(ids))
    return cases, entries
