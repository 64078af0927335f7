"""Archive's own entries in a case's timeline: a review, a correction, a legal hold, a purge.

A closed case is never edited: each of these is a new entry, appended to the timeline (the
database refuses to change or delete one, migration 0006), applied to the case file the way
every other event is, and published on ``archive.events`` for whoever follows the group.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_archive.case_file import apply
from tousu_archive.models import CaseEvent, CaseFile
from tousu_archive.retention import retention_ends
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event


def add_entry(
    session: AsyncSession, topics: Topics, case: CaseFile, payload: BaseModel, now: datetime
) -> Envelope:
    envelope = Envelope.new(
        payload=payload,
        occurred_at=now,
        tenant_id=case.tenant_id,
        estate_id=case.estate_id,
        complaint_id=case.complaint_id,
    )
    file_event(session, case, envelope, payload, topics.archive)
    case.updated_at = now
    add_event(session, topics.archive, envelope, now)
    return envelope


def file_event(
    session: AsyncSession, case: CaseFile, event: Envelope, payload: BaseModel, topic: str
) -> None:
    """Apply ``event`` to the case file and append it to the timeline."""
    apply(case, event.type, payload, event.occurred_at)
    case.purge_after = retention_ends(case)
    session.add(
        CaseEvent(
            event_id=event.event_id,
            complaint_id=event.complaint_id,
            type=event.type,
            schema_version=event.schema_version,
            topic=topic,
            occurred_at=event.occurred_at,
            causation_id=event.causation_id,
            payload=payload.model_dump_json(),
        )
    )
