"""Everything callback knows of one case, read from its two sources (intake's facts and
dispatch's case file), for those who only read it: the task opener, the script, the survey,
the feedback form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_callback.domain.script import Step
from tousu_callback.models import CallbackCase, CaseFile, IntakeFacts
from tousu_shared.delivery.rows import find
from tousu_shared.regimes import Regime, load_regime


@cache
def regime_rules(ref: str) -> Regime:
    """A regime, parsed once per process (its files do not change while it runs); every
    callback clock event and every answer reads it."""
    return load_regime(ref)


@dataclass(frozen=True)
class CaseFacts:
    complaint_id: str
    tenant_id: str
    estate_id: str
    regime: str | None
    parameters: dict[str, Any]
    channel: str | None
    account_id: str | None
    contact_ref: str | None
    receiver: str | None
    received_at: datetime | None
    summary: str | None
    complainant: str | None
    room: str | None
    category: str | None
    topic: str | None
    level: str | None
    department: str | None
    steps: tuple[Step, ...]
    promised: str | None
    resolution: str | None
    resolved_at: datetime | None
    reopened: int

    @property
    def rules(self) -> Regime | None:
        return regime_rules(self.regime) if self.regime else None

    @property
    def can_reply(self) -> bool:
        """The complaint came by a channel that can take a message back to the resident."""
        return bool(self.channel and self.contact_ref and self.account_id)

    def department_name(self) -> str | None:
        """The handling unit as the regime names it (工程部, 服務站客服部 …)."""
        if self.rules is None or self.department is None:
            return self.department
        department = self.rules.departments.get(self.department)
        return department.name if department else self.department


async def case_facts(session: AsyncSession, complaint_id: str) -> CaseFacts | None:
    intake = await find(session, IntakeFacts, complaint_id)
    file = await find(session, CaseFile, complaint_id)
    case = await find(session, CallbackCase, complaint_id)
    first = intake or file
    if first is None:
        return None
    # dispatch's regime names the version the case runs under: it wins over intake's id
    regime = (file.regime if file else None) or (intake.regime if intake else None)
    parameters = file.parameters if file and file.regime else (intake.parameters if intake else "{}")
    return CaseFacts(
        complaint_id=complaint_id,
        tenant_id=first.tenant_id,
        estate_id=first.estate_id,
        regime=regime,
        parameters=orjson.loads(parameters),
        channel=intake.channel if intake else None,
        account_id=intake.account_id if intake else None,
        contact_ref=intake.contact_ref if intake else None,
        receiver=(intake.registered_by if intake else None) or (file.receiver if file else None),
        received_at=intake.received_at if intake else None,
        summary=intake.summary if intake else None,
        complainant=intake.complainant if intake else None,
        room=intake.room if intake else None,
        category=file.category if file else None,
        topic=file.topic if file else None,
        level=file.level if file else None,
        department=file.department if file else None,
        steps=tuple(Step.from_json(s) for s in orjson.loads(file.steps)) if file else (),
        promised=file.promised if file else None,
        resolution=file.resolution if file else None,
        resolved_at=file.resolved_at if file else None,
        reopened=case.reopened if case else 0,
    )
