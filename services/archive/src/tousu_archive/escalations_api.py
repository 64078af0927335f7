"""``GET /v1/escalations``: the open cases that were escalated, newest escalation first, for a
manager's "waiting for me" list. ``mine=true`` keeps those escalated to a role the caller
holds in the case's estate (the 站长 sees what went to the station head, the 品质经理 what
went to quality)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from litestar import Request, get
from litestar.params import Parameter
from sqlmodel import col, select

from tousu_archive.models import CaseEvent, CaseFile
from tousu_shared.runtime.service import identity_of, runtime_of

#: a case in one of these is no longer waiting for anyone
_DONE = ("closed", "withdrawn", "rejected")


@get("/v1/escalations", tags=["cases"])
async def list_escalations(
    request: Request[Any, Any, Any],
    tenant_id: str | None = None,
    estate_id: str | None = None,
    mine: bool = False,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    identity = identity_of(request)
    who, scope = await identity.scope(request, "case.read")
    group = identity.group(request, who, "case.read", tenant_id, param="tenant_id")
    cases = select(CaseFile).where(
        col(CaseFile.tenant_id) == group,
        col(CaseFile.escalations) > 0,
        col(CaseFile.status).not_in(_DONE),
    )
    if scope.estates is not None:
        cases = cases.where(col(CaseFile.estate_id).in_(sorted(scope.estates)))
    if estate_id is not None:
        cases = cases.where(col(CaseFile.estate_id) == estate_id)
    cases = cases.order_by(col(CaseFile.updated_at).desc()).limit(500)
    async with runtime_of(request).sessions() as session:
        files = {c.complaint_id: c for c in await session.scalars(cases)}
        raised = (
            select(CaseEvent)
            .where(col(CaseEvent.complaint_id).in_(list(files)), col(CaseEvent.type) == "EscalationRaised")
            .order_by(col(CaseEvent.occurred_at).desc())
        )
        events: list[CaseEvent] = list(await session.scalars(raised)) if files else []
        items = []
        for event in events:
            case, raised = files[event.complaint_id], orjson.loads(event.payload)
            if mine and raised.get("to_role") not in who.roles_in(case.estate_id):
                continue
            items.append(
                {
                    "complaint_id": case.complaint_id,
                    "estate_id": case.estate_id,
                    "status": case.status,
                    "category": case.category,
                    "topic": case.topic,
                    "department": case.department,
                    "to_role": raised.get("to_role"),
                    "reason": raised.get("reason"),
                    "trigger": raised.get("trigger"),
                    "clock": raised.get("clock"),
                    "at": event.occurred_at.isoformat(),
                }
            )
            if len(items) >= limit:
                break
    return {"items": items}
