"""The case query API: a person reads their own group's cases, in the estates where they
hold a role that reads cases (the policy's ``case.read``); another group's case is a 404."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy import func
from sqlmodel import col, select

from tousu_archive.models import CaseEvent, CaseFile
from tousu_shared.runtime.service import identity_of, runtime_of


@get("/v1/complaints/{complaint_id:str}", tags=["cases"])
async def get_case(request: Request[Any, Any, Any], complaint_id: str) -> dict[str, Any]:
    """The case file: its summary and the timeline of every event, in order."""
    rt = runtime_of(request)
    who = await identity_of(request).caller(request)
    async with rt.sessions() as session:
        case = await session.get(CaseFile, complaint_id)
        if case is None:
            raise NotFoundException(f"no complaint {complaint_id!r} in the archive (yet)")
        identity_of(request).require(request, who, "case.read", case.tenant_id, case.estate_id)
        events = await session.scalars(
            select(CaseEvent)
            .where(CaseEvent.complaint_id == complaint_id)
            .order_by(col(CaseEvent.occurred_at), col(CaseEvent.id))
        )
        timeline = [
            {
                "event_id": e.event_id,
                "type": e.type,
                "occurred_at": e.occurred_at.isoformat(),
                "topic": e.topic,
                "causation_id": e.causation_id,
                "payload": orjson.loads(e.payload),
            }
            for e in events
        ]
    summary = case.model_dump(mode="json")
    return {**summary, "timeline": timeline}


@get("/v1/complaints", tags=["cases"])
async def list_cases(
    request: Request[Any, Any, Any],
    tenant_id: str | None = None,
    estate_id: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """Case files of a group, newest first: the caller's own group (the operator names one),
    only the estates where the caller reads cases."""
    rt = runtime_of(request)
    identity = identity_of(request)
    who, scope = await identity.scope(request, "case.read")
    group = identity.group(request, who, "case.read", tenant_id, param="tenant_id")
    query = select(CaseFile).where(CaseFile.tenant_id == group)
    if scope.estates is not None:
        query = query.where(col(CaseFile.estate_id).in_(sorted(scope.estates)))
    if estate_id:
        query = query.where(CaseFile.estate_id == estate_id)
    if status:
        query = query.where(CaseFile.status == status)
    async with rt.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(
            query.order_by(col(CaseFile.received_at).desc().nulls_last(), col(CaseFile.complaint_id))
            .limit(limit)
            .offset(offset)
        )
        items = [row.model_dump(mode="json") for row in rows]
    return {"total": total, "limit": limit, "offset": offset, "items": items}
