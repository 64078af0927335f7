"""The purge: when a case file's retention runs out, its personal data goes — from the case
file, from every entry of its timeline (redacted in place, the one change the database
allows), and, through ``CasePurged`` on archive.events, from intake's vault and callback.

What stays says the case existed: its id, estate, dates, classification, clock outcomes and
the answers' grades (the reports of past months still add up), the ``CasePurged`` entry, and
an audit record ``case.purge``. A case on legal hold is skipped until it is released.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.entries import add_entry
from tousu_archive.models import CaseEvent, CaseFile
from tousu_archive.retention import regime_years
from tousu_shared.contracts.events import CasePurged
from tousu_shared.contracts.topics import Topics
from tousu_shared.identity.audit import record_audit
from tousu_shared.identity.principal import Principal
from tousu_shared.logging import get_logger

if TYPE_CHECKING:
    from tousu_shared.runtime.service import Runtime

log = get_logger(__name__)

#: who the audit trail names for a purge: the retention rule, run by the platform
RETENTION = Principal(subject="tousu-retention", kind="operator")
#: what residents said, who they are, where they live, per event type; every staff action's
#: free text too (a note can quote the resident)
_PERSONAL_OF = {
    "ComplaintReceived": (
        "text",
        "contact",
        "room",
        "location",
        "persons_involved",
        "evidence",
        "contact_ref",
        "source_message_id",
    ),
    "ComplaintRejected": ("room", "note"),
    "ComplaintRepeated": ("text",),
    "ComplaintClarified": ("text", "answer"),
    "ComplaintTriaged": ("reasons", "questions"),
    "CaseStateChanged": ("reason",),
    "CaseReviewed": ("note",),
}
_ACTION_TEXT = ("note", "comment", "reason", "background", "expectation")
REDACTED = None


def redact(event_type: str, payload: dict[str, Any]) -> bool:
    """Blank the personal fields of one stored payload; True when anything was there."""
    keys = _PERSONAL_OF.get(event_type, _ACTION_TEXT if "verb" in payload else ())
    changed = False
    for key in keys:
        if payload.get(key) not in (None, "", [], {}):
            payload[key] = REDACTED
            changed = True
    return changed


async def purge_case(session: AsyncSession, topics: Topics, case: CaseFile, now: datetime) -> int:
    """Purge one case file; returns how many timeline entries were redacted."""
    rows = await session.scalars(
        select(CaseEvent).where(
            col(CaseEvent.complaint_id) == case.complaint_id, col(CaseEvent.redacted_at).is_(None)
        )
    )
    redacted = 0
    for row in rows:
        payload = orjson.loads(row.payload)
        if redact(row.type, payload):
            row.payload, row.redacted_at = orjson.dumps(payload).decode(), now
            redacted += 1
    years = case.retention_years if case.retention_years is not None else regime_years(case.regime)
    event = add_entry(
        session,
        topics,
        case,
        CasePurged(
            closed_at=case.closed_at, retention_years=years, regime=case.regime, building=case.building
        ),
        now,
    )
    record_audit(
        session,
        topics,
        "archive",
        RETENTION,
        "case.purge",
        tenant_id=case.tenant_id,
        estate_id=case.estate_id,
        complaint_id=case.complaint_id,
        now=now,
        detail={
            "retention_years": years,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "redacted_entries": redacted,
        },
        caused=event,
    )
    return redacted


async def purge_due(rt: Runtime, limit: int) -> list[str]:
    """Purge up to ``limit`` case files whose retention ran out (oldest first); their ids."""
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        cases = (
            await session.scalars(
                select(CaseFile)
                .where(
                    col(CaseFile.purge_after) <= now,
                    col(CaseFile.purged_at).is_(None),
                    col(CaseFile.legal_hold).is_(False),
                )
                .order_by(col(CaseFile.purge_after))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for case in cases:
            await purge_case(session, rt.topics, case, now)
    if cases:
        log.info("case files purged", count=len(cases))
    return [c.complaint_id for c in cases]


async def retention_runs(rt: Runtime) -> None:
    """Background job: purge what is due, every ``retention_check_seconds``."""
    settings = rt.state["settings"]
    while True:
        try:
            while len(await purge_due(rt, settings.retention_batch)) == settings.retention_batch:
                pass  # a backlog: keep going, one bounded transaction at a time
        except Exception:
            log.exception("retention run failed")
        await asyncio.sleep(settings.retention_check_seconds)
