"""The case query API: a person reads their own group's cases, in the estates where they
hold a role that reads cases (the policy's ``case.read``); another group's case is a 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy import func
from sqlmodel import col, select

from tousu_archive.models import CaseFile
from tousu_archive.record import case_record
from tousu_archive.search import grams
from tousu_shared.runtime.service import identity_of, runtime_of

#: the case list counts its matches up to here; past it, ``total_is_lower_bound`` says "more"
#: (counting every match of a broad filter over a million cases costs more than the page)
COUNT_CAP = 1_000


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
        return await case_record(session, case)


@get("/v1/complaints", tags=["cases"])
async def list_cases(
    request: Request[Any, Any, Any],
    tenant_id: str | None = None,
    estate_id: str | None = None,
    status: str | None = None,
    category: str | None = None,
    department: str | None = None,
    overdue: bool | None = None,
    room: str | None = None,
    building: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    q: Annotated[str | None, Parameter(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """Case files of a group, newest first: the caller's own group (the operator names one),
    only the estates where the caller reads cases. Filters: ``overdue`` (a clock breached),
    ``received_from``/``received_to`` (ISO instants, the second excluded), ``q`` (words of
    what the complainant said, e.g. 漏水). ``total`` counts up to 1,000 matches
    (``total_is_lower_bound`` when there are more)."""
    rt = runtime_of(request)
    identity = identity_of(request)
    who, scope = await identity.scope(request, "case.read")
    group = identity.group(request, who, "case.read", tenant_id, param="tenant_id")
    query = select(CaseFile).where(CaseFile.tenant_id == group)
    if scope.estates is not None:
        query = query.where(col(CaseFile.estate_id).in_(sorted(scope.estates)))
    for column, value in (
        (CaseFile.estate_id, estate_id),
        (CaseFile.status, status),
        (CaseFile.category, category),
        (CaseFile.department, department),
        (CaseFile.room, room),
        (CaseFile.building, building),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if overdue is not None:
        query = query.where(col(CaseFile.breaches) > 0 if overdue else col(CaseFile.breaches) == 0)
    if received_from is not None:
        query = query.where(col(CaseFile.received_at) >= received_from)
    if received_to is not None:
        query = query.where(col(CaseFile.received_at) < received_to)
    postgres = rt.engine.dialect.name == "postgresql"
    for word in (q or "").split():
        if postgres and (bigrams := grams(word, group)):  # the index finds the few, LIKE checks them
            query = query.where(col(CaseFile.search_grams).contains(bigrams))
        query = query.where(col(CaseFile.summary).contains(word, autoescape=True))
    async with rt.sessions() as session:
        # counting a million matches costs more than the page: past COUNT_CAP it says "more"
        counted = query.with_only_columns(col(CaseFile.complaint_id)).limit(COUNT_CAP + 1)
        total = await session.scalar(select(func.count()).select_from(counted.subquery())) or 0
        rows = await session.scalars(
            query.order_by(col(CaseFile.received_at).desc().nulls_last(), col(CaseFile.complaint_id))
            .limit(limit)
            .offset(offset)
        )
        items = [row.shown() for row in rows]
    return {
        "total": min(total, COUNT_CAP),
        "total_is_lower_bound": total > COUNT_CAP,
        "limit": limit,
        "offset": offset,
        "items": items,
    }


@get("/v1/households/{estate_id:str}/{room:str}", tags=["cases"])
async def household_dossier(request: Request[Any, Any, Any], estate_id: str, room: str) -> dict[str, Any]:
    """The household dossier (住户档案): every case of one room of an estate, oldest first
    (002 files each case on its own and in the household's dossier; 004 archives by room)."""
    rt = runtime_of(request)
    who = await identity_of(request).caller(request)
    async with rt.sessions() as session:
        rows = (
            await session.scalars(
                select(CaseFile)
                .where(col(CaseFile.estate_id) == estate_id, col(CaseFile.room) == room)
                .order_by(col(CaseFile.received_at).nulls_last(), col(CaseFile.complaint_id))
            )
        ).all()
    owner = rows[0].tenant_id if rows else who.tenant
    identity_of(request).require(request, who, "case.read", owner, estate_id)
    cases = [row.shown() for row in rows if row.tenant_id == owner]
    return {"estate_id": estate_id, "room": room, "cases": cases}
